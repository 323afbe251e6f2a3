"""What a run's record read back from disk (record.json, or a line of a committed records file)
must be before any of its numbers counts: written by this harness for this very run.

A record fails when a required key is missing; its spec cannot be read, or hashes to another run
id than the folder (or records line) it sits in; a metric is not a finite real number, or is not
one the record's evaluations declare; its epochs are not the spec's; a wall time is not a finite
number >= 0. The caller sets the run aside with the returned reason (one line naming the file)
and the table goes on: a damaged or foreign record is never a cell.
"""
from __future__ import annotations

import math
from typing import Any

REQUIRED = ("spec", "metrics", "epochs", "train_wall_time_s", "eval_wall_time_s")


def is_number(value: Any) -> bool:
    """A finite real number as JSON gives it (not a bool, a string or an integer beyond float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # 10**400 parses as an int
        return False


def record_problem(record: Any, run_id: str) -> str | None:
    """Why `record` cannot count as run `run_id`'s, or None when it can."""
    from aae.eval import metric_keys
    from aae.experiment.run_dir import evaluated_in
    from aae.experiment.spec import JobSpec

    if not isinstance(record, dict):
        return "not a JSON object"
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        return f"missing {', '.join(missing)}"
    try:
        spec = JobSpec.from_dict(record["spec"])
        found = spec.run_id
    except Exception as e:  # noqa: BLE001  (a foreign spec fails in the registry, the config or the dataclass)
        return f"its spec cannot be read ({type(e).__name__})"
    if found != run_id:
        return f"its spec is run {found}'s, not {run_id}'s"
    try:
        declared = {key for name in evaluated_in(record) for key in metric_keys(name)}
    except Exception as e:  # noqa: BLE001
        return f"it names an evaluation this harness does not know ({type(e).__name__})"
    metrics = record["metrics"]
    if not isinstance(metrics, dict):
        return "its metrics are not an object"
    for key, value in metrics.items():
        if key not in declared:
            return f"metric {key!r} is not one its evaluations declare"
        if not is_number(value):
            return f"metric {key} = {str(value)[:30]!r} is not a finite number"
    epochs = record["epochs"]
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs != spec.training.epochs:
        return f"epochs = {str(epochs)[:30]!r}, its spec trains {spec.training.epochs}"
    for key in ("train_wall_time_s", "eval_wall_time_s"):
        if not is_number(record[key]) or record[key] < 0:
            return f"{key} = {str(record[key])[:30]!r} is not a time"
    return None


def history_problem(rows: list[dict]) -> str | None:
    """Why a metric log cannot be read as one: every value of every line a finite number."""
    if not isinstance(rows, list):
        return "not a list of lines"
    for row in rows:
        if not isinstance(row, dict):
            return "a line is not an object"
        for key, value in row.items():
            if key != "epoch" and not is_number(value):
                return f"epoch {row.get('epoch')}: {key} = {str(value)[:30]!r} is not a finite number"
    return None
