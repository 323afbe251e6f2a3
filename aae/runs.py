"""The run directory `runs/<hash>/`: what one job leaves on disk, each file written atomically.

    config.json     the job spec, whole
    checkpoint.pt   models, optimizers, epoch, every RNG state, metric history (each epoch)
    metrics.jsonl   one line of training metrics per epoch
    record.json     final numbers + provenance, written at the end (and replaced, atomically,
                    when a later evaluation of the final model adds its metrics)
    status.json     {"state": "running" | "done" | "failed", "reason": ...}
    error.txt       the traceback of a failed run
"""
from __future__ import annotations

import json
from pathlib import Path

from aae import io
from aae.spec import JobSpec


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

    def status(self) -> dict:
        """{"state": None} for a run never started."""
        try:
            return json.loads(self.status_file.read_text())
        except FileNotFoundError:
            return {"state": None}

    @property
    def state(self) -> str | None:
        return self.status()["state"]

    def is_done(self) -> bool:
        """Trained, with a record (which may still lack an evaluation the spec asks for)."""
        return self.state == "done" and self.record.exists()

    def evaluated(self) -> list[str]:
        record = self.read_record()
        return record["evaluated"] if "evaluated" in record else record["spec"]["evals"]  # older records

    def missing_evaluations(self) -> list[str]:
        done = self.evaluated()
        return [e for e in self.spec.evals if e not in done]

    def is_complete(self) -> bool:
        """Trained and scored under every evaluation the spec names: nothing left to run."""
        return self.is_done() and not self.missing_evaluations()

    def start(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        io.write_json(self.config, self.spec.to_dict())
        io.write_json(self.status_file, {"state": "running"})

    def finish(self, record: dict) -> None:
        # record first, status last: "done" is only ever seen with a complete record beside it
        io.write_json(self.record, record)
        io.write_json(self.status_file, {"state": "done"})

    def fail(self, reason: str, traceback_text: str) -> None:
        io.write_text(self.error, traceback_text)
        io.write_json(self.status_file, {"state": "failed", "reason": reason})

    def read_record(self) -> dict:
        return json.loads(self.record.read_text())
