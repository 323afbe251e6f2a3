"""The slurm executor: one submitit job array per table (disentanglement_lib, DomainBed).

A job is `Checkpointable`: on preemption or time-out submitit requeues it, and the requeued job
resumes from the run's own checkpoint.pt, so even a plain `scontrol requeue` (which restarts
from scratch, without submitit's pickle) loses at most one epoch.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import submitit

from aae.errors import UserError, line_of
from aae.experiment.job import execute
from aae.experiment.run_dir import RunDir
from aae.experiment.spec import JobSpec
from aae.provenance import REPO

PROFILES = REPO / "slurm" / "profiles"
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # a profile's file stem, never a path
SINFO_TIMEOUT_S = 20
# command-line flag -> submitit parameter
FLAG_TO_PARAM = {
    "slurm_partition": "slurm_partition",
    "timeout_min": "timeout_min",
    "gpus_per_node": "gpus_per_node",
    "cpus_per_task": "cpus_per_task",
    "mem_gb": "mem_gb",
    "array_parallelism": "slurm_array_parallelism",
}


def _read_profile(path: Path) -> dict:
    try:
        profile = json.loads(path.read_text())
    except ValueError as e:
        raise UserError(f"slurm profile {path} is not valid JSON ({e})") from None
    except OSError as e:
        raise UserError(f"slurm profile {path} cannot be read ({e.strerror})") from None
    if not isinstance(profile, dict):
        raise UserError(f"slurm profile {path} must hold a JSON object of submitit parameters")
    unknown = sorted(k for k in profile if k not in _known_parameters())
    if unknown:
        raise UserError(f"slurm profile {path}: {', '.join(map(repr, unknown))} is not a submitit parameter; "
                        f"known: {', '.join(sorted(_known_parameters()))}")
    for key, kind in submitit.AutoExecutor._typed_parameters().items():
        value = profile.get(key)
        if value is not None and (isinstance(value, bool) != (kind is bool) or
                                  not isinstance(value, (int, float) if kind is float else kind)):
            raise UserError(f"slurm profile {path}: {key} must be {kind.__name__}, not {value!r}")
    return profile


def _known_parameters() -> set[str]:
    """What submitit's AutoExecutor takes on a SLURM cluster: its generic parameters and the SLURM
    executor's, prefixed "slurm_" (submitit checks only when the jobs are submitted, after the data
    loaded; these are its own lists)."""
    return set(submitit.AutoExecutor._typed_parameters()) | \
        {f"slurm_{k}" for k in submitit.SlurmExecutor._valid_parameters()}


def load_profile(name: str | None, file: Path | None = None) -> dict:
    """A profile by name from slurm/profiles/, or from a file the user names. A profile is code for
    the cluster (its slurm_setup lines run in every job), so a name is only ever a name: a path
    given as --slurm-profile is refused rather than read (the README's trust rule)."""
    if name and file:
        raise UserError("give --slurm-profile NAME or --slurm-profile-file PATH, not both")
    if file:
        return _read_profile(Path(file))
    if not name:
        return {}
    known = ", ".join(sorted(p.stem for p in PROFILES.glob("*.json")))
    if not PROFILE_NAME.fullmatch(name):
        raise UserError(f"--slurm-profile takes a name from {PROFILES} ({known}), not a path: a file of your own "
                        "goes with --slurm-profile-file PATH (it runs its slurm_setup lines: name only files you trust)")
    path = PROFILES / f"{name}.json"
    if not path.is_file():
        raise UserError(f"unknown slurm profile {name!r}; known: {known} (in {PROFILES})")
    return _read_profile(path)


def check_cluster(options: dict) -> None:
    """One line, before any data loads, when the jobs could not be submitted: no sbatch here, or
    a cluster that does not answer (sinfo fails or hangs)."""
    if (options.get("cluster") or "slurm") != "slurm":
        return
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        raise UserError("--executor slurm: sbatch is not on PATH (run on a SLURM login node, or see "
                        "slurm/start-cluster.sh for a local test cluster)")
    try:
        answer = subprocess.run(["sinfo", "--noheader", "--format=%P"], capture_output=True, text=True,
                                timeout=SINFO_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise UserError(f"--executor slurm: the cluster did not answer sinfo within {SINFO_TIMEOUT_S} s") from None
    if answer.returncode != 0:
        why = (answer.stderr.strip().splitlines() or [f"exit status {answer.returncode}"])[-1]
        raise UserError(f"--executor slurm: the cluster does not answer (sinfo: {why})")


class JobTask(submitit.helpers.Checkpointable):
    """What a SLURM job runs. checkpoint() (inherited) resubmits the same call, which resumes from
    the run directory; it does nothing else, since it runs inside a signal handler."""

    def __call__(self, spec_dict: dict, runs_root: str, data_dir: str | None) -> str:
        import torch

        # torch would start one thread per core of the node; a job owns only its allocation, and
        # more threads than cores make every parallel op wait on the others
        if os.environ.get("SLURM_CPUS_PER_TASK", "").isdigit():
            torch.set_num_threads(int(os.environ["SLURM_CPUS_PER_TASK"]))

        outcome = execute(JobSpec.from_dict(spec_dict), Path(runs_root), data_dir, progress=False)
        if outcome.state == "failed":
            raise RuntimeError(outcome.summary)  # so SLURM and submitit also see the failure
        return outcome.summary


def job_parameters(options: dict) -> dict:
    """submitit's parameters for a job: the profile's, each overridden by its command-line flag."""
    flags = {FLAG_TO_PARAM[k]: v for k, v in options.items() if k in FLAG_TO_PARAM and v is not None}
    return {**load_profile(options.get("profile"), options.get("profile_file")), **flags}


def submit(specs: list[JobSpec], runs_root: Path, data_dir, options: dict) -> list:
    """One job array for the specs; returns submitit's jobs, in the order of the specs."""
    cluster = options.get("cluster") or "slurm"
    check_cluster(options)
    params = job_parameters(options)
    executor = submitit.AutoExecutor(folder=Path(runs_root) / "slurm-logs" / "%j", cluster=cluster,
                                     slurm_max_num_timeout=options.get("max_num_timeout", 3))
    executor.update_parameters(name=options.get("name", "aae-bench"), **params)
    jobs = executor.map_array(JobTask(), [s.to_dict() for s in specs], [str(runs_root)] * len(specs),
                              [str(data_dir) if data_dir else None] * len(specs))
    print(f"submitted {len(jobs)} jobs as array {jobs[0].job_id.split('_')[0]}; logs in "
          f"{Path(runs_root) / 'slurm-logs'}", file=sys.stderr)
    return jobs


# A job that looks ended while its run has no record and no failure of its own is asked about
# again this long after, from a fresh sacct call: submitit caches a job it once saw finished for
# good, and a preempted job passes through states on its way back to the queue.
ENDED_RECHECK_S = 10.0


def _ended_for_sure(job, first_seen: float) -> bool:
    if time.monotonic() - first_seen < ENDED_RECHECK_S:
        return False
    job.watcher.clear()
    return job.done(force_check=True)


def wait(specs: list[JobSpec], jobs: list, runs_root: Path, poll_s: float = 2.0) -> dict[str, int]:
    """Wait for every job, printing queued / running / done / failed counts as they change.

    A run counts as done by its own record. A job that ended without one (cancelled, killed for
    memory, node lost) never reached our own failure handler, so it is marked failed here, with
    the last line of what submitit knows of its error."""
    last, ended_since = None, {}
    while True:
        counts = {"queued": 0, "running": 0, "done": 0, "failed": 0}
        for spec, job in zip(specs, jobs):
            run = RunDir(runs_root, spec)
            ended = job.done()
            if not ended:
                ended_since.pop(job.job_id, None)
            if run.is_complete():
                counts["done"] += 1
            elif ended and run.held_by():  # the job skipped a run another process is training
                counts["running"] += 1
            elif ended and run.state == "failed":  # the job's own handler said why
                counts["failed"] += 1
            elif ended and _ended_for_sure(job, ended_since.setdefault(job.job_id, time.monotonic())):
                counts["failed"] += 1
                if not run.is_done():
                    error = job.exception()
                    reason = line_of(error, default="unknown") if error else "ended without a record"
                    run.fail(f"slurm job {job.job_id}: {reason}", str(error))
            elif run.state == "running" and job.state not in ("PENDING", "REQUEUED"):
                counts["running"] += 1
            else:
                counts["queued"] += 1
        line = " / ".join(f"{k} {v}" for k, v in counts.items())
        if line != last:
            print(f"slurm: {line}", file=sys.stderr, flush=True)
            last = line
        if counts["done"] + counts["failed"] == len(specs):
            return counts
        time.sleep(poll_s)


def run_on_slurm(specs: list[JobSpec], runs_root: Path, data_dir, options: dict) -> None:
    jobs = submit(specs, runs_root, data_dir, options)
    if options.get("wait", True):
        wait(specs, jobs, runs_root)
    else:
        print("not waiting (--no-wait): build the table later with --gather-only", file=sys.stderr)
