"""aae.experiment.slurm.wait against fake submitit jobs: what it concludes from a job's state and its run's
files, without a cluster (the live-cluster tests are in test_slurm.py)."""
import pytest

from aae.experiment import slurm as aae_slurm
from aae.experiment.run_dir import RunDir
from benchmarks.specs import grid
from benchmarks.table2 import SYNTHETIC_COLUMNS


class FakeWatcher:
    def __init__(self, job):
        self.job = job

    def clear(self):
        self.job.cache_fresh = True


class FakeJob:
    """A job that submitit's cache shows ended (`stale_polls` polls long) while SLURM has really
    requeued it; the run finishes on the poll after `finish_at`, unless that is None."""

    job_id = "7_0"
    state = "RUNNING"

    def __init__(self, run, really_ended, finish_at=None):
        self.run, self.really_ended, self.finish_at = run, really_ended, finish_at
        self.cache_fresh, self.polls = False, 0
        self.watcher = FakeWatcher(self)

    def done(self, force_check=False):
        self.polls += 1
        if self.finish_at is not None and self.polls >= self.finish_at:
            epochs = self.run.spec.training.epochs  # a record that passes the read-back checks
            self.run.metrics.write_text("".join(f'{{"epoch": {e}}}\n' for e in range(1, epochs + 1)))
            self.run.finish({"spec": self.run.spec.to_dict(), "metrics": {"test_error": 1.0}, "epochs": epochs,
                             "train_wall_time_s": 0.0, "eval_wall_time_s": 0.0,
                             "evaluated": list(self.run.spec.evals)})
        return True if not self.cache_fresh else self.really_ended  # a stale cache says "ended"

    def exception(self):
        return RuntimeError("cancelled")


@pytest.fixture
def run(tmp_path):
    [spec] = grid("table2", models=["nn_baseline"], columns=SYNTHETIC_COLUMNS[:1], seeds=1, budget="smoke",
                  overrides=[], evals=("classification",))
    run = RunDir(tmp_path, spec)
    run.start()
    return run


def test_a_job_that_only_looked_ended_is_asked_again_and_not_marked_failed(run, monkeypatch):
    monkeypatch.setattr(aae_slurm, "ENDED_RECHECK_S", 0.0)
    job = FakeJob(run, really_ended=False, finish_at=4)
    counts = aae_slurm.wait([run.spec], [job], run.path.parent, poll_s=0.0)
    assert counts == {"queued": 0, "running": 0, "done": 1, "failed": 0}
    assert job.cache_fresh and run.is_done()


def test_a_job_that_ended_without_a_record_is_marked_failed_with_its_error(run, monkeypatch):
    monkeypatch.setattr(aae_slurm, "ENDED_RECHECK_S", 0.0)
    counts = aae_slurm.wait([run.spec], [FakeJob(run, really_ended=True)], run.path.parent, poll_s=0.0)
    assert counts == {"queued": 0, "running": 0, "done": 0, "failed": 1}
    assert run.status() == {"state": "failed", "reason": "slurm job 7_0: cancelled"}
