"""Executors by name: each turns a list of pending job specs into finished run directories.

    debug   in this process, exceptions propagate (for pdb)
    local   this machine; --workers N processes; a failed job is marked and the rest go on
    slurm   submitit, one job array per table (aae/experiment/slurm.py)

All of them skip finished runs and resume interrupted ones from their checkpoint, because that
logic lives in the run directory (aae/experiment/train.py), not in the executor; the job body they share is
aae/experiment/job.py.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

import torch
from tqdm import tqdm

from aae.errors import DiskFull
from aae.experiment.job import Outcome, execute
from aae.experiment.run_dir import RunDir
from aae.experiment.slurm import run_on_slurm
from aae.experiment.spec import JobSpec
from aae.registry import Registry

Report = Callable[[Outcome], None]


def _init_worker(threads: int) -> None:
    torch.set_num_threads(threads)
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: the kernel sends this worker SIGTERM when the process that started it dies, however
    it dies (a SIGKILLed command leaves no worker training on). Elsewhere nothing happens."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel every queued run and stop the running ones now (each keeps its last epoch's
    checkpoint, so the same command resumes it): a signal never lets the queue drain."""
    workers = list((pool._processes or {}).values())  # the pool names its processes only here
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(timeout=10)


def _debug(pending: list[JobSpec], runs_root: Path, data_dir, workers: int, report: Report, slurm_options) -> None:
    for spec in pending:
        report(execute(spec, runs_root, data_dir, progress=True, reraise=True))


def _local(pending: list[JobSpec], runs_root: Path, data_dir, workers: int, report: Report, slurm_options) -> None:
    if workers == 1:
        for spec in pending:
            report(execute(spec, runs_root, data_dir, progress=True))
        return
    # spawn, not fork: a forked torch process can deadlock in its thread pools
    threads = max(1, (os.cpu_count() or 1) // workers)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(threads,))
    try:
        futures = [pool.submit(execute, s, runs_root, data_dir, False) for s in pending]
        for f in as_completed(futures):
            report(f.result())
    except DiskFull:
        pool.shutdown(wait=True, cancel_futures=True)  # start no further job on a full disk
        raise
    except BaseException:  # Ctrl-C, SIGTERM (guarded turns it into KeyboardInterrupt), anything else
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _slurm(pending: list[JobSpec], runs_root: Path, data_dir, workers: int, report: Report, slurm_options) -> None:
    run_on_slurm(pending, runs_root, data_dir, slurm_options or {})  # its outcomes are the runs' own files


EXECUTORS = Registry("executor", {"local": _local, "debug": _debug, "slurm": _slurm})


def check_executor(name: str) -> None:
    EXECUTORS.lookup(name)


def run_specs(specs: list[JobSpec], runs_root: Path, executor: str = "local", workers: int = 1,
              data_dir=None, slurm_options: dict | None = None) -> list[Outcome]:
    """Run every spec not finished yet with the named executor; returns the outcomes it saw."""
    check_executor(executor)
    pending = [s for s in specs if not RunDir(runs_root, s).is_complete()]
    trained = sum(RunDir(runs_root, s).is_done() for s in pending)
    resumable = sum(RunDir(runs_root, s).checkpoint.exists() for s in pending) - trained
    print(f"{len(specs)} runs: {len(specs) - len(pending)} already finished, {len(pending)} to run"
          + (f" ({resumable} resume from a checkpoint)" if resumable else "")
          + (f" ({trained} trained, to evaluate)" if trained else ""), file=sys.stderr)
    if not pending:
        return []
    outcomes: list[Outcome] = []
    overall = tqdm(total=len(pending), desc="runs", unit="run", position=0, disable=executor == "slurm")

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        overall.update(1)
        tqdm.write(f"[{len(outcomes)}/{len(pending)}] {outcome.spec.describe()}: {outcome.state}: {outcome.summary}",
                   file=sys.stderr)

    try:
        EXECUTORS[executor](pending, Path(runs_root), data_dir, workers, report, slurm_options)
    finally:
        overall.close()
    return outcomes
