"""Table 3 and Figure 9: the clustering AAE learns clusters, the command runs end to end."""
import json

import matplotlib.image
import pytest
import torch

from aae.data.synthetic import make_synthetic
from aae.eval.classification import probabilities
from aae.eval.clustering import clustering_metrics
from aae.models.base import DataInfo
from aae.models.registry import get_model
from benchmarks.recipes import recipe
from tests.conftest import run_cli, smoke_args


def test_the_clustering_aae_separates_well_separated_classes():
    """Ten synthetic classes, 400 updates, no label: far better than the 90% error of chance (seeds
    0-2 gave 40-60% error and NMI 0.67-0.83; random clusters give about 90% and 0, see
    test_clustering.py). Most of the 16 categories stay empty at this length: the categorical
    prior's discriminator does not yet spread the images over them."""
    data = make_synthetic()
    mean, std = data.pixel_stats()
    torch.manual_seed(0)
    config = recipe("clustering_aae", "smoke", overrides=["hidden=[256, 256]", "disc_hidden=[128]", "n_clusters=16"]).model
    model = get_model("clustering_aae").cls(config, DataInfo(784, 10, 600, 0, mean, std), "cpu")
    assert model.streams == ("unlabelled",)  # section 6 reads no label
    x, g = data.floats("train"), torch.Generator().manual_seed(0)
    for _ in range(400):
        losses = model.update({"x": x[torch.randint(0, len(x), (100,), generator=g)]})
    assert "classification" not in losses
    q = {s: probabilities(model.predict_proba, data.floats(s)).numpy() for s in ("valid", "test")}
    m = clustering_metrics(q["valid"], data.y_valid, q["test"], data.y_test, 10)
    assert m["cluster_error"] < 65 and m["nmi"] > 0.6, m


def test_table3_end_to_end_on_synthetic_data_then_figure9(tmp_path):
    ran = run_cli("benchmarks.table3", *smoke_args(tmp_path, "--seeds", "1", "--clusters", "16", "10"))
    assert ran.returncode == 0, ran.stderr
    table = (tmp_path / "results" / "table3.md").read_text()
    assert "| Adversarial Autoencoder (16 clusters) | synthetic (Unsupervised) |" in table
    assert "| Adversarial Autoencoder (10 clusters) | synthetic (Unsupervised) |" in table
    assert "30 clusters) | synthetic" not in table and "| CatGAN (20 clusters) " in table
    records = [json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*/record.json")]
    assert sorted(r["spec"]["config"]["n_clusters"] for r in records) == [10, 16]
    assert all(r["labelled_indices"] == [] for r in records)  # "none": no label was drawn
    assert [("matched_accuracy" in r["metrics"]) for r in sorted(records, key=lambda r: r["spec"]["variant"])] == \
        [True, False]  # K = 10 only
    histories = [[json.loads(line) for line in p.read_text().splitlines()]
                 for p in (tmp_path / "runs").glob("*/metrics.jsonl")]
    assert len(histories) == 2 and all(0 <= row["valid_cluster_error"] <= 100 for h in histories for row in h)
    assert (tmp_path / "results" / "figures" / "curves_table3.png").exists()
    # the match of q(y) to its uniform prior: drawn per epoch, printed, and beside each cell
    assert (tmp_path / "results" / "figures" / "matching_table3.png").exists()
    assert all(0 <= row["match_y_entropy"] <= 1 and row["match_y_empty"] >= 0 for h in histories for row in h)
    assert "matching, synthetic (Unsupervised), Adversarial Autoencoder (16 clusters): final match_y_entropy" in ran.stderr
    finals = {h[-1]["match_y_entropy"] for h in histories}
    cells = [line for line in table.splitlines() if line.startswith("| Adversarial Autoencoder (1")]
    assert all(f"usage H {v:.2f}" in "".join(cells) for v in finals), cells

    drawn = run_cli("benchmarks.figures", "--budget", "smoke", "--dataset", "synthetic", "--figures", "9",
                    "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results"))
    assert drawn.returncode == 0, drawn.stderr
    assert "0 to run" in drawn.stderr  # Table 3's 16-cluster run, reused
    image = matplotlib.image.imread(tmp_path / "results" / "figures" / "figure9.png")
    height, width = image.shape[:2]
    assert height / width > 1.2  # sixteen rows (one per cluster) of thirteen images: taller than wide
    assert image[..., :3].std() > 0.05  # drawn, not blank


@pytest.mark.parametrize("value", ["1", "0", "x"])
def test_bad_cluster_counts_are_one_line(tmp_path, value):
    ran = run_cli("benchmarks.table3", *smoke_args(tmp_path, "--clusters", value))
    lines = ran.stderr.strip().splitlines()
    assert ran.returncode == 2 and len(lines) == 1 and "--clusters" in lines[0], lines
    assert not (tmp_path / "runs").exists()
