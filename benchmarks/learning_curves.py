"""A table's learning curves in one figure: one panel per column, one line per run, a colour
per row, read from the runs' metric logs (the scores `JobSpec.curve` records after every epoch)."""
from __future__ import annotations

import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from aae import io  # noqa: E402
from aae.experiment.run_dir import histories  # noqa: E402

PLAIN_NUMBERS = FuncFormatter(lambda v, _: f"{v:g}")  # log-axis ticks as 20, 30, not 2 x 10^1
TITLE_CHARS_PER_INCH = 14  # at fontsize 9, with a margin


def wrapped_title(fig, text: str) -> None:
    """The figure's title, wrapped to its width: on a one-panel figure a one-line title ran past
    both edges and was cut."""
    fig.suptitle(textwrap.fill(text, int(fig.get_figwidth() * TITLE_CHARS_PER_INCH)), fontsize=9)


def shared_legend(fig, axes, n_columns: int) -> None:
    """One legend for the figure, below its panels (the figure needs layout="constrained"): every
    panel shares the rows' colours, and a legend inside a panel covered its lines. One entry per
    label, however many lines carry it; one column of entries per column of panels, so a one-panel
    figure stacks them."""
    handles = {label: line for ax in axes.flat for line, label in zip(*ax.get_legend_handles_labels())}
    fig.legend(handles.values(), handles.keys(), loc="outside lower center",
               ncols=max(1, min(len(handles), n_columns)), fontsize=8)


def plot_learning_curves(args, specs, columns, *, key, ylabel, titles: dict, name: str, title: str,
                         log_scale: bool = False) -> None:
    """results/figures/<name>.png from the finished runs among `specs` that recorded `key`.
    `key` and `ylabel`: one for every panel, or a function of the column (a table whose columns
    score differently: section 7's classification and clustering columns)."""
    key_of = key if callable(key) else lambda _: key
    ylabel_of = ylabel if callable(ylabel) else lambda _: ylabel
    logs = {col: histories([s for s in specs if col.reads(s)], args.runs_dir, key_of(col)) for col in columns}
    panels = [c for c in columns if logs[c]]
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False, layout="constrained")
    colours = {row: f"C{i}" for i, row in enumerate(dict.fromkeys(s.row for s in specs))}
    for ax, col in zip(axes[0], panels):
        key, panel = key_of(col), logs[col]
        for spec, rows in panel.items():
            ax.plot([r["epoch"] for r in rows], [r[key] for r in rows], color=colours[spec.row], lw=1, alpha=0.8,
                    marker="o", ms=2, label=titles.get(spec.row, spec.row))
        ax.set_title(col.title, fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel(ylabel_of(col), fontsize=8)
        if log_scale and all(r[key] > 0 for rows in panel.values() for r in rows):
            ax.set_yscale("log")  # small errors stay readable; a stand-in's 0% would not plot
            ax.yaxis.set_major_formatter(PLAIN_NUMBERS)
            ax.yaxis.set_minor_formatter(PLAIN_NUMBERS)
        ax.tick_params(labelsize=7)
    wrapped_title(fig, f"{title}, one line per seed (budget {args.budget})")
    shared_legend(fig, axes, len(panels))
    path = args.results_dir / "figures" / f"{name}.png"
    io.save_figure(path, fig)
    plt.close(fig)
    print(f"wrote {path}", file=sys.stderr)
