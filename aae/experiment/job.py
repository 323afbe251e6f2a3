"""The body of one job, shared by every executor: run it, and turn what happened into an Outcome.

Both aae/experiment/executors.py (local, debug) and aae/experiment/slurm.py (a SLURM job's entry point) import it, so
neither imports the other.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aae.errors import DiskFull
from aae.experiment.run_dir import RunBusy
from aae.experiment.spec import JobSpec
from aae.experiment.train import failure_reason, run_job


@dataclass
class Outcome:
    spec: JobSpec
    state: str  # "done" | "failed" | "busy" (another process holds the run)
    summary: str


def execute(spec: JobSpec, runs_root: Path, data_dir=None, progress: bool = True, reraise: bool = False) -> Outcome:
    """Run one job; a failure is written to its run directory (status + traceback) and returned.
    A full disk is not the job's failure: DiskFull propagates, so no further job is attempted."""
    try:
        record = run_job(spec, Path(runs_root), data_dir, progress)
    except RunBusy as e:
        return Outcome(spec, "busy", f"skipped: {e} (its numbers join the table once it finishes)")
    except DiskFull:
        raise
    except Exception as e:  # noqa: BLE001  (any failure of one job must not stop the others)
        if reraise:
            raise
        return Outcome(spec, "failed", failure_reason(e))  # run_job marked the run (or its evaluation) failed
    metrics = ", ".join(f"{k} {v:.4g}" for k, v in record["metrics"].items())
    return Outcome(spec, "done", f"{metrics} ({record['train_wall_time_s']:.0f} s)")
