"""The metric keys belong to the evaluations: each declares what it returns, a table's column
reads one of those keys, and a stray key is an error, not a silently empty column."""
import importlib
from pathlib import Path

import pytest

from aae.errors import UserError
from aae.eval import EVALUATIONS, EvalContext, evaluate, metric_keys, parse

ROOT = Path(__file__).resolve().parent.parent
# every table command: a module of benchmarks/ that defines BENCHMARK
BENCHMARKS = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py") if "\nBENCHMARK = " in p.read_text())


@pytest.mark.parametrize("module", BENCHMARKS)
def test_every_column_reads_a_key_its_runs_evaluations_return(module):
    assert set(BENCHMARKS) >= {"table1", "table2", "table3", "dimreduction"}
    bench = importlib.import_module(f"benchmarks.{module}").BENCHMARK
    for columns in (bench.layout.columns, bench.synthetic_columns):
        specs = bench.make_specs(models=list(bench.layout.measured), columns=list(columns), seeds=1, budget="smoke",
                                 overrides=[])
        for col in columns:
            returned = {k for s in specs if col.reads(s) for name in s.evals for k in metric_keys(name)}
            curves = {k for s in specs if col.reads(s) for name in s.curve for k in metric_keys(name)}
            assert returned, f"{module}: no run feeds {col.title}"
            for key in (col.metric or bench.layout.metric, *(d.metric for d in col.details if not d.final)):
                assert key in returned, f"{module}: {col.title} reads {key}, which no evaluation of its runs returns"
            for key in (d.metric for d in col.details if d.final):  # read from the metric log's last line
                assert key in curves, f"{module}: {col.title} reads {key}, which no curve of its runs records"


def test_arguments_are_converted_to_their_types_and_defaults_filled_in():
    evaluation, args = parse("parzen@10000,grid=-2:0:20")
    assert evaluation is EVALUATIONS["parzen"] and args == {"samples": 10_000, "valid": 1000, "grid": "-2:0:20"}
    assert parse("parzen@samples=5,valid=7")[1] == {"samples": 5, "valid": 7, "grid": "-1:0:10"}
    assert metric_keys("kid@500") == ("kid@500", "kid@500_sd")
    assert metric_keys("recon_parzen@300") == ("recon_parzen@300_ll", "recon_parzen@300_se", "recon_parzen@300_sigma")


@pytest.mark.parametrize("name, says", [("parzen", "give samples"), ("parzen@1,2,3,4", "too many"),
                                        ("fid@10,foo=2", "no argument 'foo'"), ("parzen@valid=x,samples=3", "must be int"),
                                        ("classification@3", "too many")])
def test_a_bad_name_says_what_is_wrong(name, says):
    with pytest.raises(UserError, match=says):
        parse(name)


def test_an_evaluation_that_returns_an_undeclared_key_fails(monkeypatch):
    import dataclasses

    import aae.eval

    stray = dataclasses.replace(EVALUATIONS["classification"],
                                run=lambda model, ctx: {"test_error": 1.0, "valid_error": 1.0, "test_eror": 1.0})
    monkeypatch.setitem(aae.eval.EVALUATIONS, "classification", stray)
    with pytest.raises(RuntimeError, match="test_eror"):
        evaluate("classification", None, EvalContext(data=None, device="cpu", seed=0))
