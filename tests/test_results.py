"""The table renderer against a golden file built from committed fake records."""
import json
import math
import os
from pathlib import Path

import pytest

from aae.reporting.tables import paper_mean, render, summarize
from benchmarks.table2 import LAYOUT

GOLDEN = Path(__file__).parent / "golden"
HEADER = {"command": "`python -m benchmarks.table2 --seeds 3`", "git sha": "0123abc", "date": "2026-01-01 00:00 UTC",
          "budget": "cpu", "seeds": "3 (trials 0-2)", "executor": "local, 1 worker(s)"}


def rows():
    return json.loads((GOLDEN / "table2_rows.json").read_text())


def test_summary_counts_failures_and_never_averages_them():
    s = summarize(rows()).set_index(["model", "column"])
    r100, r1000, rall = (s.loc[("nn_baseline", f"MNIST ({k})")] for k in ("100", "1000", "All"))
    assert r100.n == 3 and r100["mean"] == pytest.approx(25.3) and r100["std"] == pytest.approx(0.8)
    assert r1000.n == 2 and r1000.failed == 1 and r1000["mean"] == pytest.approx(8.5)
    assert r1000["reason"] == "RuntimeError: CUDA out of memory"
    assert rall.n == 0 and rall.failed == 1 and rall.unfinished == 2 and math.isnan(rall["mean"])


def test_a_cell_made_on_two_data_fingerprints_is_never_averaged():
    """Runs of one cell trained on different data (the cache replaced between them) are shown
    failed with both fingerprints; a cell on one fingerprint, or rows without one (older
    records), averages as before."""
    base = {"model": "ssaae", "column": "MNIST (100)", "state": "done", "reason": "", "wall_time_s": 1.0,
            "details": {}, "counts_run": True}
    mixed = [{**base, "trial": 0, "value": 8.8, "fingerprint": "aaaa"},
             {**base, "trial": 1, "value": 100.0, "fingerprint": "bbbb"}]
    cell = summarize(mixed).iloc[0]
    assert cell.n == 0 and cell.failed == 2 and math.isnan(cell["mean"])
    assert "made on different data (fingerprints aaaa (1 run), bbbb (1 run)), not averaged" in cell["reason"]
    same = [{**r, "fingerprint": "aaaa"} for r in mixed]
    assert summarize(same).iloc[0].n == 2
    assert summarize([{k: v for k, v in r.items() if k != "fingerprint"} for r in mixed]).iloc[0].n == 2


def test_paper_values_parse():
    assert paper_mean("11.97 ± 1.71") == 11.97 and paper_mean("0.85") == 0.85 and paper_mean("-") is None


def test_rendered_table_matches_golden_file():
    text = render(LAYOUT, summarize(rows()), HEADER, missing_data={"svhn": "needs data: train_32x32.mat"},
                  configs={"nn_baseline": "epochs=10, lr=0.001"})
    golden = GOLDEN / "table2.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), "renderer output changed; inspect it, then UPDATE_GOLDEN=1 pytest"


def test_the_settings_line_shows_each_datasets_recipe_where_it_differs():
    from aae.reporting.tables import Column, describe_configs
    from benchmarks.table2 import make_specs

    columns = [Column("mnist", "1000", "MNIST (1000)"), Column("svhn", "1000", "SVHN (1000)")]
    specs = make_specs(models=["ssaae", "nn_baseline"], columns=columns, seeds=1, budget="smoke", overrides=[])
    lines = describe_configs(["ssaae", "nn_baseline"], specs)
    assert lines["ssaae"].startswith("on mnist: ") and "; on svhn: " in lines["ssaae"]
    assert "z_dim=20" in lines["ssaae"].split("; on svhn: ")[1]  # SVHN's recipe, shown
    assert not lines["nn_baseline"].startswith("on ")  # the same config on both: one line


def test_the_settings_line_marks_what_the_paper_does_not_describe():
    """Issue 31's rule: a setting that is ours, not the paper's, says so on the table's page."""
    from aae.reporting.tables import describe_config
    from benchmarks import dimreduction, table2

    [two_d] = dimreduction.make_specs(models=["dimred_aae:2"], columns=[dimreduction.COLUMNS[0]], seeds=1,
                                      budget="cpu", overrides=[])
    line = describe_config(two_d)
    assert "disc_noise=0.3 (ours)" in line and "style_std=0.25 (ours)" in line and "head_eta=1.0 (ours)" in line
    assert "lr_schedule=cosine (ours)" in line and "adv_lr=0.001," in line  # the paper's setting, unmarked
    [ssaae] = table2.make_specs(models=["ssaae"], columns=[table2.COLUMNS[0]], seeds=1, budget="cpu", overrides=[])
    line = describe_config(ssaae)
    assert "disc_noise" not in line and "style_std=1.0," in line  # unset, and the paper's N(0, I) style
    [nn] = table2.make_specs(models=["nn_baseline"], columns=[table2.COLUMNS[0]], seeds=1, budget="cpu",
                             overrides=[])
    assert "(ours)" not in describe_config(nn)
