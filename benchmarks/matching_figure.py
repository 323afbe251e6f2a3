"""A table's matching curves: how well each AAE run's codes fit their priors after every epoch
(the `matching` curve, aae/eval/matching.py), one panel per measure and column, one line per run.
The final values are printed too, as means over the runs of each row."""
from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from aae import io  # noqa: E402
from aae.experiment.run_dir import histories  # noqa: E402
from benchmarks.learning_curves import shared_legend, wrapped_title  # noqa: E402

# key -> axis label, in the order the panels are drawn (a measure no run recorded is left out)
MEASURES = {
    "match_y_entropy": "q(y) usage entropy (1 = uniform)",
    "match_y_empty": "empty categories (validation)",
    "match_y_disc_acc": "D_y accuracy (0.5 = matched)",
    "match_z_energy": "z energy distance to prior",
    "match_z_std_ratio": "z std / prior std (1 = matched)",
    "match_z_disc_acc": "D_z accuracy (0.5 = matched)",
}


def plot_matching(args, specs, columns, *, titles: dict, name: str, title: str) -> None:
    """results/figures/matching_<name>.png from the finished runs among `specs` that recorded
    the matching curve; nothing when none did (runs made before it, or no AAE row)."""
    logs = {(key, col): histories([s for s in specs if col.reads(s)], args.runs_dir, key)
            for key in MEASURES for col in columns}
    keys = [k for k in MEASURES if any(logs[(k, c)] for c in columns)]
    panels = [c for c in columns if any(logs[(k, c)] for k in keys)]
    if not keys:
        return
    # constrained layout keeps the title, the panels' titles and the legend below them apart
    fig, axes = plt.subplots(len(keys), len(panels), figsize=(4.2 * len(panels), 2.6 * len(keys)), squeeze=False,
                             layout="constrained")
    colours = {row: f"C{i}" for i, row in enumerate(dict.fromkeys(s.row for s in specs))}
    for i, key in enumerate(keys):
        for j, col in enumerate(panels):
            ax = axes[i][j]
            for spec, rows in logs[(key, col)].items():
                ax.plot([r["epoch"] for r in rows], [r[key] for r in rows], color=colours[spec.row], lw=1,
                        alpha=0.8, marker="o", ms=2, label=titles.get(spec.row, spec.row))
            if key.endswith("disc_acc"):
                ax.axhline(0.5, color="grey", lw=0.8, ls="--")
            ax.set_title(col.title, fontsize=9)
            ax.set_xlabel("epoch", fontsize=8)
            ax.set_ylabel(MEASURES[key], fontsize=8)
            ax.tick_params(labelsize=7)
            _print_final(key, col, logs[(key, col)], titles)
    wrapped_title(fig, f"{title}: the codes against their priors after every epoch, validation images, one line "
                       f"per seed (budget {args.budget})")
    shared_legend(fig, axes, len(panels))
    path = args.results_dir / "figures" / f"matching_{name}.png"
    io.save_figure(path, fig)
    plt.close(fig)
    print(f"wrote {path}", file=sys.stderr)


def _print_final(key: str, col, panel: dict, titles: dict) -> None:
    finals: dict[str, list[float]] = {}
    for spec, rows in panel.items():
        finals.setdefault(titles.get(spec.row, spec.row), []).append(rows[-1][key])
    for row, values in finals.items():
        print(f"matching, {col.title}, {row}: final {key} {sum(values) / len(values):.3f} "
              f"(mean of {len(values)} run{'s' * (len(values) > 1)})", file=sys.stderr)
