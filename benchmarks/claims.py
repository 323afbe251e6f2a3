"""The paper's claims, checked: which hold, at which budget, with the statistics behind each verdict.

    python -m benchmarks.claims            # writes results/claims.md from the committed records alone

Trains nothing and reads no run directory: every number comes from results/records/<table>.jsonl
(the tables' runs) and results/figures/<figure>.json (the numbers a figure computed).

Verdicts (one-sided Welch t-tests on the per-seed values, Holm-corrected over the page, at 0.05):
  holds          the claimed order or threshold is significant after the correction.
                 A claim of several comparisons holds when every measured one does.
  does not hold  the opposite order is significant after the correction:
                 the data say the claim is wrong at this budget.
  inconclusive   neither order is significant, or a side has fewer than 3 seeds
                 (a single run, such as a 10M-sample evaluation, never "holds").
  not measured   a side has no number: its data are missing ("needs data"),
                 or no records / figure numbers exist yet.
Apart from the claims, each cell with a paper number "matches the paper" when the paper's value
lies inside our 95% interval for the mean (or ours within the paper's own ±); else the signed gap.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from tabulate import tabulate

from aae import io
from aae.reporting.claims import (ALPHA, MIN_SEEDS, VERDICTS, Claim, Comparison, Quantity, Sample, claim_verdict, match,
                        judge_comparisons)
from aae.errors import UserError
from aae.experiment.records import records_path
from aae.experiment.spec import JobSpec
from aae.models.registry import get_model
from aae.provenance import git_sha
from aae.reporting.tables import paper_mean
from benchmarks import dimreduction, table1, table2, table3

LAYOUTS = {"table1": table1.LAYOUT, "table2": table2.LAYOUT, "table3": table3.BENCHMARK.layout,
           "dimreduction": dimreduction.LAYOUT}
FIGURE_COMMANDS = {"figure2": "python -m benchmarks.figures --figures 2", "figure4": "python -m benchmarks.figures --figures 4",
                   "figure7": "python -m benchmarks.figure7"}


def cell(page: str, row: str, column: str, label: str) -> Quantity:
    return Quantity(page, row, column, label)


def detail(page: str, row: str, column: str, metric: str, label: str) -> Quantity:
    """A cell's other number, per seed (a detail beside it on the page)."""
    return Quantity(page, row, column, label, metric)


def figure_number(figure: str, key: str, label: str) -> Quantity:
    return Quantity(figure, "", key, label)


def constant(value: float, label: str) -> Quantity:
    """A fixed threshold (chance, a multiple of a prior's scale)."""
    return Quantity("", "", repr(value), label)


def lower(a: Quantity, b: Quantity) -> Comparison:
    return Comparison(a, b, higher=False)


def higher(a: Quantity, b: Quantity) -> Comparison:
    return Comparison(a, b, higher=True)


T1, T2, T3, S7 = "table1", "table2", "table3", "dimreduction"
AAE_10K, AAE_10M = cell(T1, "aae", "MNIST (10K)", "AAE 10K"), cell(T1, "aae", "MNIST (10M)", "AAE 10M")
GAN_10K, GAN_10M = cell(T1, "gan", "MNIST (10K)", "GAN 10K"), cell(T1, "gan", "MNIST (10M)", "GAN 10M")
GMMN_10K, VAE_10K = cell(T1, "gmmn_ae", "MNIST (10K)", "GMMN+AE 10K"), cell(T1, "vae", "MNIST (10K)", "VAE 10K")
T2_SETTINGS = ("MNIST (100)", "MNIST (1000)", "MNIST (All)", "SVHN (1000)")
UNSUPERVISED_7 = f"MNIST (Unsupervised, {dimreduction.UNSUPERVISED_CLUSTERS} clusters)"

# The claims, declared once. Each says what the paper states (in our words), where, and which
# numbers decide it.
CLAIMS = (
    Claim("table1-aae-best", "The AAE's Parzen log-likelihood is the highest of the trained models", "Table 1",
          tuple(higher(AAE_10K, other) for other in (VAE_10K, GMMN_10K, GAN_10K))),
    Claim("table1-order", "The order AAE > GMMN+AE > GAN", "Table 1",
          (higher(AAE_10K, GMMN_10K), higher(GMMN_10K, GAN_10K))),
    Claim("table1-10m", "10M samples give a higher estimate than 10K (AAE and GAN)", "Table 1",
          (higher(AAE_10M, AAE_10K), higher(GAN_10M, GAN_10K))),
    Claim("table1-beats-memorising", "The AAE scores above the training images themselves (a model that memorises)",
          "Table 1, our sanity row", (higher(AAE_10K, cell(T1, "training_images", "MNIST (10K)", "training images")),)),
    Claim("figure2-gaussian", "The AAE's codes match the N(0, I) prior better than the VAE's (energy distance)",
          "Figure 2", (lower(figure_number("figure2", "gaussian AAE energy distance", "AAE"),
                             figure_number("figure2", "gaussian VAE energy distance", "VAE")),)),
    Claim("figure2-mixture", "The AAE's codes match the mixture-of-10-Gaussians prior better than the VAE's",
          "Figure 2", (lower(figure_number("figure2", "mixture AAE energy distance", "AAE"),
                             figure_number("figure2", "mixture VAE energy distance", "VAE")),)),
    Claim("figure4-own-part", "Label-conditioned codes fall in their own digit's part of the prior (above chance)",
          "Figure 4", tuple(higher(figure_number("figure4", f"{p} share in own part", p), constant(0.1, "chance"))
                            for p in ("mixture", "swissroll"))),
    Claim("figure7-style", "The supervised AAE's decoded digits carry their column's label (judge agreement above "
          "chance)", "Figure 7", (higher(figure_number("figure7", "judge agreement", "agreement"),
                                         constant(0.1, "chance")),)),
    Claim("table2-beats-nn", "The AAE's error is below the NN baseline's in every setting", "Table 2",
          tuple(lower(cell(T2, "ssaae", s, f"AAE {s}"), cell(T2, "nn_baseline", s, f"NN {s}")) for s in T2_SETTINGS)),
    Claim("table2-beats-m2", "The AAE's error is below VAE (M2)'s in every setting both were measured in", "Table 2",
          tuple(lower(cell(T2, "ssaae", s, f"AAE {s}"), cell(T2, "m2", s, f"M2 {s}")) for s in T2_SETTINGS[:2])),
    Claim("table3-more-clusters", "30 clusters give a lower clustering error than 16", "Table 3",
          (lower(cell(T3, "clustering_aae:30", "MNIST (Unsupervised)", "30 clusters"),
                 cell(T3, "clustering_aae:16", "MNIST (Unsupervised)", "16 clusters")),)),
    Claim("section7-10d-beats-2d", "The 10-D representation has a lower error than the 2-D one at 100 labels",
          "Section 7", (lower(cell(S7, "dimred_aae:10", "MNIST (100)", "10-D"),
                              cell(S7, "dimred_aae:2", "MNIST (100)", "2-D")),)),
    Claim("section7-style-at-prior", "With cluster heads, the 2-D style stays at its prior's scale (std at most 2x "
          "the prior's, validation images after the last epoch)", "Section 7, Figure 11",
          tuple(lower(detail(S7, "dimred_aae:2", s, "match_z_std_ratio", f"2-D style std / prior's, {s}"),
                      constant(2.0, "2x")) for s in ("MNIST (1000)", "MNIST (100)"))),
)


class Numbers:
    """Every quantity's sample, read once per page from the committed files."""

    def __init__(self, results_dir: Path):
        self.results_dir = results_dir
        self.cells: dict[tuple[str, str], dict] = {}  # (page, metric) -> its samples
        self.figures: dict[str, dict] = {}
        self.budgets: dict[str, str] = {}

    def sample(self, q: Quantity) -> Sample:
        if not q.page:
            return Sample([float(q.column)], constant=True)
        if q.page in LAYOUTS:
            return self.table(q.page, q.metric).get((q.row, q.column)) or Sample([], missing="no records")
        numbers = self._figure(q.page)
        if numbers is None:
            return Sample([], missing=f"not measured: no results/figures/{q.page}.json (run `{FIGURE_COMMANDS[q.page]}`)")
        value = numbers.get(q.column)
        values = value if isinstance(value, list) else [] if value is None else [value]
        return Sample([float(v) for v in values], missing="" if values else f"{q.page}.json has no {q.column!r}")

    def _figure(self, figure: str) -> dict | None:
        if figure not in self.figures:
            path = self.results_dir / "figures" / f"{figure}.json"
            try:
                content = json.loads(path.read_text())
            except FileNotFoundError:
                content = None
            except ValueError:
                raise UserError(f"{path} is damaged (not JSON); draw the figure again") from None
            self.figures[figure] = content
            if content:
                self.budgets[figure] = content.get("budget", "?")
        return self.figures[figure]["numbers"] if self.figures[figure] else None

    def table(self, page: str, metric: str = "") -> dict:
        if (page, metric) not in self.cells:
            self.cells[page, metric] = table_samples(records_path(self.results_dir, page), LAYOUTS[page], metric)
            meta = read_meta(records_path(self.results_dir, page))
            self.budgets[page] = meta["header"].get("budget", "?") if meta else "no records"
        return self.cells[page, metric]


def read_meta(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text().splitlines()[0])["meta"]
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, IndexError):
        raise UserError(f"records file {path} is damaged; regenerate it by running the table") from None


def table_samples(path: Path, layout, metric: str = "") -> dict[tuple[str, str], Sample]:
    """(row, column title) -> the per-seed values of the finished runs of a committed table (the
    cell's own metric, or `metric`: from the run's metrics, else its last curve point); a column
    whose data were missing holds "needs data: <file>"."""
    meta = read_meta(path)
    if meta is None:
        return {}
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for line in path.read_text().splitlines()[1:]:
        entry = json.loads(line)
        if entry["status"].get("state") != "done":
            continue
        record = entry["record"]
        spec = JobSpec.from_dict(record["spec"])
        found = {**(entry.get("history") or [{}])[-1], **record["metrics"]}
        for col in layout.columns:
            key = metric or col.metric or layout.metric
            if col.reads(spec) and key in found:
                values[spec.row, col.title].append(float(found[key]))
    out = {k: Sample(v, constant=get_model(k[0].partition(":")[0]).cls.one_trial)
           for k, v in values.items()}
    for col in layout.columns:
        if col.dataset in meta.get("missing", {}):
            for row in layout.measured:
                out.setdefault((row, col.title), Sample([], missing=meta["missing"][col.dataset]))
    return out


def claims_table(numbers: Numbers):
    pairs = [(c, numbers.sample(c.first), numbers.sample(c.second)) for claim in CLAIMS for c in claim.comparisons]
    tested = judge_comparisons(pairs)
    by_comparison = iter(tested)
    rows, verdicts, changed = [], [], []
    for claim in CLAIMS:
        mine = [next(by_comparison) for _ in claim.comparisons]
        verdict = claim_verdict([t.verdict for t in mine])
        uncorrected = claim_verdict([t.verdict_uncorrected for t in mine])
        verdicts.append(verdict)
        if verdict != uncorrected:
            changed.append(f"`{claim.id}`: {uncorrected} without the correction, {verdict} with it")
        budget = ", ".join(sorted({numbers.budgets.get(q.page, "?") for t in mine
                                   for q in (t.comparison.first, t.comparison.second) if q.page}))
        rows.append([f"`{claim.id}`", f"{claim.statement} ({claim.where})",
                     "<br>".join(_comparison_text(t) for t in mine), f"**{verdict}**", budget, claim.comparable_at])
    return rows, verdicts, changed, len([t for t in tested if t.p is not None])


def _comparison_text(t) -> str:
    sign = ">" if t.comparison.higher else "<"
    first, second = t.comparison.first.label, t.comparison.second.label
    if t.why_untested == "not measured":
        return f"{first} {sign} {second}: {t.first.missing or t.second.missing}"
    text = f"{first} {t.first.text()} {sign} {second} {t.second.text()}: "
    if t.p is None:
        return text + t.why_untested
    effect = float(np.mean(t.first.values) - np.mean(t.second.values))
    return text + f"difference {effect:+.3g}, p {t.p:.2g}, Holm {t.p_holm:.2g} ({t.verdict})"


def matches_table(numbers: Numbers) -> list[list]:
    rows = []
    for page, layout in LAYOUTS.items():
        for (row, column), sample in sorted(numbers.table(page).items()):
            paper_text = layout.paper.get(layout.measured.get(row, ""), {}).get(column)
            paper = paper_mean(paper_text)
            if paper is None or not sample.values:
                continue
            sd = paper_mean(paper_text.split("±")[1]) if "±" in paper_text else None
            m = match(sample, paper, sd)
            interval = f"[{m.interval[0]:.2f}, {m.interval[1]:.2f}]" if m.interval else "1 run: no interval"
            rows.append([page, layout.measured[row], column, sample.text(), interval, paper_text,
                         "matches" if m.matches else f"gap {m.gap:+.2f}"])
    return rows


def summary_line(verdicts: list[str], budgets: set[str]) -> str:
    counts = {v: verdicts.count(v) for v in VERDICTS}
    return (f"{counts['holds']} of {len(verdicts)} claims hold at the {'/'.join(sorted(budgets))} budget; "
            f"{counts['does not hold']} do not hold, {counts['inconclusive']} are inconclusive, "
            f"{counts['not measured']} not measured.")


def build_page(results_dir: Path) -> tuple[str, str]:
    numbers = Numbers(results_dir)
    rows, verdicts, changed, n_tests = claims_table(numbers)
    matches = matches_table(numbers)
    table_budgets = {b for p, b in numbers.budgets.items() if p in LAYOUTS and b != "no records"}
    summary = summary_line(verdicts, table_budgets or {"?"})
    n_match = sum(r[-1] == "matches" for r in matches)
    lines = ["# The paper's claims, checked", "",
             "Generated by `aae-bench` from the committed records alone; do not edit by hand: re-run the command "
             "below to change it.", "",
             tabulate([["command", "`python -m benchmarks.claims`"], ["git sha", git_sha()],
                       ["date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")],
                       ["read", ", ".join(f"{p} ({b} budget)" for p, b in sorted(numbers.budgets.items()))]],
                      headers=["", ""], tablefmt="github"), "",
             f"**{summary}**", "",
             f"Each comparison is a one-sided Welch t-test on the per-seed values (a one-sample t-test against a "
             f"constant: chance, a threshold, or a row that no seed changes), at a significance level of {ALPHA}. "
             f"The page makes {n_tests} such tests, so their p-values are Holm-corrected together and the verdicts "
             f"use the corrected ones. A side with fewer than {MIN_SEEDS} seeds (one run, such as a 10M-sample "
             "evaluation or a figure's single model) makes a comparison inconclusive, never \"holds\". Verdicts "
             "are at the budget the runs were made with; the paper's numbers are comparable only at its own "
             "budget (`paper`). `python -m benchmarks.claims --help` explains the verdicts.", "",
             "## Claims", "",
             tabulate(rows, headers=["id", "the paper's claim (where)", "comparisons: ours, difference of means, p (raw, Holm)", "verdict",
                                     "budget", "comparable at"], tablefmt="github", disable_numparse=True), "",
             "Verdicts the Holm correction changed: " + ("; ".join(changed) if changed else "none") + ".", "",
             "## Our numbers beside the paper's", "",
             f"{n_match} of {len(matches)} measured cells with a paper number match it: the paper's value lies in our "
             "95% t-interval for the mean, or our mean within the paper's own ±. A claim can hold while its numbers "
             "are far from the paper's.", "",
             tabulate(matches, headers=["page", "row", "column", "ours", "95% interval", "paper", "matches the paper?"],
                      tablefmt="github", disable_numparse=True), ""]
    return "\n".join(lines), summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks.claims", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results-dir", type=Path, default=Path("results"),
                   help="where records/ and figures/ are read and claims.md is written")
    args = p.parse_args(argv)
    try:
        page, summary = build_page(args.results_dir)
        out = args.results_dir / "claims.md"
        io.write_text(out, page)
    except UserError as e:
        print(f"benchmarks.claims: error: {e}", file=sys.stderr)
        return 2
    print(page)
    print(f"{summary}\nwrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
