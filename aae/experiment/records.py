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
import sys
from pathlib import Path

from aae import io
from aae.errors import UserError
from aae.experiment.record_checks import history_problem, record_problem
from aae.experiment.run_dir import RunDir, evaluated_in
from aae.experiment.spec import JobSpec


def records_path(results_dir: Path, table: str) -> Path:
    return results_dir / "records" / f"{table}.jsonl"


def records_text(specs: list[JobSpec], runs_root: Path, meta: dict) -> str:
    """The records file of `specs` (as found in runs_root) with the table's `meta` first."""
    lines = [json.dumps({"meta": meta})]  # key order kept: it is the header's row order
    lines += [json.dumps(_entry(RunDir(runs_root, spec)), sort_keys=True) for spec in specs]
    return "\n".join(lines) + "\n"


def export(path: Path, specs: list[JobSpec], runs_root: Path, meta: dict) -> None:
    """Write the records of `specs` and the table's `meta` to `path`."""
    io.write_text(path, records_text(specs, runs_root, meta))


def finished_runs(path: Path) -> int:
    """How many finished runs a records file holds (0 if it cannot be read): what a page made from
    it shows, which a command must not shrink without --force."""
    try:
        return sum(e.get("status", {}).get("state") == "done" for e in StoredRuns(path, quiet=True).entries.values())
    except UserError:
        return 0


def _entry(run: RunDir) -> dict:
    """One run as a records line: its status, and its record, metric log and evaluation errors when done."""
    status = run.status()
    entry = {"run_id": run.spec.run_id, "run": run.spec.describe(), "status": status}
    if status["state"] == "done":
        entry |= {"record": run.read_record(), "history": run.history(), "eval_errors": run.eval_errors()}
    return entry


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

    def __init__(self, path: Path, quiet: bool = False):
        try:
            lines = [json.loads(line) for line in path.read_text().splitlines()]
            self.meta = lines[0]["meta"]
            self.entries = {e["run_id"]: e for e in lines[1:]}
        except FileNotFoundError:
            raise UserError(f"no committed records at {path}: run the table once to write them") from None
        except (ValueError, KeyError, IndexError, TypeError) as e:
            raise UserError(f"records file {path} is damaged ({type(e).__name__}); regenerate it by running the "
                            "table") from None
        for line, entry in enumerate(lines[1:], start=2):
            problem = _entry_problem(entry)
            if problem:  # set aside: a cell shows it as failed, --reuse-records never restores it
                reason = f"{path} line {line}: {problem}"
                if not quiet:
                    print(f"{reason}; that run is set aside", file=sys.stderr)
                self.entries[entry["run_id"]] = {"run_id": entry["run_id"], "status": {"state": "damaged", "reason": reason}}

    def __call__(self, runs_root, spec: JobSpec) -> StoredRun:
        return StoredRun(self.entries.get(spec.run_id))


def _entry_problem(entry: dict) -> str | None:
    """Why a records line's finished run cannot count (aae/experiment/record_checks.py), or None."""
    if not isinstance(entry.get("status"), dict):
        return "no status"
    if entry["status"].get("state") != "done":
        return None
    return record_problem(entry.get("record"), entry["run_id"]) or history_problem(entry.get("history") or [])


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


def frame(source: str | Path = "table2", results_dir: Path = Path("results")):
    """A table's runs as a pandas DataFrame, one row per run, for a notebook's own comparisons.

    `source`: a table's name ("table2": its committed records, results/records/table2.jsonl), a
    records file, or a runs directory (every run folder in it, finished or not).

    Columns: run_id, run (readable), state (done, running, failed, damaged, or None for a run the
    records list but that never started) and reason; the spec's fields (benchmark, model, variant,
    dataset, setting, trial, seed, budget); `config.<field>` for every config field;
    `metrics.<key>` for every metric; `provenance.<key>` (git_sha, torch, device, ...);
    epochs, train_wall_time_s, eval_wall_time_s, data_fingerprint, and `final.<key>` for the last
    epoch's line of the metric log (losses, learning-curve scores).

        from aae.experiment.records import frame
        runs = frame("table2")
        print(runs.pivot_table("metrics.test_error", ["model", "setting"], "trial"))
    """
    import pandas as pd

    return pd.DataFrame([_flat(entry) for entry in _entries(Path(source), results_dir)])


def _entries(source: Path, results_dir: Path) -> list[dict]:
    if source.is_dir():
        return [_run_folder_entry(folder) for folder in sorted(source.iterdir())
                if folder.is_dir() and (folder / "config.json").exists()]
    if source.suffix != ".jsonl" and not source.exists():
        source = records_path(results_dir, str(source))
    return list(StoredRuns(source).entries.values())


def _run_folder_entry(folder: Path) -> dict:
    """A run folder's entry, or a "damaged" one naming the file that cannot be read."""
    try:
        spec = JobSpec.from_dict(json.loads((folder / "config.json").read_text()))
    except Exception as e:  # noqa: BLE001  (json, the registry and the dataclass each raise their own)
        return {"run_id": folder.name, "status": {"state": "damaged", "reason": f"{folder / 'config.json'}: "
                                                                               f"{type(e).__name__}"}}
    if spec.run_id != folder.name:  # another run's config: its numbers are not this folder's
        return {"run_id": folder.name, "status": {"state": "damaged", "reason": f"{folder / 'config.json'} "
                                                                               f"is run {spec.run_id}'s"}}
    return _entry(RunDir(folder.parent, spec))


def _flat(entry: dict) -> dict:
    status = entry.get("status", {})
    row = {"run_id": entry["run_id"], "run": entry.get("run"), "state": status.get("state"),
           "reason": status.get("reason")}
    record = entry.get("record")
    if record is None:
        return row
    spec = record["spec"]
    row |= {k: v for k, v in spec.items() if k not in ("config", "training", "evals", "curve")}
    # the model's and the training's settings (one flat dict in records written before they were apart)
    row |= {f"config.{k}": _cell(v) for k, v in {**spec["config"], **spec.get("training", {})}.items()}
    row |= {f"metrics.{k}": v for k, v in record["metrics"].items()}
    row |= {f"provenance.{k}": v for k, v in record.get("provenance", {}).items()}
    row |= {"epochs": record["epochs"], "train_wall_time_s": record["train_wall_time_s"],
            "eval_wall_time_s": record["eval_wall_time_s"], "data_fingerprint": record.get("data", {}).get("fingerprint")}
    history = entry.get("history") or [{}]
    row |= {f"final.{k}": v for k, v in history[-1].items() if k != "epoch"}
    return row


def _cell(value):
    """A config value as one cell: lists (hidden sizes) become tuples, which pandas can group by."""
    return tuple(value) if isinstance(value, list) else value
