"""Table 1 and Figures 2, 4, 5 as a user runs them, on the synthetic stand-in; and the rule that
a finished run can be scored again later without training it again."""
import dataclasses
import re

import matplotlib.image
import numpy as np
import pytest

from aae.experiment.job import execute
from aae.experiment.run_dir import RunDir
from aae.reporting.tables import Column
from benchmarks.specs import grid
from tests.conftest import run_cli, smoke_args

ROWS = ("Adversarial Autoencoder", "GAN", "GMMN \\+ AE", "VAE †", "Training images \\(last N\\) ‡",
        "k-means centroids \\(N\\) ‡", "GMMN \\+ AE: its own reconstructions ‡")


def cell(table: str, row: str, column: str) -> re.Match | None:
    return re.search(rf"\| {row}\s+\| {re.escape(column)}\s+\| (-?\d+\.\d\d)[^|]*\| (\d+)\s+\| 0\s+\| σ [\d., ]+; se",
                     table)


def test_table1_then_more_samples_scores_the_same_runs_without_training(tmp_path):
    first = run_cli("benchmarks.table1", *smoke_args(tmp_path, "--seeds", "1", "--samples", "300"))
    assert first.returncode == 0, first.stderr
    table = (tmp_path / "results" / "table1.md").read_text()
    for row in ROWS:
        assert cell(table, row, "synthetic (300)"), f"{row} has no measured cell:\n{table}"
    assert cell(table, "Training images \\(last N\\) ‡", "synthetic (300)").group(2) == "1"  # deterministic
    assert "| DBN " in table and "paper only" in table
    checkpoints = {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").glob("*/checkpoint.pt")}
    assert len(checkpoints) == 6  # four models and the two sanity rows, each through the run store

    # a column its finished runs were never scored for: said so, not "not finished"
    gathered = run_cli("benchmarks.table1", *smoke_args(tmp_path, "--seeds", "1", "--samples", "300", "400", "--gather-only"))
    assert gathered.returncode == 0, gathered.stderr
    table = (tmp_path / "results" / "table1.md").read_text()
    assert re.search(r"\| Adversarial Autoencoder\s+\| synthetic \(400\)\s+\| 1 trained, not evaluated ", table), table

    more = run_cli("benchmarks.table1", *smoke_args(tmp_path, "--seeds", "1", "--samples", "300", "400"))
    assert more.returncode == 0, more.stderr
    assert "6 runs: 0 already finished, 6 to run (6 trained, to evaluate)" in more.stderr
    assert {p: p.stat().st_mtime_ns for p in checkpoints} == checkpoints  # scored, not trained again
    table = (tmp_path / "results" / "table1.md").read_text()
    for row in ROWS[:6]:
        assert cell(table, row, "synthetic (300)") and cell(table, row, "synthetic (400)")
    # each evaluation's own time, from the runs' records, in the header: the later one's too
    times = re.search(r"\| evaluation time per run +\| (.*?) +\|", table).group(1)
    assert re.search(r"(^|, )parzen@300 [\d.]+ s \(6 runs\)", times), times
    assert re.search(r"(^|, )parzen@400 [\d.]+ s \(6 runs\)", times), times


@pytest.mark.parametrize("figures, files", [
    (["4", "5"], ["figure4", "figure5"]),  # 3 smoke runs: what CI can afford
    pytest.param(["2", "samples"], ["figure2", "table1_samples"], marks=pytest.mark.slow),  # 8 more
])
def test_figures_are_drawn(tmp_path, figures, files):
    done = run_cli("benchmarks.figures", "--budget", "smoke", "--dataset", "synthetic", "--figures", *figures,
                   "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results"))
    assert done.returncode == 0, done.stderr
    for name in files:
        image = matplotlib.image.imread(tmp_path / "results" / "figures" / f"{name}.png")[:, :, :3]
        assert image.shape[0] > 200 and image.shape[1] > 200, name
        # what is drawn, not only a file: the figure's halves differ (distinct panels, not one
        # repeated or blank), and each holds more than a flat background
        left, right = image[:, : image.shape[1] // 2], image[:, image.shape[1] // 2: image.shape[1] // 2 * 2]
        assert left.std() > 0.05 and right.std() > 0.05 and not np.allclose(left, right), name
    if "2" in figures:  # its claim as numbers, one line per prior
        assert len(re.findall(r"energy distance of the test codes .*: AAE [\d.]+, VAE [\d.]+", done.stdout)) == 2
    if "4" in figures:
        assert len(re.findall(r"Figure 4, .*: [\d.]+% of the [\d,]+ test codes lie in their own digit's part", done.stdout)) == 2


def smoke_spec(model, evals):
    [spec] = grid("test", models=[model], columns=[Column("synthetic", "all", "x")], seeds=1, budget="smoke",
                  overrides=[], evals=evals)
    return spec


def test_an_evaluation_added_later_equals_one_made_at_the_end_of_training(tmp_path):
    at_once = smoke_spec("aae", ("parzen@200",))
    later = dataclasses.replace(at_once, evals=())
    assert later.run_id == at_once.run_id  # evaluations do not name the run
    assert execute(at_once, tmp_path / "a", progress=False).state == "done"
    assert execute(later, tmp_path / "b", progress=False).state == "done"
    assert RunDir(tmp_path / "b", later).read_record()["metrics"] == {}
    assert execute(at_once, tmp_path / "b", progress=False).state == "done"
    a, b = (RunDir(tmp_path / d, at_once).read_record() for d in ("a", "b"))
    assert a["metrics"] == b["metrics"] and set(a["metrics"]) == {"parzen@200_ll", "parzen@200_se", "parzen@200_sigma"}
    assert b["evaluated"] == ["parzen@200"]
    assert set(b["eval_seconds"]) == {"parzen@200"} and b["eval_wall_time_s"] == pytest.approx(b["eval_seconds"]["parzen@200"])


def test_a_failing_later_evaluation_leaves_the_finished_run_as_it_was(tmp_path):
    spec = smoke_spec("nn_baseline", ("classification",))
    assert execute(spec, tmp_path, progress=False).state == "done"
    record = RunDir(tmp_path, spec).read_record()
    # an MLP has no sample(): grid() would refuse this spec up front; built by hand, it fails at evaluation
    wants_samples = dataclasses.replace(spec, evals=("classification", "parzen@100"))
    outcome = execute(wants_samples, tmp_path, progress=False)
    assert outcome.state == "failed" and "sample" in outcome.summary
    run = RunDir(tmp_path, spec)
    assert run.is_done() and run.read_record() == record and run.missing_evaluations() == []
    assert RunDir(tmp_path, wants_samples).missing_evaluations() == ["parzen@100"]


@pytest.mark.parametrize("name", ["parzen@x", "nope"])
def test_bad_evaluation_names_are_one_line_errors(name):
    from aae.errors import UserError
    from aae.eval import EvalContext, evaluate

    with pytest.raises(UserError):
        evaluate(name, None, EvalContext(data=None, device="cpu", seed=0))


def test_the_sigma_grid_is_the_papers_unless_changed_and_a_bad_one_is_a_one_line_error(tmp_path):
    from aae.eval import SIGMA_GRID, parzen_name, sigma_grid

    grid = sigma_grid(SIGMA_GRID)  # docs/PAPER.md: 10 sigmas, log-spaced from 0.1 to 1
    assert len(grid) == 10 and grid[0] == pytest.approx(0.1) and grid[-1] == pytest.approx(1.0)
    assert np.allclose(np.diff(np.log10(grid)), 1 / 9)
    assert parzen_name(100, grid="-2:0:5") == "parzen@100,grid=-2:0:5" and parzen_name(100) == "parzen@100"
    bad = run_cli("benchmarks.table1", *smoke_args(tmp_path, "--sigma-grid=-1:0"))
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [
        "benchmarks.table1: error: argument --sigma-grid: bad sigma grid '-1:0': use LOW:HIGH:N, log10 of the first and last sigma, "
        "like -1:0:10"]
    assert not (tmp_path / "results" / "table1.md").exists()


def test_the_reconstruction_ceiling_of_a_perfect_autoencoder_is_the_training_images_row():
    """recon_parzen's centres are the model's reconstructions of the last N training images: with
    reconstructions equal to their inputs it must score exactly as the training-images sanity row."""
    import torch

    from aae.data import load_dataset
    from aae.eval import EvalContext, evaluate
    from aae.models.base import DataInfo
    from aae.models.registry import get_model
    from benchmarks.recipes import recipe

    class Identity:
        def reconstruct(self, x):
            return x.clone()

    data = load_dataset("synthetic")
    ctx = EvalContext(data=data, device=torch.device("cpu"), seed=0)
    ceiling = evaluate("recon_parzen@300", Identity(), ctx)
    row = get_model("training_images").cls(recipe("training_images", "cpu").model, DataInfo(784, 10, 600, 0))
    row.set_training_images(data.floats("train"))
    sanity = evaluate("parzen@300", row, ctx)
    assert ceiling == {f"recon_{k}": v for k, v in sanity.items()}
    assert set(ceiling) == {"recon_parzen@300_ll", "recon_parzen@300_se", "recon_parzen@300_sigma"}


def test_a_sample_count_given_twice_is_one_column_and_one_evaluation():
    import argparse

    from benchmarks.table1 import LAYOUT, columns_for

    args = argparse.Namespace(samples=[100, 100, 200, 100], budget="smoke", parzen_valid=1000,
                              sigma_grid="-1:0:10", datasets=["synthetic"], data_dir=None)
    parzen = [c for c in columns_for(args, LAYOUT.columns) if c.evaluation.startswith("parzen@")]
    assert [c.evaluation for c in parzen if c.dataset == "mnist"] == ["parzen@100", "parzen@200"]
