"""Gaussian noise on the discriminators' inputs (disc_noise, docs/PAPER.md (u)), and the run hash of a
config field added after runs existed (that every committed run keeps its hash:
tests/test_committed_records.py)."""
import dataclasses

import pytest
import torch

from aae.models.adversarial import discriminator_loss, noisy
from aae.reporting.tables import Column
from benchmarks.specs import grid



def test_noise_has_the_std_asked_for_and_none_draws_nothing():
    x = torch.zeros(200_000)
    torch.manual_seed(0)
    assert noisy(x, 0.0) is x
    untouched = torch.rand(3)
    torch.manual_seed(0)
    noisy(x, 0.0)
    assert torch.equal(torch.rand(3), untouched)  # no random draw at 0: runs without it are unchanged
    y = noisy(x, 0.3)
    assert abs(y.mean().item()) < 0.005 and y.std().item() == pytest.approx(0.3, rel=0.01)


def test_noise_keeps_a_discriminator_from_telling_one_hot_from_nearly_one_hot():
    """The categorical prior's real samples are exact one-hot vectors, the encoder's softmax
    outputs only close to them: without noise a discriminator separates the two outright (the
    game is lost and the encoder learns nothing from it); with noise of std 0.3 it cannot."""
    torch.manual_seed(0)
    k, n = 10, 256
    losses = {}
    for std in (0.0, 0.3):
        d = torch.nn.Sequential(torch.nn.Linear(k, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
        opt = torch.optim.Adam(d.parameters(), 1e-2)
        for _ in range(300):
            labels = torch.randint(k, (n,))
            one_hot = torch.nn.functional.one_hot(labels, k).float()
            soft = (one_hot * 6.0 + torch.randn(n, k) * 0.3).softmax(1)  # max probability about 0.98
            loss = discriminator_loss(d, one_hot, soft, std)
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses[std] = loss.item()
    assert losses[0.0] < 0.6  # separating them (chance is 2 ln 2 = 1.39), and still falling
    assert losses[0.3] > 1.3  # at chance


@pytest.mark.parametrize("model", ["aae", "ssaae", "supervised_aae", "clustering_aae", "dimred_aae"])
def test_a_late_field_set_away_from_its_default_names_a_new_run(model):
    spec = grid("t", models=[model], columns=[Column("mnist", "100", "x")], seeds=1, budget="cpu",
                overrides=[], evals=())[0]
    quiet = dataclasses.replace(spec, config=dataclasses.replace(spec.config, disc_noise=0.0))  # the default
    noisier = dataclasses.replace(spec, config=dataclasses.replace(spec.config, disc_noise=0.3))
    assert noisier.run_id != quiet.run_id
