"""Executors: turn a list of job specs into finished run directories.

    debug   in this process, exceptions propagate (for pdb)
    local   this machine; --workers N processes; a failed job is marked and the rest go on
    slurm   submitit, one job array per table (aae/slurm.py)

All three skip finished runs and resume interrupted ones from their checkpoint, because that
logic lives in the run directory (aae/train.py), not in the executor.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from aae.errors import DiskFull
from aae.runs import RunBusy, RunDir
from aae.spec import JobSpec
from aae.train import failure_reason, run_job

EXECUTORS = ("local", "debug", "slurm")


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


def _init_worker(threads: int) -> None:
    torch.set_num_threads(threads)


def run_specs(specs: list[JobSpec], runs_root: Path, executor: str = "local", workers: int = 1,
              data_dir=None, slurm_options: dict | None = None) -> list[Outcome]:
    pending = [s for s in specs if not RunDir(runs_root, s).is_complete()]
    for spec in pending:
        RunDir(runs_root, spec).warn_if_damaged()
    trained = sum(RunDir(runs_root, s).is_done() for s in pending)
    resumable = sum(RunDir(runs_root, s).checkpoint.exists() for s in pending) - trained
    print(f"{len(specs)} runs: {len(specs) - len(pending)} already finished, {len(pending)} to run"
          + (f" ({resumable} resume from a checkpoint)" if resumable else "")
          + (f" ({trained} trained, to evaluate)" if trained else ""), file=sys.stderr)
    if not pending:
        return []
    if executor == "slurm":
        from aae.slurm import run_on_slurm

        run_on_slurm(pending, runs_root, data_dir, slurm_options or {})
        return []

    outcomes = []
    overall = tqdm(total=len(pending), desc="runs", unit="run", position=0)

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        overall.update(1)
        tqdm.write(f"[{len(outcomes)}/{len(pending)}] {outcome.spec.describe()}: {outcome.state}: {outcome.summary}",
                   file=sys.stderr)

    try:
        _run_locally(pending, runs_root, data_dir, executor, workers, report)
    finally:
        overall.close()
    return outcomes


def _run_locally(pending, runs_root, data_dir, executor, workers, report) -> None:
    if executor == "debug" or workers == 1:
        for spec in pending:
            report(execute(spec, runs_root, data_dir, progress=True, reraise=executor == "debug"))
    else:
        # spawn, not fork: a forked torch process can deadlock in its thread pools
        threads = max(1, (os.cpu_count() or 1) // workers)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_worker, initargs=(threads,)) as pool:
            futures = [pool.submit(execute, s, runs_root, data_dir, False) for s in pending]
            try:
                for f in as_completed(futures):
                    report(f.result())
            except DiskFull:
                pool.shutdown(wait=True, cancel_futures=True)  # start no further job on a full disk
                raise
