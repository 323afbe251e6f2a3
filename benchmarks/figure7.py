"""Figure 7: the supervised AAE of section 4 separates style from digit.

    python -m benchmarks.figure7 --budget cpu

Trains one supervised AAE on MNIST with every label (or reuses the finished run), then decodes
a grid: each row keeps one style z drawn from the prior, the columns run through the digits 0-9.
Writes results/figures/figure7.png.
"""
from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from aae import io  # noqa: E402
from aae.cli import figure_parser, guarded, prepare_figure_run  # noqa: E402
from aae.results import Column  # noqa: E402
from aae.train import load_trained  # noqa: E402
from benchmarks.specs import grid  # noqa: E402

N_STYLES = 10


def make_specs(budget: str, dataset: str, overrides: list[str]):
    return grid("figure7", models=["supervised_aae"], columns=[Column(dataset, "all", "all")], seeds=1,
                budget=budget, overrides=overrides, evals=())


def plot(images: torch.Tensor, image_shape, n_classes: int, title: str, path) -> None:
    h, w = image_shape[-2:]
    fig, axes = plt.subplots(N_STYLES, n_classes, figsize=(n_classes * 0.8, N_STYLES * 0.8 + 0.6))
    for i, ax in enumerate(axes.flat):
        ax.imshow(images[i].reshape(h, w).cpu().numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        row, col = divmod(i, n_classes)
        if row == 0:
            ax.set_title(str(col), fontsize=9)
        if col == 0:
            ax.set_ylabel(f"z{row + 1}", fontsize=8, rotation=0, labelpad=10)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    io.save_figure(path, fig)
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser("benchmarks.figure7", __doc__)
    args = parser.parse_args(argv)
    return guarded(parser.prog, lambda: draw(args))


def draw(args) -> int:
    [spec] = prepare_figure_run(args, lambda: make_specs(args.budget, args.dataset, args.overrides))
    model, data = load_trained(spec, args.runs_dir, args.data_dir)
    images = model.style_grid(N_STYLES, torch.Generator().manual_seed(spec.seed))
    out = args.results_dir / "figures" / "figure7.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    plot(images, data.image_shape, data.n_classes,
         f"Supervised AAE ({data.name}, budget {args.budget}, {spec.config.epochs} epochs): "
         "each row one style z ~ N(0, I), columns = digit label", out)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
