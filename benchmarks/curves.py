"""Learning curves: validation error per epoch, read from the runs' metric logs.

    python -m benchmarks.curves --epochs 100                       # the long run of Table 2's AAE
    python -m benchmarks.curves --epochs 20 --budget paper         # does the paper's SGD recipe learn?
    python -m benchmarks.curves --model m2 --setting 1000 --epochs 30

Trains one seed (trial 0) of a Table 2 model at one setting for --epochs epochs, recording the
error on the 10,000 validation images after every epoch (the test set is read once, at the end),
and writes results/figures/curve_long_<dataset><setting>[_<budget>].png and a markdown table of
the validation error at epochs 1, 3, 10, 30, 100, ... beside it (results/curve_long_*.md).
Table 2's own curves (every run, every setting) are drawn by benchmarks.table2 into
results/figures/curves_table2.png.
"""
from __future__ import annotations

import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from tabulate import tabulate  # noqa: E402

from aae import io  # noqa: E402
from aae.errors import UserError  # noqa: E402
from aae.experiment.records import StoredRuns, export, records_path  # noqa: E402
from aae.experiment.run_dir import RunDir, histories  # noqa: E402
from aae.provenance import git_sha  # noqa: E402
from benchmarks import table2  # noqa: E402
from benchmarks.cli import common_parser, guarded, positive_int, prepare_figure_run  # noqa: E402
from benchmarks.learning_curves import PLAIN_NUMBERS  # noqa: E402

def milestones(last: int) -> list[int]:
    """1, 3, 10, 30, 100, ... up to `last`, and `last` itself."""
    marks, m = [], 1
    while m < last:
        marks.append(m)
        m = m * 3 if str(m).startswith("1") else m * 10 // 3
    return [*marks, last]


def curve_name(args) -> str:
    return f"curve_long_{args.dataset}{args.setting}" + ("" if args.budget == "cpu" else f"_{args.budget}")


def the_column(args):
    columns = table2.SYNTHETIC_COLUMNS if args.dataset == "synthetic" else table2.COLUMNS
    col = next((c for c in columns if (c.dataset, c.setting) == (args.dataset, args.setting)), None)
    if col is None:
        raise UserError(f"Table 2 has no column {args.dataset} ({args.setting}); its columns: "
                        f"{', '.join(f'{c.dataset} {c.setting}' for c in columns)}")
    if args.model not in table2.LAYOUT.measured:
        raise UserError(f"model {args.model!r} has no row in table2; its rows: {', '.join(table2.LAYOUT.measured)}")
    return col


def finished_run(args, col, records: Path, started: float):
    """(spec, record, the validation curve's rows, the page's header): from the committed records
    with --from-records, else from the run directory, training the run first if need be."""
    specs, finished_before = [], []

    def build():  # called before anything is trained
        made = table2.make_specs(models=[args.model], columns=[col], seeds=1, budget=args.budget,
                                 overrides=[*args.overrides, f"epochs={args.epochs}"])
        specs.extend(made)
        finished_before.extend(RunDir(args.runs_dir, s).is_complete() for s in made)
        return made

    if args.from_records:  # the committed run, without runs/: the same page but for its date
        stored = StoredRuns(records)
        [spec] = build()
        run = stored(args.runs_dir, spec)
        rows = [r for r in run.history() if "valid_error" in r] if run.status()["state"] == "done" else None
        header = stored.meta["header"]
    else:
        prepare_figure_run(args, build)
        [spec] = specs
        run = RunDir(args.runs_dir, spec)
        rows = histories(specs, args.runs_dir, "valid_error").get(spec)
        header = {"command": f"`python -m benchmarks.curves {shlex.join(args.argv)}`", "git sha": git_sha(),
                  "wall time": f"{(time.time() - started) / 60:.1f} min"
                  + (" (the run had finished before it: drawn again, not trained)" if all(finished_before) else "")}
    status = run.status()
    if status["state"] != "done":
        raise UserError(f"{spec.describe()} did not finish: {status.get('reason', status['state'])}")
    if not rows:
        raise UserError(f"{spec.describe()} recorded no validation curve (trained before curves existed?): "
                        f"delete {RunDir(args.runs_dir, spec).path} to train it again")
    return spec, run.read_record(), rows, header


def draw(figure: Path, rows, title: str, record) -> None:
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.plot([r["epoch"] for r in rows], [r["valid_error"] for r in rows], marker="o", ms=2, lw=1)
    ax.set(xscale="log", yscale="log", xlabel="epoch", ylabel="validation error (%)")
    ax.xaxis.set_major_formatter(PLAIN_NUMBERS)  # epochs 1, 10, 100
    ax.yaxis.set_major_formatter(PLAIN_NUMBERS)
    ax.yaxis.set_minor_formatter(PLAIN_NUMBERS)
    ax.set_title(f"{title}\nfinal test error {record['metrics']['test_error']:.2f}%", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    io.save_figure(figure, fig)
    plt.close(fig)


def page(name: str, title: str, header: dict, record, rows) -> str:
    per_epoch = record["train_wall_time_s"] / len(rows)
    best = min(rows, key=lambda r: r["valid_error"])
    # the model's and the training's settings (one flat dict in records written before they were apart)
    settings = {**record["spec"]["config"], **record["spec"].get("training", {})}
    losses = [k for k in rows[0] if k not in ("epoch", "valid_error", "loss")]  # each phase's mean loss
    table = tabulate([(m, rows[m - 1]["valid_error"], *(rows[m - 1][k] for k in losses)) for m in milestones(len(rows))],
                     headers=["epoch", "validation error (%)", *(f"{k} loss" for k in losses)], tablefmt="github",
                     floatfmt=".3g")
    return "\n".join([
        f"# Learning curve: {title}", "",
        f"- command: {header['command']}",
        f"- git sha: {header['git sha']}", f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- training: {per_epoch:.1f} s per epoch ({record['train_wall_time_s'] / 60:.1f} min in all, "
        f"threads {record.get('threads')}); this command's wall time {header['wall time']}",
        f"- lowest validation error: {best['valid_error']:.2f}% after epoch {best['epoch']}",
        f"- final test error: {record['metrics']['test_error']:.2f}% (read once, after the last epoch); "
        f"validation error {record['metrics']['valid_error']:.2f}%",
        f"- settings: {', '.join(f'{k}={v}' for k, v in sorted(settings.items()))}",
        f"- records: results/records/{name}.jsonl (`--from-records` redraws this page from them alone)", "",
        table, "", f"Figure: figures/{name}.png", ""])


def long_curve(args) -> int:
    started = time.time()
    col = the_column(args)
    name = curve_name(args)
    records = args.records_from or records_path(args.results_dir, name)
    spec, record, rows, header = finished_run(args, col, records, started)
    title = f"{table2.LAYOUT.measured[args.model]}, {col.title}, budget {args.budget}" + \
        (f" with {' '.join(args.overrides)}" if args.overrides else "") + ", trial 0"
    figure = args.results_dir / "figures" / f"{name}.png"
    draw(figure, rows, title, record)
    text = page(name, title, header, record, rows)
    out = args.results_dir / f"{name}.md"
    io.write_text(out, text)
    if not args.from_records:
        export(records, [spec], args.runs_dir, {"header": header, "argv": args.argv, "module": "benchmarks.curves"})
    print(text)
    print(f"wrote {out} and {figure}", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    p = common_parser("benchmarks.curves", __doc__)
    p.add_argument("--model", default="ssaae", help=f"a Table 2 row: {', '.join(table2.LAYOUT.measured)}")
    p.add_argument("--dataset", default="mnist", choices=["mnist", "svhn", "synthetic"],
                   help="synthetic = a tiny stand-in, for tests")
    p.add_argument("--setting", default="100", help="labelled images: 100, 1000 or all")
    p.add_argument("--epochs", type=positive_int, default=100, help="epochs to train (the budget's other settings stay)")
    p.add_argument("--from-records", action="store_true",
                   help="train nothing, read no run directory: redraw from the committed records "
                        "(results/records/curve_long_<...>.jsonl, or --records-from)")
    p.add_argument("--records-from", type=Path, metavar="FILE", help="the records file --from-records reads")
    args = p.parse_args(argv)
    args.argv = argv
    return guarded(p.prog, lambda: long_curve(args))


if __name__ == "__main__":
    sys.exit(main())
