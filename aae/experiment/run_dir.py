"""The run directory `runs/<hash>/`: what one job leaves on disk, each file written atomically.

    config.json       the job spec, whole
    checkpoint.pt     models, optimizers, epoch, every RNG state, metric history (each epoch);
                      plain tensors and containers only, loaded with weights_only=True
    metrics.jsonl     one line of training metrics per epoch
    record.json       final numbers + provenance, written at the end (and replaced, atomically,
                      when a later evaluation of the final model adds its metrics)
    status.json       {"state": "running" | "done" | "failed", "reason": ...}
    error.txt         the traceback of a failed run
    eval_errors.json  evaluation name -> why it failed, for a finished run scored later
    lock              held (fcntl) by the process working on the run; names its pid and host

A file that cannot be read (truncated, garbage, planted) never crashes a command: the run is
reported with the file's path and treated as needing a re-run, which re-scores it from its
checkpoint when training had finished, or trains it.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
from pathlib import Path

from aae import io
from aae.errors import UserError
from aae.experiment.record_checks import history_problem, record_problem
from aae.experiment.spec import JobSpec

STATES = ("running", "done", "failed")


class RunBusy(Exception):
    """Another process holds the run's lock."""


class DamagedRunFile(UserError):
    """A run file that exists but cannot be used; the message names it."""


def damaged(path: Path, why: str) -> DamagedRunFile:
    return DamagedRunFile(f"damaged run file {path}: {why}")


class RunDir:
    def __init__(self, runs_root: Path, spec: JobSpec):
        self.spec = spec
        self.path = Path(runs_root) / spec.run_id
        self.config = self.path / "config.json"
        self.checkpoint = self.path / "checkpoint.pt"
        self.metrics = self.path / "metrics.jsonl"
        self.record = self.path / "record.json"
        self.status_file = self.path / "status.json"
        self.error = self.path / "error.txt"
        self.eval_errors_file = self.path / "eval_errors.json"
        self.lock_file = self.path / "lock"

    # -- reading: every file checked, a damaged one named ------------------------------------

    def status(self) -> dict:
        """{"state": None} for a run never started; {"state": "damaged", "reason": ...} for a
        status.json, or the record of a "done" run, that cannot be read, or a run folder that is not one."""
        problem = self.folder_problem()
        if problem:
            return {"state": "damaged", "reason": problem}
        try:
            status = _read_json(self.status_file)
        except FileNotFoundError:
            return {"state": None}
        except DamagedRunFile as e:
            return {"state": "damaged", "reason": str(e)}
        if not isinstance(status, dict) or status.get("state") not in STATES:
            return {"state": "damaged", "reason": str(damaged(self.status_file, f"no state in {status!r:.60}"))}
        if status["state"] == "done":
            problem = self.record_problem()
            if problem:
                return {"state": "damaged", "reason": problem}
        return status

    def folder_problem(self) -> str | None:
        """Why runs/<hash> cannot be this run's folder: a symbolic link (it could lead anywhere, and
        the harness deletes temp files inside its run folders) or a file. None when it can."""
        if self.path.is_symlink():
            return f"run folder {self.path} is a symbolic link: refused; move it away to run {self.spec.run_id} here"
        if self.path.exists() and not self.path.is_dir():
            return f"run folder {self.path} is not a folder; move it away to run {self.spec.run_id} here"
        return None

    @property
    def state(self) -> str | None:
        return self.status()["state"]

    def record_problem(self) -> str | None:
        """Why the record (or the metric log behind it) of a finished run cannot be trusted; None if it can."""
        try:
            record = self.read_record()
        except DamagedRunFile as e:
            return str(e)
        except FileNotFoundError:
            return f"missing run file {self.record} of a finished run"
        try:
            epochs = [row["epoch"] for row in self.history()]
        except FileNotFoundError:
            return f"missing run file {self.metrics} of a finished run"
        except DamagedRunFile as e:
            return str(e)
        if epochs != list(range(1, record["epochs"] + 1)):
            return str(damaged(self.metrics, f"{len(epochs)} epoch lines for a run of {record['epochs']} epochs"))
        return None

    def history(self) -> list[dict]:
        """The metric log, one dict per epoch (losses, and the learning curve's scores)."""
        try:
            rows = [json.loads(line) for line in self.metrics.read_text().splitlines()]
            if not all(isinstance(r, dict) and type(r["epoch"]) is int for r in rows):
                raise TypeError("not one object with an epoch per line")
        except UnicodeDecodeError:
            raise damaged(self.metrics, "not text") from None
        except (ValueError, KeyError, TypeError) as e:
            raise damaged(self.metrics, f"{type(e).__name__}") from None
        problem = history_problem(rows)
        if problem:
            raise damaged(self.metrics, problem)
        return rows

    def is_done(self) -> bool:
        """Trained, with a readable record (which may still lack an evaluation the spec asks for)."""
        return self.state == "done"

    def read_record(self) -> dict:
        """The record, once it has passed every check (aae/experiment/record_checks.py): written for this very run."""
        record = _read_json(self.record)
        problem = record_problem(record, self.path.name)
        if problem:
            raise damaged(self.record, problem)
        return record

    def missing_weights(self) -> str:
        """Why a finished run has no weights to load ("" if it has them): it was restored from the
        records without its checkpoint, so what needs them (a figure, a new evaluation) cannot use
        it. Said once here for every reader (train.py's loader, Figure 11)."""
        restored_from = self.read_record().get("restored_from", "")
        if not restored_from or self.checkpoint.exists():
            return ""
        return (f"{self.spec.describe()} was restored from {restored_from} without its weights; delete "
                f"{self.path} and run the command without --reuse-records to train it again")

    def evaluated(self) -> list[str]:
        return evaluated_in(self.read_record())

    def missing_evaluations(self) -> list[str]:
        done = self.evaluated()
        return [e for e in self.spec.evals if e not in done]

    def is_complete(self) -> bool:
        """Trained and scored under every evaluation the spec names: nothing left to run."""
        return self.is_done() and not self.missing_evaluations()

    def eval_errors(self) -> dict[str, str]:
        try:
            errors = _read_json(self.eval_errors_file)
        except (FileNotFoundError, DamagedRunFile):
            return {}
        return errors if isinstance(errors, dict) else {}

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def claim(self):
        """Hold the run's lock while working on it: a second command on the same runs directory
        (or a second SLURM job) skips the run instead of training it twice. The lock is the
        kernel's (fcntl), so it is released when its owner dies, however it dies."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a+") as f:
            owner = _owner_if_locked(f)
            if owner:
                raise RunBusy(f"held by {owner}")
            f.seek(0)
            f.truncate()
            f.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
            f.flush()
            try:
                self._remove_stale_temp_files()
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def held_by(self) -> str | None:
        """Who holds the run's lock now (None if nobody): a SLURM job that ended while another
        process trains its run has not failed."""
        try:
            f = open(self.lock_file)
        except FileNotFoundError:
            return None
        with f:
            owner = _owner_if_locked(f)
            if owner is None:
                fcntl.flock(f, fcntl.LOCK_UN)
            return owner

    def _remove_stale_temp_files(self) -> None:
        """Temp files of a writer killed mid-write (up to a whole checkpoint); safe under the lock."""
        for tmp in self.path.glob(".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def start(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        io.write_json(self.config, self.spec.to_dict())
        io.write_json(self.status_file, {"state": "running"})

    def finish(self, record: dict) -> None:
        # record first, status last: "done" is only ever seen with a complete record beside it
        io.write_json(self.record, record)
        io.write_json(self.status_file, {"state": "done"})
        if self.eval_errors_file.exists():
            errors = {k: v for k, v in self.eval_errors().items() if k not in record.get("evaluated", ())}
            io.write_json(self.eval_errors_file, errors)

    def fail(self, reason: str, traceback_text: str) -> None:
        io.write_text(self.error, traceback_text)
        io.write_json(self.status_file, {"state": "failed", "reason": reason})

    def fail_evaluations(self, names: list[str], reason: str) -> None:
        """A finished run's later evaluation failed: its training stays done, the cause is kept."""
        io.write_json(self.eval_errors_file, {**self.eval_errors(), **{n: reason for n in names}})

    def warn_if_damaged(self) -> None:
        status = self.status()
        if status["state"] == "damaged":
            print(f"{status['reason']}; {self.spec.describe()} will be re-run", file=sys.stderr)


def _owner_if_locked(f) -> str | None:
    """Take the lock of an open lock file without waiting: None once it is ours, else who holds it."""
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        return f.read().strip() or "another process"
    return None


def evaluated_in(record: dict) -> list[str]:
    """The evaluations a run's record holds (records made before "evaluated" existed: the spec's)."""
    return record["evaluated"] if "evaluated" in record else record["spec"]["evals"]


def histories(specs, runs_root: Path, key: str) -> dict:
    """spec -> its metric log, for the finished runs among specs whose log has `key` (a learning
    curve's score) at every epoch."""
    found = {}
    for spec in specs:
        run = RunDir(runs_root, spec)
        if run.is_done():
            rows = run.history()
            if rows and all(key in r for r in rows):
                found[spec] = rows
    return found


def _read_json(path: Path):
    """JSON from a run file; FileNotFoundError if absent, DamagedRunFile if it cannot be parsed."""
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise damaged(path, "not text") from None
    except FileNotFoundError:
        raise
    except OSError as e:  # a folder where the file should be, a link loop, no permission
        raise damaged(path, f"cannot be read ({type(e).__name__}: {e.strerror})") from None
    try:
        return json.loads(text)
    except ValueError as e:
        raise damaged(path, f"not JSON ({e.msg})") from None
