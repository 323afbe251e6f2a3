"""The whole path, as a user runs it: one command -> runs -> table; re-runs skip; executors agree."""
import json
import re

from tests.conftest import run_cli, smoke_args


def records(root, model=None):
    out = {}
    for p in (root / "runs").glob("*/record.json"):
        record = json.loads(p.read_text())
        if model in (None, record["spec"]["model"]):
            out[p.parent.name] = record["metrics"]
    return out


def table_body(text):
    """The table below its header (the header names the command, date and wall time, which differ)."""
    return text[text.index("## Ours beside the paper"):]


def test_smoke_table_end_to_end_then_skip_then_gather_only(tmp_path):
    first = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "2"))
    assert first.returncode == 0, first.stderr
    assert "12 runs: 0 already finished, 12 to run" in first.stderr  # 3 models x 2 columns x 2 seeds
    table = (tmp_path / "results" / "table2.md").read_text()
    for line in ("| budget ", "| git sha ", "| seeds                    | 2 (trials 0-1)"):
        assert line in table
    rows = [l for l in table.splitlines() if re.search(r"\| synthetic \(\w+\)\s+\| \d+\.\d\d ± \d+\.\d\d\s+\| 2\s+\| 0 ", l)]
    assert len(rows) == 6, table  # every model and column: mean ± sd over 2 finished seeds, none failed
    # the MLP learns even in a smoke run: far from the 90% error of chance
    assert all(m["test_error"] < 30 for m in records(tmp_path, "nn_baseline").values())
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").rglob("*") if p.is_file()}

    again = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "2"))
    assert again.returncode == 0 and "12 runs: 12 already finished, 0 to run" in again.stderr
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes  # nothing retrained, nothing rewritten

    gathered = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "2", "--gather-only"))
    assert gathered.returncode == 0 and "runs:" not in gathered.stderr
    assert table_body((tmp_path / "results" / "table2.md").read_text()) == table_body(table)


def test_gather_only_before_any_run_shows_cells_as_not_finished(tmp_path):
    done = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "2", "--gather-only"))
    assert done.returncode == 0, done.stderr
    table = (tmp_path / "results" / "table2.md").read_text()
    assert re.search(r"\| NN Baseline\s+\| synthetic \(100\)\s+\| 2 not finished ", table), table


def test_parallel_workers_give_the_same_numbers_as_one_process(tmp_path):
    # submitit's job array against the local executor: tests/test_slurm.py
    base = ["--seeds", "1", "--models", "nn_baseline"]  # two runs: one per worker
    assert run_cli("benchmarks.table2", *smoke_args(tmp_path / "serial", *base)).returncode == 0
    par = run_cli("benchmarks.table2", *smoke_args(tmp_path / "parallel", *base, "--workers", "2"))
    assert par.returncode == 0, par.stderr
    serial = records(tmp_path / "serial")
    assert len(serial) == 2
    assert records(tmp_path / "parallel") == serial
