"""A table command: a table as data (`Benchmark`) and the two steps every table takes.

- resolve: the arguments checked and turned into a `TableJob` (the layout for the chosen
  columns, its grid of specs, the columns whose data is missing, the records it reads back, the
  precision its runs compute in); nothing is written yet.
- run: launch or resume the grid on any executor (after writing the committed records' runs
  back into the runs directory, with --reuse-records).
- report: gather the finished runs (from run directories, or from the committed records with
  --from-records), summarise, render, write the page and its records together.

The four modes are the steps put together: a plain command runs then reports, --reuse-records
restores then runs then reports, --gather-only and --from-records only report; --estimate stops
after resolve. DomainBed's sweep / collect_results split is the model.
"""
from __future__ import annotations

import dataclasses
import os
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from aae import io
from aae.data import DATASETS, load_dataset
from aae.errors import DataMissing, UserError
from aae.experiment.estimate import measure, plan, report as estimate_report, threads_per_run
from aae.experiment.executors import run_specs
from aae.experiment.records import StoredRuns, finished_runs, records_path, records_text, restore
from aae.experiment.run_dir import RunDir
from aae.experiment.slurm import job_parameters
from aae.experiment.spec import JobSpec
from aae.models.registry import get_model
from aae.precision import PRECISION_ENV, Choice, device_choice, device_type
from aae.provenance import git_sha
from aae.reporting.tables import Column, TableLayout, describe_configs, evaluation_times, load_rows, render, summarize
from benchmarks.cli import (OneLineParser, check_common, check_slurm, common_parser, guarded, positive_int,
                            settle_precision, slurm_options)
from benchmarks.recipes import asks_auto


@dataclass(frozen=True)
class Benchmark:
    """A table as data: its layout (columns, the paper's numbers, rows), how its specs are made,
    and what a table with more to it than Table 2 adds:
    `add_arguments(parser)` its own options; `rows_for(args)` its measured rows where they follow
    its arguments (Table 3's --clusters); `columns_for(args, columns)` its columns (Table 1's
    --samples); `extra_rows(args, columns, specs)` the result rows of `layout.extra`, read from the
    runs under another metric (Table 1's reconstruction ceiling); `after_table(args, specs,
    columns)` what it draws from its runs once the table is written (learning curves, Figure 11);
    `notes_for(summary, layout)` notes computed from the measured numbers (Table 1's rankings)."""

    prog: str
    description: str
    layout: TableLayout
    make_specs: Callable[..., list[JobSpec]]  # (models, columns, seeds, budget, overrides) -> specs
    synthetic_columns: tuple[Column, ...]
    add_arguments: Callable | None = None
    rows_for: Callable | None = None
    columns_for: Callable | None = None
    extra_rows: Callable | None = None
    after_table: Callable | None = None
    notes_for: Callable | None = None

    @property
    def datasets(self) -> list[str]:
        return sorted({c.dataset for c in self.layout.columns})


@dataclass(frozen=True)
class TableJob:
    """What one table command resolved from its arguments, before any work."""

    layout: TableLayout  # its columns: the ones chosen, with data or without
    models: list[str]
    specs: list[JobSpec]
    missing: dict[str, str]  # dataset -> "needs data: <file>"
    records_file: Path  # the records --from-records and --reuse-records read
    stored: StoredRuns | None  # with --from-records: the records the page is rebuilt from
    choice: Choice  # what precision=auto computes in


def benchmark_main(argv, bench: Benchmark) -> int:
    """The body of every `python -m benchmarks.<table>`. Returns the exit status."""
    started = time.time()
    parser = build_parser(bench.prog, bench.description, bench.datasets)
    if bench.add_arguments:
        bench.add_arguments(parser)
    args = parser.parse_args(argv)
    argv = list(argv if argv is not None else sys.argv[1:])
    return guarded(bench.prog, lambda: _command(args, argv, started, bench))


def build_parser(prog: str, description: str, datasets: list[str]) -> OneLineParser:
    p = common_parser(prog, description, table=True)
    p.add_argument("--seeds", type=positive_int, default=5, help="trials per cell (seeds derived, not chosen)")
    p.add_argument("--models", nargs="+", metavar="MODEL", help="train only these models (default: every measured row)")
    p.add_argument("--datasets", nargs="+", metavar="DATASET",
                   help=f"only these dataset columns, from {', '.join(datasets)} (or 'synthetic' for "
                        "a tiny stand-in); a dataset named here that is missing is an error")
    p.add_argument("--gather-only", action="store_true", help="train nothing; rebuild the table from finished runs")
    p.add_argument("--from-records", action="store_true",
                   help="train nothing, read no run directory: rebuild the table from its committed records "
                        "(results/records/<table>.jsonl under --results-dir, or --records-from) with the same "
                        "arguments it was made with")
    p.add_argument("--records-from", type=Path, metavar="FILE",
                   help="the records file --from-records and --reuse-records read")
    p.add_argument("--reuse-records", action="store_true",
                   help="before training, write the finished runs of the committed records (same run id) that "
                        "--runs-dir lacks back into it, without checkpoints: on a fresh machine only the runs "
                        "whose config changed train")
    p.add_argument("--force", action="store_true",
                   help="replace the table's page and records even when they hold more finished runs than this "
                        "command's table (by default that is refused: a mistyped --runs-dir never wipes a page)")
    p.add_argument("--estimate", action="store_true",
                   help="train nothing: time a few updates of each model in a fresh process on this device and "
                        "print each run's hours, the total, and the --timeout-min a SLURM job needs")
    return p


def _command(args, argv: list[str], started: float, bench: Benchmark) -> int:
    job = resolve(args, bench)
    if args.estimate:
        print(_estimate(args, job.specs))
        return 0
    if job.stored:
        return report(job, args, bench, {**job.stored.meta["header"], "date": _now()})
    restored, reused = run(job, args)
    header = _header(bench.prog, argv, args, started, reused, len(job.specs))
    if any(asks_auto(m.partition(":")[0], args.budget, args.overrides) for m in job.models):
        header["precision=auto computes in"] = job.choice.line()
    if restored:
        header["this command's wall time"] += f"; {restored} of them restored from the committed records"
    return report(job, args, bench, header, argv)


def resolve(args, bench: Benchmark) -> TableJob:
    """Check a table command's arguments and build its grid; raises UserError, writes nothing."""
    layout = bench.layout
    if bench.rows_for:
        layout = dataclasses.replace(layout, measured=bench.rows_for(args))
    check_common(args)
    models = _rows(args.models or list(layout.measured), layout)
    chosen = args.datasets or bench.datasets
    for d in chosen:
        if d not in DATASETS or (d not in bench.datasets and d != "synthetic"):
            raise UserError(f"unknown dataset {d!r} for {layout.name}; known: {', '.join(bench.datasets)}, synthetic")
    if "synthetic" in chosen:
        if len(chosen) > 1:
            raise UserError("--datasets synthetic stands in for every column; give it alone")
        layout = dataclasses.replace(layout, columns=tuple(bench.synthetic_columns))
    if bench.columns_for:
        layout = dataclasses.replace(layout, columns=tuple(bench.columns_for(args, layout.columns)))
    layout = dataclasses.replace(layout, columns=tuple(c for c in layout.columns if c.dataset in chosen))
    if args.estimate and (args.gather_only or args.from_records or args.reuse_records):
        raise UserError("--estimate times the runs a table would train; give it without --gather-only, "
                        "--from-records or --reuse-records")
    check_slurm(args, trains=not (args.gather_only or args.from_records or args.estimate))
    records_file = args.records_from or records_path(args.results_dir, layout.name)
    stored = StoredRuns(records_file) if args.from_records else None
    choice, announcement = settle_precision(args.precision, _records_meta(stored, records_file, args))
    missing = stored.meta["missing"] if stored else \
        _available_datasets(sorted({c.dataset for c in layout.columns}), bool(args.datasets), args.data_dir)
    specs = bench.make_specs(models=models, columns=[c for c in layout.columns if c.dataset not in missing],
                             seeds=args.seeds, budget=args.budget, overrides=args.overrides)
    specs = [s for s in specs if any(layout.measures(s.row, c) for c in layout.columns if c.reads(s))]
    print(announcement, file=sys.stderr)
    return TableJob(layout, models, specs, missing, records_file, stored, choice)


def run(job: TableJob, args) -> tuple[int, int]:
    """Launch or resume the grid (unless --gather-only). Returns (runs restored from the records,
    runs already finished before this command trained any)."""
    restored = 0
    if args.reuse_records:
        restored = restore(job.records_file, job.specs, args.runs_dir)
        print(f"{restored} finished runs restored from the records (no checkpoints)", file=sys.stderr)
    unfinished = [s for s in job.specs if not RunDir(args.runs_dir, s).is_complete()]
    if not args.gather_only:
        if args.executor != "slurm":  # a cluster's nodes may be of the other kind
            warn_emulated_bf16(unfinished)
        run_specs(job.specs, args.runs_dir, args.executor, args.workers, args.data_dir, slurm_options(args))
    return restored, len(job.specs) - len(unfinished)


def warn_emulated_bf16(unfinished: list[JobSpec]) -> None:
    """One line before training bf16 runs (their records' choice, or --precision / --set) on a
    device that would not choose bf16: a CPU without native bf16 runs them 3-19x slower than float32."""
    choice = device_choice()
    if choice.precision == "bf16":
        return
    todo = [s for s in unfinished if s.training.precision == "bf16"]
    if todo:
        print(f"warning: {len(todo)} runs will train in bf16, which this machine would not choose ({choice.reason}); "
              "`--precision fp32` makes the page's runs in float32 instead (other runs: none restored from bf16 "
              "records)", file=sys.stderr, flush=True)


def report(job: TableJob, args, bench: Benchmark, header: dict, argv: list[str] | None = None) -> int:
    """Gather, summarise and render the grid's finished runs; write the page, and (from run
    directories) its records beside it, then what the table draws from its runs."""
    layout, columns = job.layout, job.layout.columns
    rows = load_rows(job.specs, args.runs_dir, columns, layout.metric, open_run=job.stored or RunDir)
    if job.stored:
        extra = job.stored.meta["extra_rows"]
    else:
        extra = bench.extra_rows(args, [c for c in columns if c.dataset not in job.missing], job.specs) \
            if bench.extra_rows else []
        if times := evaluation_times(rows):
            header["evaluation time per run"] = times
    summary = summarize(rows + extra)
    notes = layout.notes + tuple(bench.notes_for(summary, layout) if bench.notes_for else ())
    table = render(dataclasses.replace(layout, notes=notes), summary, header, job.missing,
                   describe_configs(job.models, job.specs))
    out = args.results_dir / f"{layout.name}.md"
    print(table)
    if job.stored:  # the records are the source: only the page is written
        io.write_text(out, table)
        print(f"wrote {out}", file=sys.stderr)
        return 0
    # every number of the table, auditable from the repository: page and records change together
    meta = {"header": header, "missing": job.missing, "extra_rows": extra, "argv": argv,
            "precision": {"choice": job.choice.precision, "reason": job.choice.reason}}
    records = records_path(args.results_dir, layout.name)
    if not _may_replace(records, job.specs, args):
        return 0
    io.write_texts({out: table, records: records_text(job.specs, args.runs_dir, meta)})
    print(f"wrote {out} and {records}", file=sys.stderr)
    if bench.after_table:
        bench.after_table(args, job.specs, list(columns))
    return 0


def _records_meta(stored: StoredRuns | None, records_file: Path, args) -> dict | None:
    """The meta of the records whose runs this command reads back: --from-records' and
    --reuse-records' file (it must exist), or for --gather-only the page's own records when they
    can be read (the runs it gathers were made with their choice); None for a command that trains."""
    if stored or args.reuse_records:
        return (stored or StoredRuns(records_file)).meta
    if args.gather_only:
        try:
            return StoredRuns(records_file).meta
        except UserError:  # no records yet, or damaged ones: the runs were made on this machine
            return None
    return None


def _available_datasets(names: list[str], explicit: bool, data_dir) -> dict[str, str]:
    """dataset -> 'needs data: <file>' for each one that is missing (loading also fetches MNIST once)."""
    missing = {}
    for name in names:
        try:
            load_dataset(name, data_dir, fetch=explicit)
        except DataMissing as e:
            if explicit:
                raise
            print(f"{name}: {e}; its column shows as missing", file=sys.stderr)
            missing[name] = f"needs data: {e.filename}"
    return missing


def _may_replace(records: Path, specs: list[JobSpec], args) -> bool:
    """A page is never replaced by one with fewer finished runs (a mistyped --runs-dir, a --models
    subset, failed runs) unless --force says so: one line, exit 2, the page and its records as they
    were. After --no-wait (its runs are still queued) the page is left alone and the command ends well."""
    before = finished_runs(records)
    now = sum(RunDir(args.runs_dir, s).is_done() for s in specs)
    if now >= before or args.force:
        return True
    if args.no_wait:
        print(f"{records} kept: {now} of {before} runs are finished yet; --gather-only writes the page once they are",
              file=sys.stderr)
        return False
    raise UserError(f"{records.parent.parent / records.stem}.md and {records} hold {before} finished runs, this "
                    f"command's table {now} (another --runs-dir? a subset of --models? failed runs?): both kept as "
                    "they were; --force replaces them")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _header(prog, argv: list[str], args, started, reused: int, n_specs: int) -> dict:
    return {
        "command": f"`python -m {prog} {shlex.join(argv)}`",
        "git sha": git_sha(),
        "date": _now(),
        "budget": args.budget,
        "seeds": f"{args.seeds} (trials 0-{args.seeds - 1})",
        "executor": args.executor + (f", {args.workers} worker(s)" if args.executor == "local" else ""),
        "this command's wall time": f"{(time.time() - started) / 60:.1f} min "
                                    f"({reused} of {n_specs} runs were already finished when it started)",
    }


def _rows(names: list[str], layout: TableLayout) -> list[str]:
    """The table rows --models names: a model's own row, or every row of its variants
    ("clustering_aae" -> "clustering_aae:16", "clustering_aae:30", ...), or one "model:variant"."""
    rows = []
    for name in names:
        get_model(name.partition(":")[0])
        matches = [r for r in layout.measured if r == name or r.partition(":")[0] == name]
        if not matches:
            raise UserError(f"model {name!r} has no row in {layout.name}; its rows: {', '.join(layout.measured)}")
        rows += [r for r in matches if r not in rows]
    return rows


def _estimate(args, specs: list[JobSpec]) -> str:
    """The --estimate report of a table's specs, timed on the device and threads a run would get."""
    options = job_parameters(slurm_options(args)) if args.executor == "slurm" else {}  # what submit would use
    device, threads = device_type(), threads_per_run(args.executor, args.workers, options.get("cpus_per_task"))
    data = {name: load_dataset(name, args.data_dir) for name in sorted({s.dataset for s in specs})}
    lines = plan(specs, lambda d: len(data[d].x_train), lambda d: (data[d].input_dim, data[d].n_classes),
                 lambda workloads: measure(workloads, device, threads,
                                           workers=min(args.workers, os.cpu_count() or 1) if args.executor == "local" else 1))
    how = (f"timed on {device}, {threads} thread(s) a run" + (f", {args.workers} runs at once" if args.executor == "local"
           and args.workers > 1 else "") + f", precision=auto computing in {os.environ[PRECISION_ENV]}")
    return estimate_report(lines, how, args.executor, args.workers, options.get("timeout_min"))
