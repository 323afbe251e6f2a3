"""The claims page: each verdict kind on known samples, the statistics against references, and
the committed page rebuilt identically from the committed records (benchmarks/claims.py)."""
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from aae.reporting.claims import Comparison, Quantity, Sample, claim_verdict, holm, match, one_sided_p, judge_comparisons
from benchmarks import claims
from tests.conftest import run_cli

RESULTS = Path(__file__).resolve().parent.parent / "results"
A, B = Quantity("t", "a", "c", "a"), Quantity("t", "b", "c", "b")


def verdict_of(first: Sample, second: Sample, higher: bool = True) -> str:
    [t] = judge_comparisons([(Comparison(A, B, higher), first, second)])
    return t.verdict


def test_each_verdict_kind():
    high, low = Sample([10.0, 10.2, 9.9, 10.1, 10.0]), Sample([5.0, 5.3, 4.8, 5.1, 5.0])
    assert verdict_of(high, low) == "holds"
    assert verdict_of(low, high) == "does not hold"  # the data show the other order
    assert verdict_of(Sample([5.0, 6.0, 4.0]), Sample([5.1, 5.9, 4.2])) == "inconclusive"  # seed noise
    assert verdict_of(Sample([10.0, 11.0]), low) == "inconclusive"  # two seeds never "hold"
    assert verdict_of(Sample([], missing="needs data: x.mat"), low) == "not measured"
    assert verdict_of(high, Sample([5.0], constant=True)) == "holds"  # a row no seed changes is a constant
    assert verdict_of(low, high, higher=False) == "holds"  # "lower is better" claims


def test_a_claim_of_several_comparisons():
    assert claim_verdict(["holds", "holds", "not measured"]) == "holds"  # "in every setting both were measured in"
    assert claim_verdict(["holds", "does not hold"]) == "does not hold"
    assert claim_verdict(["holds", "inconclusive"]) == "inconclusive"
    assert claim_verdict(["not measured", "not measured"]) == "not measured"


def test_welch_p_matches_a_float64_reference():
    a, b = [3.1, 2.8, 3.5, 3.0, 2.9], [2.2, 2.9, 2.5, 2.1]
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    t = (np.mean(a) - np.mean(b)) / math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))  # Welch-Satterthwaite
    assert one_sided_p(Sample(a), Sample(b), higher=True) == pytest.approx(stats.t.sf(t, dof), rel=1e-10)
    assert one_sided_p(Sample(a), Sample(b), higher=False) == pytest.approx(stats.t.cdf(t, dof), rel=1e-10)


def test_holm_known_answer_and_a_verdict_it_changes():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.001]) == pytest.approx([0.5, 0.002])
    # alone, p is 0.038 (holds); beside a second test it is doubled, as the smaller of two (inconclusive)
    weak = (Sample([1.0, 1.5, 1.2, 1.4, 1.1]), Sample([1.0, 1.1, 0.9, 1.2, 0.8]))
    null = (Sample([1.0, 2.0, 3.0]), Sample([1.0, 2.0, 3.0]))
    tested = judge_comparisons([(Comparison(A, B, True), *weak), (Comparison(A, B, True), *null)])
    assert tested[0].p == pytest.approx(0.038, abs=5e-4) and tested[0].p_holm == pytest.approx(2 * tested[0].p)
    assert tested[0].verdict_uncorrected == "holds" and tested[0].verdict == "inconclusive"
    assert tested[1].verdict == "inconclusive"


def test_a_cell_matches_the_paper_inside_our_interval_or_within_its_own_sd():
    ours = Sample([3.0, 3.2, 3.4, 3.1, 3.3])
    assert match(ours, 3.25, None).matches
    far = match(ours, 1.6, 0.08)
    assert not far.matches and far.gap == pytest.approx(1.6, abs=1e-9)  # signed: ours minus the paper's
    assert match(Sample([2.0]), 1.95, 0.1).matches  # one run: no interval, but within the paper's ±


def test_every_claim_reads_pages_whose_tables_point_to_it():
    """Each table page says which claims it feeds by their id prefix: a claim reading a table must
    carry that table's prefix."""
    prefix = {"table1": "table1-", "table2": "table2-", "table3": "table3-", "dimreduction": "section7-"}
    for claim in claims.CLAIMS:
        pages = {q.page for c in claim.comparisons for q in (c.first, c.second) if q.page in claims.LAYOUTS}
        assert all(claim.id.startswith(prefix[p]) for p in pages), claim.id
        assert any("results/claims.md" in note and prefix[p] in note for p in pages for note in claims.LAYOUTS[p].notes) \
            or not pages, claim.id


def without_volatile(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith(("| date ", "| git sha "))]


def test_the_committed_claims_page_rebuilds_from_the_committed_records(tmp_path):
    shutil.copytree(RESULTS / "records", tmp_path / "records")
    (tmp_path / "figures").mkdir()
    for numbers in (RESULTS / "figures").glob("*.json"):
        shutil.copy(numbers, tmp_path / "figures")
    ran = run_cli("benchmarks.claims", "--results-dir", str(tmp_path))
    assert ran.returncode == 0, ran.stderr
    assert without_volatile((tmp_path / "claims.md").read_text()) == without_volatile((RESULTS / "claims.md").read_text())
    summary = ran.stderr.splitlines()[0]
    assert summary in (RESULTS / "claims.md").read_text() and summary in (RESULTS.parent / "README.md").read_text()


def test_a_missing_figure_is_not_measured_and_a_damaged_one_is_one_line(tmp_path):
    shutil.copytree(RESULTS / "records", tmp_path / "records")
    (tmp_path / "figures").mkdir()
    ran = run_cli("benchmarks.claims", "--results-dir", str(tmp_path))
    page = (tmp_path / "claims.md").read_text()
    assert ran.returncode == 0 and "no results/figures/figure2.json (run `python -m benchmarks.figures" in page
    (tmp_path / "figures" / "figure2.json").write_text("{oops")
    bad = run_cli("benchmarks.claims", "--results-dir", str(tmp_path))
    assert bad.returncode == 2 and "figure2.json is damaged" in bad.stderr and len(bad.stderr.splitlines()) == 1
    (tmp_path / "figures" / "figure2.json").write_text(json.dumps({"budget": "cpu", "numbers": {
        "gaussian AAE energy distance": 0.05, "gaussian VAE energy distance": 0.09}}))
    again = run_cli("benchmarks.claims", "--results-dir", str(tmp_path))
    row = next(line for line in (tmp_path / "claims.md").read_text().splitlines() if "`figure2-gaussian`" in line)
    assert again.returncode == 0 and "1 run" in row and "inconclusive" in row  # one model each: never "holds"


def test_help_explains_the_verdicts():
    ran = run_cli("benchmarks.claims", "--help")
    assert ran.returncode == 0
    for verdict in ("holds", "does not hold", "inconclusive", "not measured", "matches the paper"):
        assert verdict in ran.stdout


def fake_table2_records(path: Path, errors: dict[tuple[str, str], list[float]], missing: dict) -> None:
    """A records file of Table 2 holding these per-seed test errors: (model, setting) -> values."""
    from benchmarks.recipes import recipe
    from aae.experiment.spec import JobSpec

    lines = [json.dumps({"meta": {"header": {"budget": "cpu"}, "missing": missing, "extra_rows": [], "argv": []}})]
    for (model, setting), values in errors.items():
        for trial, value in enumerate(values):
            r = recipe(model, "smoke")
            spec = JobSpec("table2", model, r.model, r.training, "mnist", setting, trial, trial, "cpu")
            lines.append(json.dumps({"run_id": spec.run_id, "run": spec.describe(), "status": {"state": "done"},
                                     "record": {"spec": spec.to_dict(), "metrics": {"test_error": value}}}))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def test_verdicts_from_synthetic_records(tmp_path):
    """Table 2's claims on made-up records: the AAE far below the NN baseline at (100) and (1000),
    above it at (All) (so "beats the NN baseline everywhere" does not hold), tied with M2 at (100)
    and with two M2 seeds at (1000) (inconclusive); SVHN needs data (not measured)."""
    fake_table2_records(tmp_path / "records" / "table2.jsonl", {
        ("ssaae", "100"): [5.0, 5.2, 4.9, 5.1, 5.0], ("nn_baseline", "100"): [24.0, 25.0, 23.5, 24.5, 24.2],
        ("ssaae", "1000"): [3.0, 3.1, 3.2, 3.0, 3.1], ("nn_baseline", "1000"): [9.0, 9.5, 9.2, 9.4, 9.1],
        ("ssaae", "all"): [3.0, 3.1, 3.2, 3.0, 3.1], ("nn_baseline", "all"): [1.0, 1.1, 1.2, 1.0, 1.1],
        ("m2", "100"): [5.1, 4.9, 5.2, 5.0, 5.0], ("m2", "1000"): [7.0, 8.0]}, {"svhn": "needs data: train_32x32.mat"})
    page, summary = claims.build_page(tmp_path)
    rows = {line.split("|")[1].strip(" `"): line for line in page.splitlines() if line.startswith("| `")}
    assert "**does not hold**" in rows["table2-beats-nn"] and "needs data: train_32x32.mat" in rows["table2-beats-nn"]
    assert "**inconclusive**" in rows["table2-beats-m2"] and "fewer than 3 seeds" in rows["table2-beats-m2"]
    assert "**not measured**" in rows["table1-order"]  # no Table 1 records at all
    assert summary.startswith("0 of 13 claims hold at the cpu budget; 1 do not hold, 1 are inconclusive, 11 not")


def test_a_cells_detail_is_read_per_seed_from_the_last_curve_point(tmp_path):
    """A claim on a detail (section 7's style width) tests every seed's value, not one figure's."""
    path = tmp_path / "records" / "table2.jsonl"
    fake_table2_records(path, {("ssaae", "100"): [5.0, 6.0, 7.0]}, {})
    lines = path.read_text().splitlines()
    entries = [json.loads(line) for line in lines[1:]]
    for ratio, entry in zip((0.9, 1.1, 3.0), entries):
        entry["history"] = [{"epoch": 1, "match_z_std_ratio": 9.0}, {"epoch": 2, "match_z_std_ratio": ratio}]
    path.write_text("\n".join([lines[0], *map(json.dumps, entries)]) + "\n")
    own = claims.table_samples(path, claims.LAYOUTS["table2"])[("ssaae", "MNIST (100)")]
    width = claims.table_samples(path, claims.LAYOUTS["table2"], "match_z_std_ratio")[("ssaae", "MNIST (100)")]
    assert own.values == [5.0, 6.0, 7.0] and width.values == [0.9, 1.1, 3.0]  # the last epoch's, every seed
    assert claims.table_samples(path, claims.LAYOUTS["table2"], "no_such_key") == {}
