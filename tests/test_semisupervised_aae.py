"""The semi-supervised AAE's three phases, each alone: which networks each one may change."""
import numpy as np
import pytest
import torch

from aae.data.synthetic import make_synthetic
from aae.experiment.train import run_job
from aae.models.base import DataInfo
from aae.models.registry import register_model
from aae.models.semisupervised import SemiSupervisedAAE, SemiSupervisedAAEConfig
from benchmarks.recipes import RECIPES
from benchmarks.specs import grid
from benchmarks.table2 import SYNTHETIC_COLUMNS


def changed(model, phase):
    before = {name: [p.detach().clone() for p in net.parameters()] for name, net in model.nets.items()}
    phase()
    return {name for name, net in model.nets.items()
            if any(not torch.equal(a, b) for a, b in zip(before[name], net.parameters()))}


@pytest.fixture
def model():
    torch.manual_seed(0)
    config = SemiSupervisedAAEConfig(hidden=(32, 32), disc_hidden=(16,), z_dim=3)
    return SemiSupervisedAAE(config, DataInfo(20, 4, 100, 8), "cpu")


def test_reconstruction_phase_changes_encoder_and_decoder_only(model):
    x = torch.rand(10, 20)
    assert changed(model, lambda: model.reconstruction_phase(x)) == {"trunk", "y_head", "z_head", "decoder"}


def test_regularization_phase_changes_discriminators_then_encoder_only(model):
    x = torch.rand(10, 20)
    assert changed(model, lambda: model.regularization_phase(x)) == {"d_y", "d_z", "trunk", "y_head", "z_head"}
    # and the discriminator step alone leaves the encoder alone: run it with the generator's optimizer disabled
    model.optimizers["generator"].step = lambda *a, **k: None
    assert changed(model, lambda: model.regularization_phase(x)) == {"d_y", "d_z"}


def test_classification_phase_changes_the_label_path_only(model):
    x, y = torch.rand(10, 20), torch.randint(4, (10,))
    assert changed(model, lambda: model.classification_phase(x, y)) == {"trunk", "y_head"}


class LabelSpy(SemiSupervisedAAE):
    """Records every labelled minibatch the training loop hands over."""
    seen: list = []

    def update(self, batch):
        LabelSpy.seen.append((batch["x_lab"].clone(), batch["y_lab"].clone()))
        return super().update(batch)


def test_labelled_batches_come_only_from_the_labelled_subset(tmp_path, monkeypatch):
    register_model("label_spy", SemiSupervisedAAEConfig)(LabelSpy)
    monkeypatch.setitem(RECIPES, "label_spy", RECIPES["ssaae"])
    [spec] = grid("spy", models=["label_spy"], columns=[SYNTHETIC_COLUMNS[0]], seeds=1, budget="smoke",
                  overrides=[], evals=())
    record = run_job(spec, tmp_path, progress=False)
    data = make_synthetic()
    allowed = {tuple(data.x_train[i]): int(data.y_train[i]) for i in record["labelled_indices"]}
    assert len(allowed) == 100
    rows = [(tuple(np.rint(x.numpy() * 255).astype(np.uint8)), int(y)) for xb, yb in LabelSpy.seen
            for x, y in zip(xb, yb)]
    assert len(rows) == spec.training.epochs * spec.training.steps_per_epoch * spec.training.batch_size
    assert all(allowed.get(x) == y for x, y in rows)  # every labelled image is in the subset, with its own label


def test_reconstructions_come_back_as_pixels_whether_or_not_the_model_standardises():
    import dataclasses

    import torch

    from aae.models.base import DataInfo
    from aae.models.semisupervised import SemiSupervisedAAE
    from benchmarks.recipes import recipe

    torch.manual_seed(0)
    x = torch.rand(16, 784) * 0.5 + 0.25
    info = DataInfo(784, 10, 16, 16, x.mean(0), x.std(0))
    for standardize in (True, False):
        model = SemiSupervisedAAE(dataclasses.replace(recipe("ssaae", "smoke").model, standardize=standardize), info)
        images = model.reconstruct(x)
        assert images.shape == x.shape
        # an untrained decoder's output sits near the standardised mean 0, i.e. near the pixel mean
        assert (images.mean(0) - x.mean(0)).abs().mean() < (0.2 if standardize else 0.5)
