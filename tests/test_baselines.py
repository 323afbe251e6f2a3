"""Known answers for the baselines' own pieces: the GMMN's MMD, the GMMN's two stages."""
import math

import pytest
import torch

from aae.models.base import DataInfo
from aae.registry import config_for, get_model
from baselines.gmmn import mmd_squared


def test_mmd_known_answers():
    a = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    assert mmd_squared(a, a, (1.0,)).item() == pytest.approx(0.0, abs=1e-6)
    # one point each at distance d: k(a,a) + k(b,b) - 2 k(a,b) = 2 - 2 exp(-d^2 / 2 s^2), per kernel
    p, q = torch.zeros(1, 2), torch.tensor([[3.0, 4.0]])
    expected = sum(2 - 2 * math.exp(-25 / (2 * s * s)) for s in (1.0, 5.0))
    assert mmd_squared(p, q, (1.0, 5.0)).item() == pytest.approx(expected, rel=1e-6)


def test_gmmn_trains_the_autoencoder_then_only_the_generator():
    torch.manual_seed(0)
    model = get_model("gmmn_ae").cls(config_for("gmmn_ae", "smoke", ["ae_epochs=1", "epochs=2", "steps_per_epoch=3"]),
                                     DataInfo(784, 10, 600, 600), "cpu")
    x = {"x": torch.rand(40, 784)}
    assert [set(model.update(x)) for _ in range(3)] == [{"loss", "reconstruction"}] * 3
    encoder = [p.clone() for p in model.nets["encoder"].parameters()]
    assert set(model.update(x)) == {"loss", "mmd"}
    assert all(torch.equal(a, b) for a, b in zip(encoder, model.nets["encoder"].parameters()))
    restored = get_model("gmmn_ae").cls(model.config, DataInfo(784, 10, 600, 600), "cpu")
    restored.load_state_dict(model.state_dict())  # a resumed run continues in the generator's stage
    assert set(restored.update(x)) == {"loss", "mmd"}


def test_gmmn_autoencoder_steps_on_its_own_minibatch():
    """A loop minibatch of 1000 images is ten autoencoder updates of 100 (the original's size),
    and one generator update on all 1000 codes."""
    torch.manual_seed(0)
    model = get_model("gmmn_ae").cls(config_for("gmmn_ae", "smoke", ["ae_epochs=1", "epochs=2", "steps_per_epoch=1"]),
                                     DataInfo(784, 10, 1000, 0), "cpu")
    x = {"x": torch.rand(1000, 784)}
    model.update(x)
    steps = {int(s["step"]) for s in model.optimizers["autoencoder"].state_dict()["state"].values()}
    assert steps == {10}
    model.update(x)
    steps = {int(s["step"]) for s in model.optimizers["generator"].state_dict()["state"].values()}
    assert steps == {1}
