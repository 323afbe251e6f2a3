"""Section 4: the supervised AAE's decoder takes the label, so the label decides the digit."""
import re

import matplotlib.image
import numpy as np
import pytest
import torch

from aae.data.synthetic import make_synthetic
from aae.eval.features import feature_network, predicted_labels
from aae.experiment.batches import epoch_batches
from aae.models.base import DataInfo
from aae.models.registry import get_model
from benchmarks.figure7 import label_agreement
from benchmarks.recipes import recipe
from tests.conftest import run_cli


def test_label_decides_the_class_of_decoded_images():
    torch.manual_seed(0)
    data = make_synthetic()
    model = get_model("supervised_aae").cls(recipe("supervised_aae", "smoke").model, DataInfo(784, 10, 600, 600), "cpu")
    x, y = data.floats("train"), data.labels("train")
    for epoch in range(10):
        for batch in epoch_batches(model.streams, x, y, np.arange(600), 50, 12, seed=0, epoch=epoch):
            model.update(batch)
    grid = model.style_grid(4, torch.Generator().manual_seed(0)).view(4, 10, 784)
    class_means = torch.stack([x[y == c].mean(0) for c in range(10)])
    # decoded images are mostly nearest to the mean image of the class they were decoded as
    # (0.68 after these 120 updates; a decoder that ignored the label would score about 0.1)
    nearest = torch.cdist(grid.reshape(40, 784), class_means).argmin(1).view(4, 10)
    assert (nearest == torch.arange(10)).float().mean() >= 0.5, nearest  # chance: 0.1


def test_figure7_command_writes_a_png(tmp_path):
    done = run_cli("benchmarks.figure7", "--budget", "smoke", "--dataset", "synthetic",
                   "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results"))
    assert done.returncode == 0, done.stderr
    image = matplotlib.image.imread(tmp_path / "results" / "figures" / "figure7.png")
    assert image.shape[0] > 0.9 * image.shape[1]  # a 10 x 10 grid under a title
    assert image[:, :, :3].std() > 0.05  # drawn digits, not a blank canvas
    found = re.search(r"reads the column's label in ([\d.]+)% of the 100 images .*; in ([\d.]+)% ± ([\d.]+) of "
                      r"10,000 images", done.stdout)
    share, overall, se = map(float, found.groups())
    assert 0.0 <= share <= 100.0 and 0.0 <= overall <= 100.0
    assert se == round((overall * (100 - overall) / 10_000) ** 0.5, 2)


def test_label_agreement_counts_the_grid_column_by_column():
    assert label_agreement(torch.full((20,), 3), 10) == 10.0  # a judge saying 3: column 3 of each of 2 rows
    assert label_agreement(torch.arange(20) % 10, 10) == 100.0


def test_the_judge_reads_real_test_images_as_their_labels(tmp_path):
    """The judge is the cached feature network; on the synthetic stand-in's own test images it must
    agree with their labels far above chance, or the figure's number would measure the judge."""
    data = make_synthetic()
    judge, card = feature_network(data, tmp_path / "cache")
    predicted = predicted_labels(judge, data.floats("test"), block=7)  # blocks: the same labels in pieces
    assert (predicted == data.labels("test")).float().mean() == pytest.approx(card["test_accuracy"])
    assert card["test_accuracy"] >= 0.9
