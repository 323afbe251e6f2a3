"""Committed records: every run behind a committed table, kept in the repository.

`runs/` is not in git (checkpoints are large), so without these files nobody else could check a
committed number. Each time a benchmark writes results/<table>.md it also writes
results/records/<table>.jsonl: a first line with what the table's header and its measured-apart
rows need, then one line per run with its status, its record (config, seed, metrics, versions,
wall times) and its metric log (every epoch's losses and learning-curve scores); no checkpoint.

`--from-records` rebuilds the table from that file alone: the same rows through the same
summary and renderer, so the result equals the committed table except for its date line
(tests/test_committed_records.py checks every committed table this way).

`--reuse-records` writes the finished runs of that file back into a runs directory that lacks
them (`restore`), without checkpoints, so on a fresh machine only the runs whose config changed
train: a table with one new recipe costs that row's runs, not the whole table's. A restored run
says so in its record ("restored_from"); what needs its weights (a figure, a new evaluation)
names it and how to train it again.
"""
from __future__ import annotations

import json
from pathlib import Path

from aae import io
from aae.errors import UserError
from aae.runs import RunDir, evaluated_in
from aae.spec import JobSpec


def records_path(results_dir: Path, table: str) -> Path:
    return results_dir / "records" / f"{table}.jsonl"


def export(path: Path, specs: list[JobSpec], runs_root: Path, meta: dict) -> None:
    """Write the records of `specs` (as found in runs_root) and the table's `meta` to `path`."""
    lines = [json.dumps({"meta": meta})]  # key order kept: it is the header's row order
    for spec in specs:
        run = RunDir(runs_root, spec)
        status = run.status()
        entry = {"run_id": spec.run_id, "run": spec.describe(), "status": status}
        if status["state"] == "done":
            entry |= {"record": run.read_record(), "history": run.history(), "eval_errors": run.eval_errors()}
        lines.append(json.dumps(entry, sort_keys=True))
    io.write_text(path, "\n".join(lines) + "\n")


class StoredRun:
    """A run as its committed record shows it: the reading side of RunDir that tables use."""

    def __init__(self, entry: dict | None):
        self.entry = entry or {"status": {"state": None}}

    def status(self) -> dict:
        return self.entry["status"]

    def read_record(self) -> dict:
        return self.entry["record"]

    def eval_errors(self) -> dict:
        return self.entry.get("eval_errors", {})

    def history(self) -> list[dict]:
        return self.entry.get("history", [])


class StoredRuns:
    """Opens runs from a records file instead of a runs directory (`load_rows(open_run=...)`)."""

    def __init__(self, path: Path):
        try:
            lines = [json.loads(line) for line in path.read_text().splitlines()]
            self.meta = lines[0]["meta"]
            self.entries = {e["run_id"]: e for e in lines[1:]}
        except FileNotFoundError:
            raise UserError(f"no committed records at {path}: run the table once to write them") from None
        except (ValueError, KeyError, IndexError, TypeError) as e:
            raise UserError(f"records file {path} is damaged ({type(e).__name__}); regenerate it by running the "
                            "table") from None

    def __call__(self, runs_root, spec: JobSpec) -> StoredRun:
        return StoredRun(self.entries.get(spec.run_id))


def restore(path: Path, specs: list[JobSpec], runs_root: Path) -> int:
    """Write back, as finished runs without a checkpoint, each spec's run that `path` holds done
    (same run id, every evaluation the spec asks for already in its record) and runs_root has
    never started. Returns how many were written; a run directory that exists is never touched."""
    entries = StoredRuns(path).entries
    restored = 0
    for spec in specs:
        entry, run = entries.get(spec.run_id), RunDir(runs_root, spec)
        if entry is None or entry["status"].get("state") != "done" or run.path.exists():
            continue
        record = entry["record"]
        if any(e not in evaluated_in(record) for e in spec.evals):
            continue  # scoring it would need the weights: it trains
        run.path.mkdir(parents=True)
        io.write_json(run.config, spec.to_dict())
        io.write_jsonl(run.metrics, entry["history"])
        if entry.get("eval_errors"):
            io.write_json(run.eval_errors_file, entry["eval_errors"])
        run.finish({**record, "restored_from": str(path)})  # record, then status "done"
        restored += 1
    return restored
