"""The newcomer tasks of docs/ARCHITECTURE.md ("add an evaluation", "add a table"), done once the
way a user of the harness would, from outside aae/: a new evaluation registered by name, and a
new table as a `Benchmark` that scores it, run end to end on the synthetic stand-in. (Adding a
model is tests/test_semisupervised_aae.py's.)"""
import json

import torch

from aae.eval import EVALUATIONS, Evaluation, EvalContext
from aae.reporting.tables import Column, TableLayout
from benchmarks.specs import grid
from benchmarks.table_command import Benchmark, benchmark_main
from tests.conftest import smoke_args
from tests.test_committed_records import without_date


def valid_recon(model, ctx: EvalContext) -> dict[str, float]:
    """Mean squared reconstruction error of the validation images."""
    x = ctx.data.floats("valid", ctx.device)
    with torch.no_grad():
        return {"valid_recon_mse": float(((model.reconstruct(x) - x) ** 2).mean())}


COLUMNS = (Column("synthetic", "all", "synthetic"),)
LAYOUT = TableLayout(name="recon", title="Reconstruction error on validation images", metric="valid_recon_mse",
                     columns=COLUMNS, paper={}, measured={"aae": "AAE"})


def make_specs(*, models, columns, seeds, budget, overrides):
    return grid("recon", models=models, columns=list(columns), seeds=seeds, budget=budget, overrides=overrides,
                evals=("valid_recon",))


BENCHMARK = Benchmark(prog="recon", description="reconstruction error", layout=LAYOUT, make_specs=make_specs,
                      synthetic_columns=COLUMNS)


def test_a_new_evaluation_and_a_new_table_run_end_to_end(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(EVALUATIONS, "valid_recon",
                        Evaluation(valid_recon, "reconstructs", lambda: ("valid_recon_mse",)))
    assert benchmark_main(smoke_args(tmp_path, "--seeds", "2"), BENCHMARK) == 0

    page = (tmp_path / "results" / "recon.md").read_text()
    records = [json.loads(line) for line in (tmp_path / "results" / "records" / "recon.jsonl").read_text().splitlines()]
    runs = records[1:]
    assert len(runs) == 2 and all(r["status"]["state"] == "done" for r in runs)
    mses = [r["record"]["metrics"]["valid_recon_mse"] for r in runs]
    assert all(0 < m < 1 for m in mses) and mses[0] != mses[1]
    cells = [c.strip() for c in next(line for line in page.splitlines() if line.startswith("| AAE ")).split("|")]
    assert cells[3] == f"{sum(mses) / 2:.2f} ± {abs(mses[0] - mses[1]) / 2 ** 0.5:.2f}" and cells[4] == "2", cells

    # the table's report step alone, from its records: the same page but for its date
    assert benchmark_main(smoke_args(tmp_path, "--seeds", "2", "--from-records"), BENCHMARK) == 0
    again = (tmp_path / "results" / "recon.md").read_text()
    assert without_date(again) == without_date(page)
