"""The paper's claims as data, and their verdicts from measured numbers (benchmarks/claims.py
declares them; results/claims.md shows them).

A claim is one or more comparisons ("the AAE's error is lower than the NN baseline's at MNIST
(100)"), each between two measured quantities: a cell of a committed table (its per-seed values)
or a number a figure wrote. Each comparison is a one-sided Welch t-test (scipy) in the claimed
direction; the p-values of every comparison on the page are Holm-corrected together, since the
page is many tests. A comparison

  holds           when its corrected p is below ALPHA;
  does not hold   when the opposite one-sided test's corrected p is below ALPHA (the data show the
                  other order);
  inconclusive    otherwise, and always when a side has fewer than MIN_SEEDS seeds (a row that no
                  seed changes, such as Table 1's training images, is a constant, not a sample);
  not measured    when a side has no number ("needs data", no records, a figure never drawn).

A claim of several comparisons holds when every measured one holds, does not hold when any does
not, is not measured when none is measured, and is inconclusive otherwise.

Apart from the claims, every cell with a paper number "matches the paper" when the paper's value
lies inside our 95% t-interval for the mean, or our mean lies within the paper's own ± of it;
otherwise the page shows the signed gap. A claim can hold while its numbers are far from the paper's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

ALPHA = 0.05
MIN_SEEDS = 3
VERDICTS = ("holds", "does not hold", "inconclusive", "not measured")


@dataclass(frozen=True)
class Quantity:
    """A measured number: a table cell (`page`, `row`, `column` title) or a figure's number
    (`page` = the figure's JSON, `column` = its key). `label` is how the page names it. `metric`:
    a cell's other number per seed instead of its own, e.g. a detail such as the style's width
    (a key of the run's metrics, else of its last curve point)."""

    page: str
    row: str
    column: str
    label: str
    metric: str = ""


@dataclass(frozen=True)
class Comparison:
    """`first` is claimed above `second` (`higher=True`) or below it (`higher=False`)."""

    first: Quantity
    second: Quantity
    higher: bool


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str  # the paper's statement, in our words
    where: str  # the paper's section, table or figure
    comparisons: tuple[Comparison, ...]
    comparable_at: str = "paper"  # the budget at which our numbers would be comparable to the paper's


@dataclass
class Sample:
    """The values of one quantity: per seed, or one constant (a row no seed changes)."""

    values: list[float]
    constant: bool = False
    missing: str = ""  # why there is no value ("needs data: train_32x32.mat", "no records")

    @property
    def n(self) -> int:
        return len(self.values)

    def text(self) -> str:
        if not self.values:
            return self.missing or "no value"
        mean = float(np.mean(self.values))
        if self.constant or self.n == 1:
            return f"{number(mean)} ({'constant' if self.constant else '1 run'})"
        sd = float(np.std(self.values, ddof=1))
        return f"{number(mean)} ± {number(sd, like=mean)} (n={self.n})"


def number(x: float, like: float | None = None) -> str:
    """Two decimals, as the tables print them, for a value (or the sd of a mean, `like`) of 1 or
    more; four significant digits below 1 (energy distances, shares)."""
    return f"{x:.2f}" if abs(x if like is None else like) >= 1 else f"{x:.4g}"


@dataclass
class Judged:
    """A comparison with its samples, raw p-values (claimed / opposite direction) and verdict."""

    comparison: Comparison
    first: Sample
    second: Sample
    p: float | None = None
    p_opposite: float | None = None
    p_holm: float | None = None
    p_opposite_holm: float | None = None
    why_untested: str = ""
    verdict: str = ""
    verdict_uncorrected: str = ""


def one_sided_p(first: Sample, second: Sample, higher: bool) -> float:
    """p of "first > second" (higher) or "first < second": Welch's t-test, or a one-sample t-test
    against a side that is a constant."""
    alternative = "greater" if higher else "less"
    if second.constant:
        return float(stats.ttest_1samp(first.values, second.values[0], alternative=alternative).pvalue)
    if first.constant:
        flipped = "less" if higher else "greater"
        return float(stats.ttest_1samp(second.values, first.values[0], alternative=flipped).pvalue)
    return float(stats.ttest_ind(first.values, second.values, equal_var=False, alternative=alternative).pvalue)


def untested_reason(first: Sample, second: Sample) -> str:
    """Why a comparison cannot be tested ("" when it can)."""
    for s in (first, second):
        if not s.values:
            return "not measured"
    few = [s for s in (first, second) if not s.constant and s.n < MIN_SEEDS]
    if few:
        return f"fewer than {MIN_SEEDS} seeds on a side (n = {', '.join(str(s.n) for s in few)})"
    if first.constant and second.constant:
        return "two constants: no test"
    return ""


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjustment: the k-th smallest p times (m - k + 1), made monotone, capped at 1."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def _verdict(p: float | None, p_opposite: float | None, why_untested: str) -> str:
    if why_untested == "not measured":
        return "not measured"
    if why_untested:
        return "inconclusive"
    if p < ALPHA:
        return "holds"
    return "does not hold" if p_opposite < ALPHA else "inconclusive"


def judge_comparisons(pairs: list[tuple[Comparison, Sample, Sample]]) -> list[Judged]:
    """Every comparison tested, with the Holm correction over all the testable ones."""
    tested = []
    for comparison, first, second in pairs:
        t = Judged(comparison, first, second, why_untested=untested_reason(first, second))
        if not t.why_untested:
            t.p = one_sided_p(first, second, comparison.higher)
            t.p_opposite = one_sided_p(first, second, not comparison.higher)
        tested.append(t)
    testable = [t for t in tested if t.p is not None]
    for t, p, q in zip(testable, holm([t.p for t in testable]), holm([t.p_opposite for t in testable])):
        t.p_holm, t.p_opposite_holm = p, q
    for t in tested:
        t.verdict = _verdict(t.p_holm, t.p_opposite_holm, t.why_untested)
        t.verdict_uncorrected = _verdict(t.p, t.p_opposite, t.why_untested)
    return tested


def claim_verdict(verdicts: list[str]) -> str:
    """A claim's verdict from its comparisons' (see the module's docstring)."""
    measured = [v for v in verdicts if v != "not measured"]
    if not measured:
        return "not measured"
    if "does not hold" in measured:
        return "does not hold"
    return "holds" if all(v == "holds" for v in measured) else "inconclusive"


@dataclass
class Match:
    """A cell with a paper number: does the paper's value lie in our 95% interval?"""

    sample: Sample
    paper: float
    paper_sd: float | None = None
    interval: tuple[float, float] | None = field(default=None)
    matches: bool = False
    gap: float = math.nan


def match(sample: Sample, paper: float, paper_sd: float | None) -> Match:
    mean = float(np.mean(sample.values))
    out = Match(sample, paper, paper_sd, gap=mean - paper)
    if sample.n >= 2:
        half = stats.t.ppf(0.975, sample.n - 1) * float(np.std(sample.values, ddof=1)) / math.sqrt(sample.n)
        out.interval = (mean - half, mean + half)
    inside = out.interval is not None and out.interval[0] <= paper <= out.interval[1]
    within_paper = paper_sd is not None and abs(mean - paper) <= paper_sd
    out.matches = inside or within_paper
    return out
