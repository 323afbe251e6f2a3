"""Records -> pandas -> markdown (pythae's and DomainBed's collect_results).

Three stages, each testable alone: `load_rows` reads the run directories of a list of specs,
`summarize` is a pure function of those rows, `render` turns a summary into markdown with
tabulate. Failed runs are counted and shown, never averaged in.
"""
from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
from tabulate import tabulate

from aae.experiment.run_dir import RunDir
from aae.experiment.spec import JobSpec

KEYS = ["model", "column"]


@dataclass(frozen=True)
class Detail:
    """A number shown beside a cell, e.g. the Parzen sigma each run chose."""

    label: str
    metric: str
    values: bool = False  # True: list the distinct values over seeds; False: their mean
    final: bool = False  # read from the run's last metric-log line (a curve's value), not its record


# how well an AAE's codes matched their priors at the end of training (aae/eval/matching.py), shown
# beside the AAE rows' cells; other rows, and runs made before the curve existed, have none
USAGE_ENTROPY = Detail("usage H", "match_y_entropy", final=True)
CODE_ENERGY = Detail("code energy", "match_z_energy", final=True)
STYLE_WIDTH = Detail("style std/prior", "match_z_std_ratio", final=True)


@dataclass(frozen=True)
class Column:
    dataset: str
    setting: str
    title: str  # the paper's column heading, e.g. "MNIST (100)"
    metric: str = ""  # key in record["metrics"]; "" = the layout's metric
    details: tuple[Detail, ...] = ()
    # the evaluation that returns `metric` (aae.eval.metric_keys), where the column chooses it
    # (Table 1's Parzen and FID columns); "" where every run of the table has the same evaluations
    evaluation: str = ""

    def reads(self, spec: JobSpec) -> bool:
        """A run feeds this column (one run may feed several: Table 1's 10K and 10M samples)."""
        return (spec.dataset, spec.setting) == (self.dataset, self.setting)


@dataclass(frozen=True)
class TableLayout:
    """What a benchmark's table looks like: its columns, the paper's numbers, how models map to rows."""

    name: str
    title: str
    metric: str  # key in record["metrics"]
    columns: tuple[Column, ...]
    paper: dict[str, dict[str, str]]  # paper row -> column title -> the paper's value as printed
    measured: dict[str, str]  # registry model name (or "model:variant") -> its paper row
    notes: tuple[str, ...] = field(default_factory=tuple)
    # rows measured by the benchmark itself, not by runs of a registered model (Table 1's sanity
    # rows): name -> row title; a cell they leave empty shows as "n/a"
    extra: dict[str, str] = field(default_factory=dict)
    # (row, column) -> whether the cell can exist; one that cannot shows "n/a" and is not evaluated
    # (Table 1's sanity rows at more centres than there are training images)
    applies: Callable[[str, Column], bool] | None = None

    def measures(self, model: str, col: Column) -> bool:
        """A measured model runs where its paper row has a number; every model runs a column the
        paper lacks (a stand-in dataset, or Table 1 with a sample count of the user's), and a row
        the paper lacks runs every column (Table 3's 10 clusters)."""
        if model in self.extra or col.dataset == "synthetic" or not any(col.title in r for r in self.paper.values()):
            return True
        if self.measured[model] not in self.paper:
            return True
        return paper_mean(self.paper.get(self.measured[model], {}).get(col.title)) is not None


def load_rows(specs: list[JobSpec], runs_root: Path, columns: tuple[Column, ...], metric: str,
              open_run=RunDir) -> list[dict]:
    """One row per (run, column it feeds). A finished run whose record lacks the column's metric
    (its evaluation failed or has not run) is "not evaluated", never a number. `open_run` reads
    the runs: run directories, or committed records (aae/experiment/records.py)."""
    rows = []
    for spec in specs:
        run = open_run(runs_root, spec)
        status = run.status()
        if status["state"] == "damaged":  # shown as a failure with the file's path; the next run redoes it
            print(f"{status['reason']}; shown as failed, re-run the command to redo it", file=sys.stderr)
            status = {"state": "failed", "reason": status["reason"]}
        record = run.read_record() if status["state"] == "done" else None
        eval_errors = run.eval_errors() if record is not None else {}
        # the metric log's last line, once per run, for details that read a curve's final value
        wants_final = record is not None and any(d.final for c in columns if c.reads(spec) for d in c.details)
        final = (run.history() or [{}])[-1] if wants_final else {}
        for i, col in enumerate(c for c in columns if c.reads(spec)):
            key = col.metric or metric
            row = {"model": spec.row, "column": col.title, "trial": spec.trial,
                   "state": status["state"] or "not run", "reason": status.get("reason", ""), "value": None,
                   "wall_time_s": 0.0, "details": {}, "counts_run": i == 0,  # a run's time counts once
                   "fingerprint": None}
            if record is not None:
                row["fingerprint"] = (record.get("data") or {}).get("fingerprint")
                row["wall_time_s"] = record["train_wall_time_s"] + record["eval_wall_time_s"] if i == 0 else 0.0
                row["eval_seconds"] = record.get("eval_seconds", {}) if i == 0 else {}  # absent in older records
                if key in record["metrics"]:
                    row["value"] = record["metrics"][key]
                    row["details"] = {d.metric: (final if d.final else record["metrics"]).get(d.metric)
                                      for d in col.details}
                elif eval_errors:  # a later evaluation failed: say why, not just "not finished"
                    row["state"] = "failed"
                    row["reason"] = "evaluation: " + list(eval_errors.values())[-1]
                else:
                    row["state"] = "not evaluated"
            rows.append(row)
    return rows


def evaluation_times(rows: list[dict]) -> str:
    """Each evaluation's mean wall time per finished run, over the runs that recorded it (records
    made before per-evaluation times lack them): "parzen@10000000 14.9 min (2 runs), ...", or ""."""
    seconds: dict[str, list[float]] = {}
    for row in rows:
        if row["counts_run"]:  # one row per run carries its times
            for name, s in row.get("eval_seconds", {}).items():
                seconds.setdefault(name, []).append(s)
    return ", ".join(f"{name} {_duration(sum(v) / len(v))} ({len(v)} run{'s' * (len(v) > 1)})"
                     for name, v in seconds.items())


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{seconds / 60:.1f} min"


def summarize(rows: list[dict]) -> pd.DataFrame:
    """Per (model, column): n finished, mean, sample std (ddof=1), failed and unfinished counts,
    and the finished runs' detail values (metric -> list)."""
    rows = [{"counts_run": True, **r} for r in rows]  # rows without the flag are one column's runs
    df = pd.DataFrame(rows, columns=KEYS + ["trial", "state", "reason", "value", "wall_time_s", "details",
                                            "counts_run", "fingerprint"])
    out = []
    for key, g in df.groupby(KEYS, sort=False):
        g = _unmixed(g)
        finished = g[g.state == "done"]
        done = finished.value.astype(float)
        failed = g[g.state == "failed"]
        details: dict[str, list] = {}
        for d in finished.details:
            for k, v in (d if isinstance(d, dict) else {}).items():
                details.setdefault(k, []).append(v)
        out.append(dict(zip(KEYS, key), n=len(done), mean=done.mean() if len(done) else math.nan,
                        std=done.std(ddof=1) if len(done) > 1 else math.nan, failed=len(failed),
                        unfinished=int((~g.state.isin(["done", "failed", "not evaluated"])).sum()),
                        not_evaluated=int((g.state == "not evaluated").sum()),
                        reason=failed.reason.iloc[-1] if len(failed) else "",
                        wall_time_s=g.wall_time_s.sum(), details=details,
                        runs=int((finished.counts_run).sum())))
    return pd.DataFrame(out, columns=KEYS + ["n", "mean", "std", "failed", "unfinished", "not_evaluated", "reason",
                                             "wall_time_s", "details", "runs"])


def _unmixed(g: pd.DataFrame) -> pd.DataFrame:
    """A cell's runs, unless its finished runs were made on different data (a cache replaced
    between runs): then none of them is averaged, each is shown failed with the fingerprints."""
    done = g.state == "done"
    prints = g[done].fingerprint.dropna().value_counts()
    if len(prints) < 2:
        return g
    found = ", ".join(f"{fp} ({n} run{'s' * (n > 1)})" for fp, n in prints.items())
    return g.assign(state=g.state.where(~done, "failed"),
                    reason=g.reason.where(~done, f"made on different data (fingerprints {found}), not averaged: "
                                                 "delete the runs of the wrong data"))


def _details(col: Column, s) -> str:
    parts = []
    for d in col.details:
        vals = [v for v in (s.details or {}).get(d.metric, []) if v is not None]
        if not vals:
            continue
        if d.values:
            parts.append(f"{d.label} {', '.join(f'{v:.3g}' for v in sorted(set(vals)))}")
        else:
            parts.append(f"{d.label} {sum(vals) / len(vals):.2f}")
    return "; ".join(parts) or "-"


def paper_mean(text: str) -> float | None:
    """'11.97 ± 1.71' -> 11.97; '-' -> None."""
    m = re.match(r"\s*([-+]?\d+(?:\.\d+)?)", text or "")
    return float(m.group(1)) if m else None


def _ours(s) -> str:
    """Our cell: mean ± sd of the finished runs, then what did not finish, so nothing hides."""
    text = "" if s.n == 0 else f"{s['mean']:.2f} ± {s['std']:.2f}" if s.n > 1 else f"{s['mean']:.2f}"
    problems = ([f"{s.failed} failed: {s.reason}"] if s.failed else []) + \
               ([f"{s.unfinished} not finished"] if s.unfinished else []) + \
               ([f"{s.not_evaluated} trained, not evaluated"] if s.not_evaluated else [])
    if not problems:
        return text
    return f"{text} ({'; '.join(problems)})" if text else "; ".join(problems)


def render(layout: TableLayout, summary: pd.DataFrame, header: dict[str, str],
           missing_data: dict[str, str], configs: dict[str, str]) -> str:
    """The markdown of a table: provenance header, our cells beside the paper's, then the paper's table.

    missing_data: dataset -> "needs data: <file>" for columns that could not be run here.
    configs: model -> a one-line description of the settings its runs used.
    """
    index = {tuple(r[k] for k in KEYS): r for _, r in summary.iterrows()}
    measured = []
    for model, paper_row in {**layout.measured, **layout.extra}.items():
        for col in layout.columns:
            paper = layout.paper.get(paper_row, {}).get(col.title, "-")
            s = index.get((model, col.title))
            if (layout.applies and not layout.applies(model, col)) or \
                    (model in layout.extra and s is None and col.dataset not in missing_data):
                row = [paper_row, col.title, "n/a", 0, 0, "-", paper, "-"]
            elif not layout.measures(model, col):
                row = [paper_row, col.title, "not measured (the paper reports none)", 0, 0, "-", paper, "-"]
            elif col.dataset in missing_data:
                row = [paper_row, col.title, missing_data[col.dataset], 0, 0, "-", paper, "-"]
            elif s is None:
                row = [paper_row, col.title, "not in this run's selection", 0, 0, "-", paper, "-"]
            else:
                ref = paper_mean(paper)
                gap = f"{s['mean'] - ref:+.2f}" if s.n and ref is not None else "-"
                row = [paper_row, col.title, _ours(s), s.n, s.failed, _details(col, s), paper, gap]
            measured.append(row)
    # the Details column only where a cell has one (runs made before a detail existed leave it out)
    with_details = any(row[5] != "-" for row in measured)
    measured = [row if with_details else row[:5] + row[6:] for row in measured]

    wall = summary.wall_time_s.sum() if len(summary) else 0.0
    n_runs = int(summary.runs.sum()) if len(summary) else 0
    lines = [f"# {layout.title}", "",
             "Generated by `aae-bench`; do not edit by hand: re-run the command below to change it.", ""]
    info = {**header, "compute": f"{wall / 60:.1f} min summed over the {n_runs} finished runs (each run's own "
                                 "training + evaluation wall time; runs overlap with --workers)"}
    lines += [tabulate(list(info.items()), headers=["", ""], tablefmt="github"), ""]
    lines += ["## Ours beside the paper", "",
              tabulate(measured, headers=["Model", "Setting", "Ours (mean ± sd)", "n", "failed",
                                          *(["Details"] if with_details else []), "Paper", "Gap"],
                       tablefmt="github", disable_numparse=True), ""]
    lines += ["Ours: mean ± sample standard deviation (ddof=1) over the n finished seeds. "
              "Gap: our mean minus the paper's. Failed runs are counted, never averaged in.", ""]
    if configs:
        lines += ["Settings of the measured runs:", ""]
        lines += [f"- {layout.measured.get(m, m)}: {c}" for m, c in configs.items()]
        lines.append("")
    if layout.notes:
        lines += ["Notes:", ""] + [f"- {n}" for n in layout.notes] + [""]
    lines += ["## The paper's table", "",
              tabulate([[row, *(vals.get(c.title, "-") for c in layout.columns),
                         "measured above" if row in layout.measured.values() else "paper only"]
                        for row, vals in layout.paper.items()],
                       headers=["Model", *(c.title for c in layout.columns), "In this harness"],
                       tablefmt="github", disable_numparse=True), ""]
    return "\n".join(lines)


def describe_config(spec) -> str:
    """Every setting that defines a spec's run, the model's then the training's (JobSpec.settings);
    a setting the paper does not describe (its config's `ours_fields`) reads "name=value (ours)"."""
    ours = {*getattr(spec.config, "ours_fields", ()), *getattr(spec.training, "ours_fields", ())}
    return ", ".join(f"{k}={v}" + (" (ours)" if k in ours else "") for k, v in spec.settings().items())


def describe_configs(models, specs) -> dict[str, str]:
    """Each row's settings line: its config, or one per dataset where a dataset's recipe changes it
    ("on mnist: ...; on svhn: ...")."""
    out = {}
    for m in models:
        per_dataset: dict[str, str] = {}
        for s in specs:
            if s.row == m:
                per_dataset.setdefault(s.dataset, describe_config(s))  # a dataset's first column's
        if len(set(per_dataset.values())) == 1:
            out[m] = next(iter(per_dataset.values()))
        elif per_dataset:
            out[m] = "; ".join(f"on {d}: {c}" for d, c in per_dataset.items())
    return out
