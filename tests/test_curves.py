"""Learning curves: validation error after every epoch, recorded without changing the training."""
import dataclasses
import math

import matplotlib.image
import pytest
import torch

from aae.experiment.run_dir import RunDir, histories
from aae.experiment.train import run_job
from aae.reporting.tables import Column
from benchmarks.curves import milestones
from benchmarks.specs import grid
from tests.conftest import run_cli, smoke_args


def _spec(curve, model="nn_baseline"):
    [spec] = grid("table2", models=[model], columns=[Column("synthetic", "100", "")], seeds=1, budget="smoke",
                  overrides=["epochs=3"], evals=("classification",) if model == "nn_baseline" else (), curve=curve)
    return spec


@pytest.mark.parametrize("model, key", [("nn_baseline", "valid_error"), ("vae", "valid_ll")])
def test_the_curve_is_recorded_every_epoch_and_leaves_training_unchanged(tmp_path, model, key):
    """A classifier's validation error (Table 2) and a generative model's Parzen score on
    validation images (Table 1, its samples drawn from their own generator)."""
    curve = ("valid_error",) if key == "valid_error" else ("parzen_valid",)
    with_curve, without = _spec(curve, model), _spec((), model)
    assert with_curve.run_id == without.run_id  # a curve reads the model; it does not define it
    a = run_job(with_curve, tmp_path / "a", progress=False)
    b = run_job(without, tmp_path / "b", progress=False)
    assert a["metrics"] == b["metrics"]
    log_a, log_b = RunDir(tmp_path / "a", with_curve).history(), RunDir(tmp_path / "b", without).history()
    assert [r["epoch"] for r in log_a] == [1, 2, 3]
    assert all(math.isfinite(r[key]) for r in log_a) and key not in log_b[0]
    assert [{k: v for k, v in r.items() if k != key} for r in log_a] == log_b  # the same losses
    if key == "valid_error":  # the last epoch's curve point is the final model's validation error
        assert log_a[-1]["valid_error"] == pytest.approx(a["metrics"]["valid_error"])
    wa, wb = (torch.load(RunDir(root, s).checkpoint, weights_only=True)["model"]["nets"]
              for root, s in ((tmp_path / "a", with_curve), (tmp_path / "b", without)))
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert list(histories([with_curve], tmp_path / "a", key)) == [with_curve]
    assert histories([without], tmp_path / "b", key) == {}


def test_a_curve_that_reads_the_test_set_is_refused(tmp_path):
    spec = dataclasses.replace(_spec(()), curve=("classification",))
    with pytest.raises(Exception, match="cannot be a learning curve: it reads test images"):
        run_job(spec, tmp_path, progress=False)


def test_a_model_without_the_capability_an_evaluation_needs_is_refused_before_launch():
    from aae.errors import UserError

    with pytest.raises(UserError, match=r"nn_baseline cannot be scored by parzen@100: it has no sample\(\) \(capability 'samples'\)"):
        grid("table1", models=["nn_baseline"], columns=[Column("synthetic", "all", "")], seeds=1, budget="smoke",
             overrides=[], evals=("parzen@100",))
    with pytest.raises(UserError, match=r"gan cannot be scored by valid_error: it has no predict_proba\(\)"):
        grid("table1", models=["gan"], columns=[Column("synthetic", "all", "")], seeds=1, budget="smoke",
             overrides=[], evals=(), curve=("valid_error",))


def test_milestones():
    assert milestones(100) == [1, 3, 10, 30, 100]
    assert milestones(20) == [1, 3, 10, 20]
    assert milestones(1) == [1]


def test_the_long_curve_command_end_to_end(tmp_path):
    ran = run_cli("benchmarks.curves", "--budget", "smoke", "--dataset", "synthetic", "--epochs", "4",
                  "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results"),
                  "--set", "hidden=[64,64]", "disc_hidden=[32]")
    assert ran.returncode == 0, ran.stderr
    text = (tmp_path / "results" / "curve_long_synthetic100_smoke.md").read_text()
    rows = [[cell.strip() for cell in line.split("|")[1:3]] for line in text.splitlines() if line.startswith("| ")]
    assert [r[0] for r in rows] == ["epoch", "1", "3", "4"] and rows[0][1] == "validation error (%)"
    assert "generator loss" in next(line for line in text.splitlines() if line.startswith("|   epoch") or line.startswith("| epoch"))
    assert all(0.0 <= float(r[1]) <= 100.0 for r in rows[1:])
    image = matplotlib.image.imread(tmp_path / "results" / "figures" / "curve_long_synthetic100_smoke.png")
    assert image.shape[0] > 100 and image[:, :, :3].std() > 0.05  # a drawn plot, not a blank canvas

    bad = run_cli("benchmarks.curves", "--budget", "smoke", "--dataset", "synthetic", "--setting", "1000",
                  "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results"))
    lines = bad.stderr.strip().splitlines()
    assert bad.returncode == 2 and len(lines) == 1 and "Table 2 has no column synthetic (1000)" in lines[0], lines


def test_table1_draws_its_curves(tmp_path):
    ran = run_cli("benchmarks.table1", *smoke_args(tmp_path, "--seeds", "1", "--models", "vae", "gan"))
    assert ran.returncode == 0, ran.stderr
    image = matplotlib.image.imread(tmp_path / "results" / "figures" / "curves_table1.png")
    assert image.shape[0] > 100 and image[:, :, :3].std() > 0.05


def test_table2_draws_its_curves(tmp_path):
    ran = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "1", "--models", "nn_baseline"))
    assert ran.returncode == 0, ran.stderr
    image = matplotlib.image.imread(tmp_path / "results" / "figures" / "curves_table2.png")
    assert image.shape[1] > 1.5 * image.shape[0]  # two settings, side by side
    left, right = image[:, : image.shape[1] // 2, :3], image[:, image.shape[1] // 2:, :3]
    assert not torch.equal(torch.from_numpy(left.copy()), torch.from_numpy(right[:, : left.shape[1]].copy()))
