"""The command line every benchmark and figure shares: the options (one SLURM block for all),
the checks made before any work, the precision a command settles, and the guard that turns bad
input into one line. A table's own steps (run, report) are in benchmarks/table_command.py.

Bad input ends in one line on stderr and exit status 2, before anything is written, so a
mistyped command never touches a finished run or a results table.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Callable

import torch

from aae.data import load_dataset
from aae.errors import UserError
from aae.experiment.events import TENSORBOARD_ENV
from aae.experiment.executors import EXECUTORS, check_executor, run_specs
from aae.experiment.slurm import check_cluster, job_parameters
from aae.experiment.spec import JobSpec
from aae.precision import AUTO, DEVICE_ENV, PRECISION_ENV, PRECISIONS, Choice, device_choice
from benchmarks.recipes import BUDGETS


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
    check_common(args)
    check_slurm(args, trains=True)
    _, announcement = settle_precision(args.precision)
    specs = make_specs()  # after the budget check: configs are validated as they are built
    print(announcement, file=sys.stderr)
    load_dataset(args.dataset, args.data_dir)
    run_specs(specs, args.runs_dir, args.executor, args.workers, args.data_dir, slurm_options(args))
    return specs


def check_common(args) -> None:
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


def check_slurm(args, trains: bool) -> None:
    """With --executor slurm: a typo in the profile, or no cluster to train on, fails now, not
    after the data fetch."""
    if args.executor == "slurm":
        options = slurm_options(args)
        job_parameters(options)
        if trains:
            check_cluster(options)


def slurm_options(args) -> dict:
    return {"profile": args.slurm_profile, "profile_file": args.slurm_profile_file,
            "slurm_partition": args.slurm_partition, "timeout_min": args.timeout_min,
            "gpus_per_node": args.gpus_per_node, "cpus_per_task": args.cpus_per_task, "mem_gb": args.mem_gb,
            "array_parallelism": args.array_parallelism,
            "wait": not getattr(args, "no_wait", False),  # a figure waits for its runs: it draws them next
            "cluster": os.environ.get("AAE_SUBMITIT_CLUSTER")}
