"""The slurm executor against a live single-node SLURM cluster (slurm/start-cluster.sh).

Marked `slurm`. As root (CI) the fixture starts the cluster and a cluster that cannot start is a
failure; elsewhere, without root or a cluster, these tests are skipped with the reason.
"""
import json
import os
import re
import subprocess
import time

import pytest
import torch
from submitit.slurm.slurm import SlurmJobEnvironment

from aae.experiment import slurm as aae_slurm
from aae.experiment.executors import run_specs
from aae.experiment.run_dir import RunDir
from aae.reporting.tables import load_rows
from benchmarks.specs import grid
from benchmarks.table2 import SYNTHETIC_COLUMNS
from tests.conftest import REPO, run_cli, smoke_args

pytestmark = pytest.mark.slurm
SLURM_DIR = os.environ.get("AAE_SLURM_DIR", "/tmp/aae-slurm")


@pytest.fixture(scope="module", autouse=True)
def cluster():
    if os.geteuid() != 0 and "SLURM_CONF" not in os.environ:
        pytest.skip("starting the test cluster needs root (see slurm/start-cluster.sh)")
    started = time.perf_counter()
    done = subprocess.run(["bash", str(REPO / "slurm" / "start-cluster.sh")], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"the SLURM test cluster did not start:\n{done.stdout}{done.stderr}")
    os.environ["SLURM_CONF"] = f"{SLURM_DIR}/slurm.conf"
    print(f"cluster ready in {time.perf_counter() - started:.1f} s")


def specs(seeds=1, overrides=(), columns=SYNTHETIC_COLUMNS):
    return grid("table2", models=["nn_baseline"], columns=list(columns), seeds=seeds, budget="smoke",
                overrides=list(overrides), evals=("classification",))


def weights(run_dir):
    return torch.load(run_dir / "checkpoint.pt", weights_only=True)["model"]["nets"]


def test_table_through_a_job_array_matches_the_local_executor(tmp_path):
    # one torch thread on both sides (--workers 2 on two cores, --cpus-per-task 1): float sums
    # are bit-identical only between equal thread counts
    local = run_cli("benchmarks.table2", *smoke_args(tmp_path / "local", "--seeds", "1", "--models", "nn_baseline",
                                                     "--workers", "2"))
    assert local.returncode == 0, local.stderr
    remote = run_cli("benchmarks.table2", *smoke_args(tmp_path / "slurm", "--seeds", "1", "--models", "nn_baseline", "--executor", "slurm",
                                                      "--cpus-per-task", "1", "--timeout-min", "10"))
    assert remote.returncode == 0, remote.stderr
    assert "submitted 2 jobs as array" in remote.stderr and "slurm: queued 0 / running 0 / done 2 / failed 0" in remote.stderr
    assert list((tmp_path / "slurm" / "runs" / "slurm-logs").iterdir()), "no submitit logs"
    for run in (tmp_path / "local" / "runs").iterdir():
        if run.name == "slurm-logs":
            continue
        twin = tmp_path / "slurm" / "runs" / run.name
        assert json.loads((run / "record.json").read_text())["metrics"] == \
            json.loads((twin / "record.json").read_text())["metrics"]
        assert (run / "metrics.jsonl").read_text() == (twin / "metrics.jsonl").read_text()


def test_a_failing_job_is_shown_failed_and_the_others_finish(tmp_path):
    good = specs(seeds=2, columns=SYNTHETIC_COLUMNS[:1])
    bad = specs(seeds=1, overrides=["lr=1e30"], columns=SYNTHETIC_COLUMNS[:1])  # diverges in its first epoch
    run_specs(good + bad, tmp_path, executor="slurm", slurm_options={"cpus_per_task": 1, "timeout_min": 10})
    rows = load_rows(good + bad, tmp_path, SYNTHETIC_COLUMNS[:1], "test_error")
    assert [r["state"] for r in rows] == ["done", "done", "failed"]
    assert rows[2]["reason"] == "FloatingPointError: non-finite loss in epoch 1"  # the last line of the remote error


def long_spec(epochs):
    """A tiny network trained for many short epochs: long enough to cancel or preempt mid-run."""
    return specs(overrides=[f"epochs={epochs}", "hidden=[16]"], columns=SYNTHETIC_COLUMNS[:1])


def wait_until(condition, timeout_s, what):
    deadline = time.time() + timeout_s
    while not condition():
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def checkpoint_epoch(run):
    try:
        return torch.load(run.checkpoint, weights_only=True)["epoch"]
    except (FileNotFoundError, EOFError, RuntimeError):
        return 0


# 33 s of a real cluster; in CI the same logic runs on fake jobs
# (test_slurm_wait.py: test_a_job_that_ended_without_a_record_is_marked_failed_with_its_error)
@pytest.mark.slow
def test_a_cancelled_job_is_shown_failed(tmp_path, monkeypatch):
    monkeypatch.setattr(aae_slurm, "ENDED_RECHECK_S", 2.0)  # the real 10 s only slows the test
    [spec] = long_spec(100_000)
    [job] = aae_slurm.submit([spec], tmp_path, None, {"cpus_per_task": 1, "timeout_min": 10})
    run = RunDir(tmp_path, spec)
    wait_until(lambda: checkpoint_epoch(run) > 0, 60, "the job to start training")
    job.cancel()
    counts = aae_slurm.wait([spec], [job], tmp_path, poll_s=1.0)
    assert counts == {"queued": 0, "running": 0, "done": 0, "failed": 1}
    status = run.status()
    assert status["state"] == "failed" and status["reason"].startswith(f"slurm job {job.job_id}:"), status


def job_logs(root):
    """Everything the jobs wrote to stderr (submitit's own log lines and ours); SLURM appends to
    the same file when a job is requeued."""
    return "".join(p.read_text() for p in (root / "slurm-logs").glob("*/*.err"))


def preempt(job, root):
    """SLURM's preemption as submitit's `job._interrupt()` emulates it (SIGTERM, then USR2, which
    checkpoints and requeues), but USR2 only once the job has logged the SIGTERM. `scancel
    --signal` returns before slurmd delivers the signal to every process of the step, so back to
    back the SIGTERM could land after USR2 and kill the `scontrol requeue` the USR2 handler had
    just started (CI, stop 26: "scontrol requeue died with SIGTERM")."""
    subprocess.run(["scancel", job.job_id, "--signal", "SIGTERM"], check=True)
    wait_until(lambda: "Bypassing signal SIGTERM" in job_logs(root), 60, "the job to receive SIGTERM")
    subprocess.run(["scancel", job.job_id, "--signal", SlurmJobEnvironment.USR_SIG], check=True)


def test_a_preempted_job_resumes_from_its_checkpoint_and_ends_identical(tmp_path):
    epochs = 400  # about 15 s of training: the signal comes after 5, the job resumes and finishes
    [spec] = long_spec(epochs)
    [job] = aae_slurm.submit([spec], tmp_path / "slurm", None, {"cpus_per_task": 1, "timeout_min": 10})
    run = RunDir(tmp_path / "slurm", spec)
    wait_until(lambda: checkpoint_epoch(run) >= 5, 60, "the job to train a few epochs")
    preempt(job, tmp_path / "slurm")
    # judged from the job's log, not job.state: submitit refreshes that from sacct less and less
    # often as a job ages, and the requeued job can finish before it ever shows "PENDING"
    counts = aae_slurm.wait([spec], [job], tmp_path / "slurm", poll_s=1.0)
    assert counts["done"] == 1, run.status()
    log = job_logs(tmp_path / "slurm")
    # the signal reached the job while it trained (submitit calls it "timed-out" whenever
    # timeout_min < 50, see test_a_job_past_its_time_limit...)
    assert "Caught signal SIGUSR2" in log, log
    resumed = re.search(rf"resuming after epoch (\d+) of {epochs}", log)
    assert resumed and int(resumed.group(1)) >= 5, log  # the requeued job picked up from its checkpoint

    reference = RunDir(tmp_path / "local", spec)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the job had (--cpus-per-task 1): bit-identical needs equal thread counts
    try:
        run_specs([spec], tmp_path / "local", executor="debug")
    finally:
        torch.set_num_threads(threads)
    assert json.loads(run.record.read_text())["metrics"] == json.loads(reference.record.read_text())["metrics"]
    assert run.metrics.read_text() == reference.metrics.read_text()
    a, b = weights(run.path), weights(reference.path)
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_a_job_past_its_time_limit_is_requeued_and_finishes(tmp_path):
    """timeout_min=2: submitit signals USR2 90 s before the limit, so each attempt trains for
    about 30 s and the run needs a few requeues (up to 10 allowed). Takes 2-5 minutes."""
    [spec] = long_spec(1_500)
    [job] = aae_slurm.submit([spec], tmp_path, None, {"cpus_per_task": 1, "timeout_min": 2, "max_num_timeout": 10})
    counts = aae_slurm.wait([spec], [job], tmp_path, poll_s=2.0)
    assert counts["done"] == 1, RunDir(tmp_path, spec).status()
    log = job_logs(tmp_path)
    assert "this job is timed-out" in log  # it did hit the limit and came back
