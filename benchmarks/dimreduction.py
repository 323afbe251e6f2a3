"""Section 7: dimensionality reduction with adversarial autoencoders (Figure 11).

    python -m benchmarks.dimreduction --seeds 5 --budget cpu --workers 2

The semi-supervised AAE of section 5 whose decoder reads an n-D representation W_c·y + z: y is
q(y|x) (one category per class with labels, 20 clusters without), W_c holds one learned cluster
head per category, every pair of heads closer than eta is penalised, and z is a style with a
Gaussian prior. The paper's four settings: 2-D with 1000 labels, 2-D with 100 labels, 2-D with 20
clusters and no label, 10-D with 100 labels. Errors: with labels, the test error of argmax
q(y|x), as in Table 2; without, Table 3's clustering error (each cluster takes the label of its
most confident validation image). Every run records its validation score after every epoch
(classification error, or the clustering error within the validation images), drawn as
results/figures/curves_dimreduction.png. Writes results/dimreduction.md, then Figure 11
(results/figures/figure11.png): the test images' representations coloured by digit, from
trial 0 of each cell (the 10-D one projected to 2-D by PCA: the paper does not say how).
"""
from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from aae import io  # noqa: E402
from aae.eval import EVALUATIONS  # noqa: E402
from aae.experiment.run_dir import RunDir  # noqa: E402
from aae.experiment.train import load_trained  # noqa: E402
from aae.reporting.tables import STYLE_WIDTH, USAGE_ENTROPY, Column, Detail, TableLayout  # noqa: E402
from benchmarks.figure_numbers import write_figure_numbers  # noqa: E402
from benchmarks.learning_curves import plot_learning_curves  # noqa: E402
from benchmarks.matching_figure import plot_matching  # noqa: E402
from benchmarks.specs import grid  # noqa: E402
from benchmarks.table_command import Benchmark, benchmark_main  # noqa: E402

UNSUPERVISED_CLUSTERS = 20  # the paper's unsupervised setting
# Without labels, section 6's clustering recipe (docs/PAPER.md's layers, u, and the clustering AAE's
# cpu adversarial rate): on ten synthetic classes (400 updates) the semi-supervised recipe put
# every image in one of the 20 clusters (error 90%, NMI 0, also after 1000 updates); this one
# gave 60% and NMI 0.69. (Its rate is not chosen on MNIST: no clustering score of validation
# images alone exists here yet.)
UNSUPERVISED_RECIPE = {"input_noise": 0.0, "input_dropout": 0.2, "encoder_batch_norm": True, "adv_lr": 0.001}
# The 2-D row's adversarial match (ours; issue 31): the cpu budget's rate 2e-4 left the 2-D style 30x
# (1000 labels) and 140x (100 labels) wider than its N(0, 0.25^2) prior, so the cluster heads hardly
# shaped Figure 11. A rate of 1e-3 with Gaussian noise of std 0.3 on the discriminators' inputs
# brought it to 0.89-0.98x, chosen on validation images, 5 seeds, paired against the rate alone:
# 1000 labels 6.98 ± 0.42 against 6.69 ± 0.68 % (+0.29, se 0.40), 100 labels 24.27 ± 1.61 against
# 25.05 ± 2.10 (-0.78, se 0.54), 20 clusters 43.06 ± 5.09 against 56.70 (validation clustering
# error). The 10-D row keeps the rate alone: with this, its trials 0 and 1 scored 15.47 and 18.47
# against 8.11 and 11.72. The unsupervised cell at adv_lr 3e-3 (noise kept; 5 seeds, 12 epochs): a
# closer categorical match (1.6 empty categories against 2.8, D_y's accuracy 0.53-0.56 against
# 0.53-0.59) and a worse validation clustering error, 47.38 ± 3.90 against 43.06 ± 5.08 (paired
# +4.32, se 2.40): not taken, as for Table 3 (benchmarks/recipes.py).
TWO_D_MATCH = {"adv_lr": 0.001, "disc_noise": 0.3}
N_POINTS = 10_000  # test images per scatter plot (all of MNIST's test set)

COLUMNS = (
    Column("mnist", "1000", "MNIST (1000)", details=(STYLE_WIDTH,)),
    Column("mnist", "100", "MNIST (100)", details=(STYLE_WIDTH,)),
    Column("mnist", "none", f"MNIST (Unsupervised, {UNSUPERVISED_CLUSTERS} clusters)", metric="cluster_error",
           details=(Detail("NMI", "nmi"), Detail("empty", "empty_clusters"), USAGE_ENTROPY, STYLE_WIDTH)),
)
SYNTHETIC_COLUMNS = (
    Column("synthetic", "100", "synthetic (100)", details=(STYLE_WIDTH,)),
    Column("synthetic", "none", "synthetic (Unsupervised)", metric="cluster_error",
           details=(Detail("NMI", "nmi"), Detail("empty", "empty_clusters"), USAGE_ENTROPY, STYLE_WIDTH)),
)

PAPER = {
    "Adversarial Autoencoder, 2-D representation": {
        "MNIST (1000)": "4.20", "MNIST (100)": "6.08", f"MNIST (Unsupervised, {UNSUPERVISED_CLUSTERS} clusters)": "13.95"},
    "Adversarial Autoencoder, 10-D representation": {"MNIST (100)": "3.90"},
}
ROWS = {"dimred_aae:2": "Adversarial Autoencoder, 2-D representation",
        "dimred_aae:10": "Adversarial Autoencoder, 10-D representation"}

LAYOUT = TableLayout(
    name="dimreduction",
    title="Section 7 (Figure 11): error (%) of the dimensionality-reducing AAE on the MNIST test set, lower is better",
    metric="test_error",
    columns=COLUMNS,
    paper=PAPER,
    measured=ROWS,
    notes=("The paper's claims this table feeds (ids `section7-…`) are tested, with their statistics, in "
           "results/claims.md.",
           "Representation: W_c·y + z in n dimensions (n = 2 or 10), y = q(y|x), W_c the learned cluster heads "
           "(one per category), z the style; the decoder reads only this representation. Every pair of heads "
           "closer than eta is penalised (eta - distance, zero beyond eta). Ours, as the paper gives none: eta = 1, "
           "style prior N(0, 0.25^2 I), heads initialised from N(0, eta^2 I).",
           "With labels: test error of argmax q(y|x) from the final model, as in Table 2 (class-balanced labelled "
           "subsets drawn per trial). Unsupervised: 20 categories, no label, scored with Table 3's clustering error "
           "(each cluster takes the label of the validation image that maximises q(y_i|x)); details as in Table 3. "
           "The unsupervised cell's config is the row's with n_clusters=20 and section 6's layer recipe: "
           "input_noise=0, input_dropout=0.2, encoder_batch_norm=true, adv_lr=0.001 (with the semi-supervised "
           "recipe every image fell in one cluster on synthetic data).",
           "The 2-D row's adversarial phase (ours, issue 31): adv_lr=0.001 and Gaussian noise of std 0.3 on both "
           "discriminators' inputs (disc_noise=0.3), chosen on validation images so the style matches its prior "
           "(at the 10-D row's adv_lr=0.0002 the 2-D style was 30-140x wider than its prior); the 10-D row keeps "
           "0.0002 (the match hurt its validation error).",
           "Figure 11 (results/figures/figure11.png): the representations of the test images, trial 0 of each cell; "
           "the 10-D one projected to 2-D by PCA."),
)


def variant_changes(variant: str, col: Column) -> dict:
    """A row's representation size (and the 2-D row's match), and the unsupervised column's
    clusters and recipe."""
    match = TWO_D_MATCH if variant == "2" else {}
    unsupervised = {"n_clusters": UNSUPERVISED_CLUSTERS, **UNSUPERVISED_RECIPE} if col.setting == "none" else {}
    return {"z_dim": int(variant), **match, **unsupervised}


def make_specs(*, models, columns, seeds, budget, overrides):
    specs = []
    for row in models:
        model, _, variant = row.partition(":")
        for col in columns:
            evaluation, curve = scored_by(col)
            specs += grid("dimreduction", models=[model], columns=[col], seeds=seeds, budget=budget,
                          overrides=overrides, changes=variant_changes(variant, col), evals=(evaluation,),
                          variant=variant, curve=(curve,))
    return specs


def scored_by(col: Column) -> tuple[str, str]:
    """A column's evaluation and learning curve: Table 3's clustering scores without labels,
    Table 2's classification error with them."""
    return ("clustering", "valid_clustering") if col.setting == "none" else ("classification", "valid_error")


def plot_curves(args, specs, columns) -> None:
    """Validation scores after every epoch (never the test set): the reader sees whether a cell
    has converged at the budget."""
    plot_learning_curves(args, specs, columns,
                         key=lambda c: EVALUATIONS[scored_by(c)[1]].keys()[0],  # the score the curve records
                         ylabel=lambda c: f"validation {'clustering ' if scored_by(c)[0] == 'clustering' else ''}"
                                          "error (%)",
                         titles=ROWS, name="curves_dimreduction",
                         title="Section 7: validation error after every epoch", log_scale=True)
    plot_matching(args, specs, columns, titles=ROWS, name="dimreduction", title="Section 7")


def after_table(args, specs, columns) -> None:
    plot_curves(args, specs, columns)
    figure11(args, specs, columns)


def figure11(args, specs, columns) -> None:
    """One panel per measured cell, from its trial 0; a cell without a finished run says so."""
    panels = [(s, c) for c in columns for s in specs
              if s.trial == 0 and c.reads(s) and LAYOUT.measures(s.row, c)]
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.9), squeeze=False)
    numbers = {}
    for ax, (spec, col) in zip(axes[0], panels):
        title = f"{spec.config.z_dim}-D, {col.title}"
        run = RunDir(args.runs_dir, spec)
        if not run.is_done():
            _empty_panel(ax, f"{title}\n(no finished run)")
            continue
        missing = run.missing_weights()
        if missing:  # the page stands; the panel says why it is empty
            print(f"Figure 11, {title}: not drawn: {missing}", file=sys.stderr)
            _empty_panel(ax, f"{title}\n(restored from the records without its weights)")
            continue
        model, data = load_trained(spec, args.runs_dir, args.data_dir)
        x, y = data.floats("test")[:N_POINTS], data.labels("test")[:N_POINTS].numpy()
        codes = model.codes(x.to(model.device)).float().cpu().numpy()
        heads = model.nets["heads"].weight.T.detach().float().cpu().numpy()
        how = ""
        if codes.shape[1] > 2:  # the paper's 10-D panel is shown in 2-D; it does not say how, PCA here
            pca = PCA(2).fit(codes)
            codes, heads, how = pca.transform(codes), pca.transform(heads), " (PCA)"
        error = run.read_record()["metrics"].get(col.metric or LAYOUT.metric, float("nan"))
        closest = float(model.head_distances().min())
        with torch.no_grad():
            style = float(model.encode(x.to(model.device), noisy=False)[1].std(0).mean())
        numbers[f"{spec.config.z_dim}-D {col.title} style std"] = style
        numbers[f"{spec.config.z_dim}-D {col.title} closest heads"] = closest
        ax.scatter(codes[:, 0], codes[:, 1], c=y, cmap="tab10", vmin=-0.5, vmax=9.5, s=1, alpha=0.5, rasterized=True)
        ax.scatter(heads[:, 0], heads[:, 1], c="black", marker="x", s=25, linewidths=1)
        ax.set_title(f"{title}{how}\nerror {error:.2f}%, closest heads {closest:.2f} (eta {spec.config.head_eta:g}),\n"
                     f"style std {style:.2f} (prior {spec.config.style_std:g})", fontsize=8)
        print(f"Figure 11, {title}: test error {error:.2f}%, closest heads {closest:.2f} (eta "
              f"{spec.config.head_eta:g}), style std {style:.2f} (its prior's {spec.config.style_std:g})")
        ax.set_aspect("equal", "datalim")
        ax.tick_params(labelsize=7)
    fig.suptitle(f"Figure 11: representations W_c·y + z of the test images, coloured by digit; x = cluster heads "
                 f"(budget {args.budget}, trial 0)", fontsize=9)
    fig.tight_layout()
    path = args.results_dir / "figures" / "figure11.png"
    io.save_figure(path, fig)
    plt.close(fig)
    write_figure_numbers(args.results_dir, "figure11", args.budget, [s for s, _ in panels], numbers)
    print(f"wrote {path}", file=sys.stderr)


def _empty_panel(ax, title: str) -> None:
    ax.set_title(title, fontsize=8)
    ax.axis("off")


BENCHMARK = Benchmark(prog="benchmarks.dimreduction", description=__doc__, layout=LAYOUT, make_specs=make_specs,
                      synthetic_columns=SYNTHETIC_COLUMNS, after_table=after_table)


def main(argv=None) -> int:
    return benchmark_main(argv, BENCHMARK)


if __name__ == "__main__":
    sys.exit(main())
