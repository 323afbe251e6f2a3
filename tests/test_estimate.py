"""--estimate: a table's cost from timed updates, before any run starts (a fake timer here)."""
import pytest

from aae.experiment import estimate
from aae.experiment.estimate import Workload, plan, report, slurm_timeout_min
from aae.experiment.spec import JobSpec
from benchmarks import table_command
from benchmarks.recipes import recipe
from tests.conftest import run_cli, smoke_args


def spec(model, trial, dataset="mnist", epochs=10, steps=100):
    r = recipe(model, "smoke", overrides=[f"epochs={epochs}", f"steps_per_epoch={steps}"])
    return JobSpec("table2", model, r.model, r.training, dataset, "100", trial, trial, "smoke")


def test_a_run_costs_its_epochs_times_its_updates_over_the_timed_rate():
    specs = [spec("nn_baseline", t) for t in range(3)] + [spec("ssaae", t, epochs=4, steps=50) for t in range(2)]
    seen = []

    def rates_of(workloads):
        seen.extend(workloads)
        return [[("updates", 1.0, 10.0)], [("updates", 1.0, 2.0)]]

    lines = plan(specs, n_train=lambda d: 50_000, input_shape=lambda d: (784, 10), rates_of=rates_of)
    assert [w.model for w in seen] == ["nn_baseline", "ssaae"]  # one timing per row, not per run
    nn, ss = lines
    assert (nn.runs, nn.epochs, nn.updates_per_epoch) == (3, 10, 100)
    assert nn.hours_per_run == pytest.approx(10 * 100 / 10.0 / 3600)
    assert ss.hours == pytest.approx(2 * 4 * 50 / 2.0 / 3600)
    text = report(lines, "fake", "local", 2, None)
    assert "total: 8.3 min of training in 5 runs" in text  # 3 x 100 s + 2 x 100 s
    assert "local, 2 worker(s): about 4.2 min of wall time" in text  # 500 s over two workers


def test_stages_that_cost_differently_are_weighted_by_their_share():
    [line] = plan([spec("gmmn_ae", 0, epochs=4, steps=100)], lambda d: 1000, lambda d: (784, 10),
                  lambda ws: [[("autoencoder", 0.25, 100.0), ("generator", 0.75, 1.0)]])
    assert line.hours_per_run * 3600 == pytest.approx(400 * (0.25 / 100 + 0.75 / 1.0))


def test_slurm_gets_a_time_limit_with_margin_and_a_requeue_note():
    assert slurm_timeout_min(1.0) == 90  # 60 x 1.25 + 10 = 85, rounded up to 10
    # 69.4 h a run: 4167 min x 1.25 + 10 = 5218, rounded up to 5220; 22 limits of 240 min
    line = estimate.Line("ssaae", "mnist", 5, 5000, 500, 10.0, 5000 * 500 / 10.0 / 3600)
    assert "--timeout-min 5220 covers the longest run" in report([line], "fake", "slurm", 1, None)
    assert "at --timeout-min 240 submitit requeues it about 21 time(s)" in report([line], "fake", "slurm", 1, 240)


def test_the_cli_estimates_every_row_and_trains_nothing(tmp_path, monkeypatch):
    calls = []

    def fake_measure(workloads, device, threads, workers):
        calls.append((device, threads, workers))
        return [[("updates", 1.0, 5.0)] for _ in workloads]

    monkeypatch.setattr(table_command, "measure", fake_measure)
    done = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "2", "--estimate", "--workers", "2"))
    assert done.returncode == 0, done.stderr
    assert calls == [("cpu", 1, 2)]  # two workers on two cores: one thread each, timed two at once
    for row in ("nn_baseline", "m2", "ssaae"):
        assert f"| {row} " in done.stdout
    assert "total: " in done.stdout and "local, 2 worker(s)" in done.stdout
    assert not (tmp_path / "runs").exists() and not (tmp_path / "results").exists()


def test_the_fresh_process_times_a_real_model(tmp_path):
    r = recipe("nn_baseline", "smoke")
    w = Workload("nn_baseline", r.model, r.training, 784, 10, 1000)
    [[(stage, share, rate)]] = estimate.measure([w], "cpu", 1, warmup=1, timed=2, workers=2)
    assert (stage, share) == ("updates", 1.0) and rate > 0


def test_estimate_with_a_mode_that_trains_nothing_is_one_line(tmp_path):
    done = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--estimate", "--gather-only"))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


def test_slurm_estimates_take_the_profile_and_its_flags_as_a_job_would(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(table_command, "measure", lambda workloads, device, threads, workers: calls.append((threads, workers))
                        or [[("updates", 1.0, 5.0)] for _ in workloads])
    done = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "1", "--estimate", "--executor", "slurm",
                                                    "--slurm-profile", "example-gpu", "--timeout-min", "1"))
    assert done.returncode == 0, done.stderr
    assert calls == [(8, 1)]  # example-gpu's cpus_per_task; one job a run
    assert "at --timeout-min 1 submitit requeues it" in done.stdout  # the flag over the profile's 240
