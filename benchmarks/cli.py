"""The command line shared by every benchmark: parse, check, run, gather, write the table.

Bad input ends in one line on stderr and exit status 2, before anything is written, so a
mistyped command never touches a finished run or a results table.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import torch

from aae import io
from aae.data import DATASETS, load_dataset
from aae.errors import DataMissing, UserError
from aae.experiment.estimate import measure, plan, report, threads_per_run
from aae.experiment.events import TENSORBOARD_ENV
from aae.experiment.executors import EXECUTORS, check_executor, run_specs
from aae.experiment.records import StoredRuns, finished_runs, records_path, records_text, restore
from aae.experiment.run_dir import RunDir
from aae.experiment.slurm import check_cluster, job_parameters
from aae.experiment.spec import JobSpec
from aae.models.registry import get_model
from aae.precision import AUTO, DEVICE_ENV, PRECISION_ENV, PRECISIONS, Choice, device_choice, device_type
from aae.provenance import git_sha
from aae.reporting.tables import Column, TableLayout, describe_configs, evaluation_times, load_rows, render, summarize
from benchmarks.recipes import BUDGETS, asks_auto


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _int_at_least(low: int, what: str) -> Callable[[str], int]:
    """An argparse type: an integer of at least `low`, or one line saying what was expected."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    return parse


positive_int = _int_at_least(1, "a positive integer")
nonnegative_int = _int_at_least(0, "an integer of 0 or more")


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: queued runs cancelled, running ones stopped at their checkpoint."""


def _on_sigterm(signum, frame):
    raise Terminated


def guarded(prog: str, body: Callable[[], int]) -> int:
    """Run a command's body: a UserError (bad input, missing data, a full disk, a damaged run
    file) is one line on stderr and exit status 2, never a traceback. Ctrl-C and SIGTERM stop it
    (no queued run starts afterwards, no worker outlives it), with exit status 130 and 143."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if threading.current_thread() is threading.main_thread() \
        else None
    try:
        return body()
    except UserError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        print(f"{prog}: {'terminated' if isinstance(e, Terminated) else 'interrupted'}; finished runs are kept, "
              "and the same command resumes the rest", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def common_parser(prog: str, description: str, table: bool = False) -> OneLineParser:
    """The options every benchmark and figure command shares; a table's also `--no-wait` (a
    figure waits for its runs: it draws them next)."""
    p = OneLineParser(prog=prog, description=description,
                      formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--budget", default="cpu",
                   help=f"one of {', '.join(BUDGETS)}: smoke = seconds (tests), cpu = the paper's "
                        "architectures with fewer epochs for a 2-core machine, paper = the paper's schedule")
    p.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override model config fields, type-checked (e.g. --set epochs=3 lr=0.01)")
    p.add_argument("--executor", default="local", help=f"one of {', '.join(EXECUTORS.names())}")
    p.add_argument("--workers", type=positive_int, default=1, help="parallel processes for --executor local")
    p.add_argument("--runs-dir", type=Path, default=Path(os.environ.get("AAE_RUNS", "runs")),
                   help="where run directories live ($AAE_RUNS)")
    p.add_argument("--results-dir", type=Path, default=Path("results"), help="where tables and figures/ are written")
    p.add_argument("--data-dir", help="a folder holding dataset files ($AAE_DATA)")
    p.add_argument("--device", choices=["cpu", "cuda"],
                   help="where runs train and evaluate (default: cuda when available, else cpu; $AAE_DEVICE)")
    p.add_argument("--precision", choices=["auto", *PRECISIONS], default=AUTO,
                   help="what the models whose budget says precision=auto compute in: auto = bf16 where this "
                        "device computes bfloat16 natively (a CPU with amx_bf16 or avx512_bf16, a GPU with bf16), "
                        "else fp32; --from-records, --reuse-records and --gather-only take their records' choice "
                        "(--set precision=fp32|bf16 forces every model instead)")
    p.add_argument("--no-tensorboard", action="store_true",
                   help="write no TensorBoard event files (by default every run writes its losses, validation "
                        "curve and a final image grid to runs/<hash>/tensorboard/: tensorboard --logdir runs)")
    # one SLURM option block for every command, tables and figures alike
    s = p.add_argument_group("slurm (with --executor slurm)")
    s.add_argument("--slurm-profile", metavar="NAME",
                   help="a profile by name from slurm/profiles/ (partition, time limit, GPUs, ...)")
    s.add_argument("--slurm-profile-file", type=Path, metavar="PATH",
                   help="a profile file of your own instead: its slurm_setup lines run in every job, so name "
                        "only a file you trust (README, 'Trust')")
    s.add_argument("--slurm-partition")
    s.add_argument("--timeout-min", type=positive_int)
    s.add_argument("--gpus-per-node", type=nonnegative_int)
    s.add_argument("--cpus-per-task", type=positive_int)
    s.add_argument("--mem-gb", type=positive_int)
    s.add_argument("--array-parallelism", type=positive_int)
    if table:
        s.add_argument("--no-wait", action="store_true", help="submit and return; use --gather-only later")
    return p


def figure_parser(prog: str, description: str) -> OneLineParser:
    p = common_parser(prog, description)
    p.add_argument("--dataset", default="mnist", choices=["mnist", "synthetic"],
                   help="synthetic = a tiny stand-in, for tests")
    return p


def prepare_figure_run(args, make_specs: Callable[[], list[JobSpec]]) -> list[JobSpec]:
    """Check a figure command's input, then build and train what its figure needs (raises UserError)."""
    _check_common(args)
    _check_slurm(args, trains=True)
    _, announcement = settle_precision(args.precision)
    specs = make_specs()  # after the budget check: configs are validated as they are built
    print(announcement, file=sys.stderr)
    load_dataset(args.dataset, args.data_dir)
    run_specs(specs, args.runs_dir, args.executor, args.workers, args.data_dir, _slurm_options(args))
    return specs


def _check_common(args) -> None:
    if args.device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available here")
    if args.device:
        os.environ[DEVICE_ENV] = args.device  # read by every run, in this process and in its workers
    if args.no_tensorboard:
        os.environ[TENSORBOARD_ENV] = "0"  # likewise
    if args.budget not in BUDGETS:
        raise UserError(f"unknown budget {args.budget!r}; known: {', '.join(BUDGETS)}")
    check_executor(args.executor)
    check_writable(args.results_dir, "results directory")
    for sub in ("records", "figures"):  # what a table writes beside its page, checked before any work
        check_writable(args.results_dir / sub, f"results directory's {sub} folder")
    check_writable(args.runs_dir, "runs directory")


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


# Records written before the precision followed the machine have no choice in their meta: their
# budgets said precision=bf16 outright.
LEGACY_RECORDS_PRECISION = {"choice": "bf16", "reason": "before precision=auto, the cpu budget's bfloat16"}


def settle_precision(requested: str, records: dict | None = None) -> tuple[Choice, str]:
    """Settle what precision=auto resolves to in this command (and its workers and SLURM jobs,
    through $AAE_PRECISION), before any spec is built. A command that reads runs back
    (--from-records, --reuse-records, --gather-only) takes the choice of the records they were made
    with, unless --precision names one. Returns the choice, with the reason it was first made for
    (what the records of this command's page keep), and the line to print once the input is known
    to be good (bad input stays one line)."""
    how = ""
    if requested == AUTO and records is not None:
        stored = records.get("precision") or LEGACY_RECORDS_PRECISION
        choice = Choice(stored["choice"], stored["reason"])
        how = f"; taken from the records the runs were made with (this machine would choose {device_choice().line()})"
    elif requested == AUTO:
        choice = device_choice()
    else:
        choice = Choice(requested, "--precision")
    os.environ[PRECISION_ENV] = choice.precision
    return choice, f"precision: {choice.line()}{how}, for the models whose budget says precision=auto"


def check_writable(folder: Path, what: str) -> None:
    """The folder exists and is writable, or could be created: nothing is created while input is
    still being checked (a mistyped command leaves no empty folders behind)."""
    existing = Path(os.path.abspath(folder))
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"{what} {folder} cannot be created: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"{what} {folder} is not writable" if existing == Path(os.path.abspath(folder))
                        else f"{what} {folder} cannot be created: {existing} is not writable")


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


@dataclass(frozen=True)
class Benchmark:
    """A table command as data: its layout (columns, the paper's numbers, rows), how its specs
    are made, and what a table with more to it than Table 2 adds:
    `add_arguments(parser)` its own options; `columns_for(args, columns)` its columns from them
    (Table 1's --samples); `extra_rows(args, columns, specs)` the result rows of `layout.extra`,
    read from the runs under another metric (Table 1's reconstruction ceiling); `after_table(args, specs, columns)` what it
    draws from its runs once the table is written (learning curves, Figure 11); `notes_for(summary)`
    notes computed from the measured numbers (Table 1's rankings by Parzen and by FID)."""

    prog: str
    description: str
    layout: TableLayout
    make_specs: Callable[..., list[JobSpec]]  # (models, columns, seeds, budget, overrides) -> specs
    synthetic_columns: tuple[Column, ...]
    add_arguments: Callable | None = None
    rows_for: Callable | None = None  # (args) -> its measured rows, where they follow its arguments (Table 3's --clusters)
    columns_for: Callable | None = None
    extra_rows: Callable | None = None
    after_table: Callable | None = None
    notes_for: Callable | None = None


def benchmark_main(argv, bench: Benchmark) -> int:
    """The body of every `python -m benchmarks.<table>`. Returns the exit status."""
    started = time.time()
    datasets = sorted({c.dataset for c in bench.layout.columns})
    parser = build_parser(bench.prog, bench.description, datasets)
    if bench.add_arguments:
        bench.add_arguments(parser)
    args = parser.parse_args(argv)
    return guarded(bench.prog, lambda: _benchmark(args, argv, started, bench, datasets))


def _benchmark(args, argv, started, bench: Benchmark, datasets) -> int:
    prog, layout, make_specs = bench.prog, bench.layout, bench.make_specs
    if bench.rows_for:
        layout = dataclasses.replace(layout, measured=bench.rows_for(args))
    _check_common(args)
    models = _rows(args.models or list(layout.measured), layout)
    chosen = args.datasets or datasets
    for d in chosen:
        if d not in DATASETS or (d not in datasets and d != "synthetic"):
            raise UserError(f"unknown dataset {d!r} for {layout.name}; known: {', '.join(datasets)}, synthetic")
    if "synthetic" in chosen:
        if len(chosen) > 1:
            raise UserError("--datasets synthetic stands in for every column; give it alone")
        layout = dataclasses.replace(layout, columns=tuple(bench.synthetic_columns))
    if bench.columns_for:
        layout = dataclasses.replace(layout, columns=tuple(bench.columns_for(args, layout.columns)))
    columns = [c for c in layout.columns if c.dataset in chosen]
    if args.estimate and (args.gather_only or args.from_records or args.reuse_records):
        raise UserError("--estimate times the runs a table would train; give it without --gather-only, "
                        "--from-records or --reuse-records")
    _check_slurm(args, trains=not (args.gather_only or args.from_records or args.estimate))
    records_file = args.records_from or records_path(args.results_dir, layout.name)
    stored = StoredRuns(records_file) if args.from_records else None
    committed = _records_meta(stored, records_file, args)
    choice, announcement = settle_precision(args.precision, committed)
    missing = stored.meta["missing"] if stored else \
        _available_datasets(sorted({c.dataset for c in columns}), bool(args.datasets), args.data_dir)
    specs = make_specs(models=models, columns=[c for c in columns if c.dataset not in missing],
                       seeds=args.seeds, budget=args.budget, overrides=args.overrides)
    specs = [s for s in specs if any(layout.measures(s.row, c) for c in columns if c.reads(s))]
    print(announcement, file=sys.stderr)
    if args.estimate:
        print(_estimate(args, specs))
        return 0
    if stored:
        rows = load_rows(specs, args.runs_dir, tuple(columns), layout.metric, open_run=stored)
        extra = stored.meta["extra_rows"]
        header = {**stored.meta["header"], "date": _now()}
    else:
        restored = 0
        if args.reuse_records:
            restored = restore(records_file, specs, args.runs_dir)
            print(f"{restored} finished runs restored from the records (no checkpoints)", file=sys.stderr)
        reused = sum(RunDir(args.runs_dir, s).is_complete() for s in specs)
        if not args.gather_only:
            run_specs(specs, args.runs_dir, args.executor, args.workers, args.data_dir, _slurm_options(args))
        rows = load_rows(specs, args.runs_dir, tuple(columns), layout.metric)
        extra = bench.extra_rows(args, [c for c in columns if c.dataset not in missing], specs) \
            if bench.extra_rows else []
        header = _header(prog, argv, args, started, reused, len(specs))
        if any(asks_auto(m.partition(":")[0], args.budget, args.overrides) for m in models):
            header["precision=auto computes in"] = choice.line()
        if restored:
            header["this command's wall time"] += f"; {restored} of them restored from the committed records"
        if times := evaluation_times(rows):
            header["evaluation time per run"] = times
    configs = describe_configs(models, specs)
    summary = summarize(rows + extra)
    notes = layout.notes + tuple(bench.notes_for(summary, layout) if bench.notes_for else ())
    table = render(dataclasses.replace(layout, columns=tuple(columns), notes=notes), summary, header, missing, configs)
    out = args.results_dir / f"{layout.name}.md"
    print(table)
    if stored:
        io.write_text(out, table)
        print(f"wrote {out}", file=sys.stderr)
        return 0
    # every number of the table, auditable from the repository: page and records change together
    meta = {"header": header, "missing": missing, "extra_rows": extra,
            "argv": list(argv if argv is not None else sys.argv[1:]),
            "precision": {"choice": choice.precision, "reason": choice.reason}}
    records = records_path(args.results_dir, layout.name)
    if not _may_replace(records, specs, args):
        return 0
    io.write_texts({out: table, records: records_text(specs, args.runs_dir, meta)})
    print(f"wrote {out} and {records}", file=sys.stderr)
    if bench.after_table:
        bench.after_table(args, specs, columns)
    return 0


def _may_replace(records: Path, specs: list[JobSpec], args) -> bool:
    """A page is never replaced by one with fewer finished runs (a mistyped --runs-dir, a --models
    subset, failed runs) unless --force says so: one line, exit 2, the page and its records as they
    were. After --no-wait (its runs are still queued) the page is left alone and the command ends well."""
    before = finished_runs(records)
    now = sum(RunDir(args.runs_dir, s).is_done() for s in specs)
    if now >= before or args.force:
        return True
    if getattr(args, "no_wait", False):
        print(f"{records} kept: {now} of {before} runs are finished yet; --gather-only writes the page once they are",
              file=sys.stderr)
        return False
    raise UserError(f"{records.parent.parent / records.stem}.md and {records} hold {before} finished runs, this "
                    f"command's table {now} (another --runs-dir? a subset of --models? failed runs?): both kept as "
                    "they were; --force replaces them")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _header(prog, argv, args, started, reused: int, n_specs: int) -> dict:
    return {
        "command": f"`python -m {prog} {shlex.join(argv if argv is not None else sys.argv[1:])}`",
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
    options = job_parameters(_slurm_options(args)) if args.executor == "slurm" else {}  # what submit would use
    device, threads = device_type(), threads_per_run(args.executor, args.workers, options.get("cpus_per_task"))
    data = {name: load_dataset(name, args.data_dir) for name in sorted({s.dataset for s in specs})}
    lines = plan(specs, lambda d: len(data[d].x_train), lambda d: (data[d].input_dim, data[d].n_classes),
                 lambda workloads: measure(workloads, device, threads,
                                           workers=min(args.workers, os.cpu_count() or 1) if args.executor == "local" else 1))
    how = (f"timed on {device}, {threads} thread(s) a run" + (f", {args.workers} runs at once" if args.executor == "local"
           and args.workers > 1 else "") + f", precision=auto computing in {os.environ[PRECISION_ENV]}")
    return report(lines, how, args.executor, args.workers, options.get("timeout_min"))


def _check_slurm(args, trains: bool) -> None:
    """With --executor slurm: a typo in the profile, or no cluster to train on, fails now, not
    after the data fetch."""
    if args.executor == "slurm":
        options = _slurm_options(args)
        job_parameters(options)
        if trains:
            check_cluster(options)


def _slurm_options(args) -> dict:
    return {"profile": args.slurm_profile, "profile_file": args.slurm_profile_file,
            "slurm_partition": args.slurm_partition, "timeout_min": args.timeout_min,
            "gpus_per_node": args.gpus_per_node, "cpus_per_task": args.cpus_per_task, "mem_gb": args.mem_gb,
            "array_parallelism": args.array_parallelism,
            "wait": not getattr(args, "no_wait", False),  # a figure waits for its runs: it draws them next
            "cluster": os.environ.get("AAE_SUBMITIT_CLUSTER")}
