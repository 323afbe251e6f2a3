"""Every committed table regenerates from its committed records (results/records/), identical
except for the date line: a reader can audit each number down to its run without `runs/`."""
import json
import shutil
from pathlib import Path

import pytest

from aae.experiment.spec import JobSpec
from tests.conftest import run_cli, smoke_args

RESULTS = Path(__file__).resolve().parent.parent / "results"
COMMITTED = sorted((RESULTS / "records").glob("*.jsonl"))


def without_date(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith(("| date ", "- date: "))]


def regenerate(records: Path, out: Path):
    meta = json.loads(records.read_text().splitlines()[0])["meta"]
    # the table's own arguments, then where to write (the runs folder it named is not read); a
    # page that is not a table names its command (benchmarks.curves)
    return run_cli(meta.get("module", f"benchmarks.{records.stem}"), *meta["argv"], "--from-records", "--records-from",
                   str(records),
                   "--results-dir", str(out), "--runs-dir", str(out / "runs"))


@pytest.mark.parametrize("records", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_a_committed_table_regenerates_from_its_records(tmp_path, records):
    ran = regenerate(records, tmp_path)
    assert ran.returncode == 0, ran.stderr
    committed = (RESULTS / f"{records.stem}.md").read_text()
    assert without_date((tmp_path / f"{records.stem}.md").read_text()) == without_date(committed)


def test_records_alone_rebuild_a_table_and_a_damaged_file_is_one_line(tmp_path):
    ran = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "2", "--models", "nn_baseline"))
    assert ran.returncode == 0, ran.stderr
    records = tmp_path / "results" / "records" / "table2.jsonl"
    lines = records.read_text().splitlines()
    assert len(lines) == 1 + 4  # the table's meta, then 2 settings x 2 seeds
    run = json.loads(lines[1])
    assert run["status"] == {"state": "done"} and run["record"]["spec"]["model"] == "nn_baseline"
    assert [row["epoch"] for row in run["history"]] == list(range(1, run["record"]["epochs"] + 1))

    shutil.rmtree(tmp_path / "runs")  # no run directory: the records are all there is
    again = regenerate(records, tmp_path / "again")
    assert again.returncode == 0, again.stderr
    table = (tmp_path / "results" / "table2.md").read_text()
    assert without_date((tmp_path / "again" / "table2.md").read_text()) == without_date(table)
    assert "| NN Baseline" in table and "2 failed" not in table

    records.write_text("{not json\n")
    bad = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "2", "--from-records"))
    lines = bad.stderr.strip().splitlines()
    assert bad.returncode == 2 and len(lines) == 1 and "records file" in lines[0] and "damaged" in lines[0], lines


@pytest.mark.parametrize("records", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_every_committed_run_keeps_its_hash(records):
    """Adding a config field must not rename the runs made before it (a table re-run would train
    them all again): a field named in `late_fields` joins the hash only when set."""
    for line in records.read_text().splitlines()[1:]:
        entry = json.loads(line)
        spec = JobSpec.from_dict(entry["record"]["spec"])
        assert spec.run_id == entry["run_id"], entry["run"]


def test_reuse_records_restores_finished_runs_so_only_new_ones_train(tmp_path):
    """A fresh runs directory, one more seed: the first seed's runs come back from the records
    (no checkpoint, their numbers unchanged) and only the second seed's train. What needs a
    restored run's weights says so in one line."""
    from aae.errors import UserError
    from aae.experiment.train import load_trained

    first = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "1", "--models", "nn_baseline"))
    assert first.returncode == 0, first.stderr
    records = tmp_path / "results" / "records" / "table2.jsonl"
    before = {e["run_id"]: e["record"]["metrics"] for e in map(json.loads, records.read_text().splitlines()[1:])}

    fresh = tmp_path / "fresh-runs"
    again = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "2", "--models", "nn_baseline",
                                                      "--reuse-records", "--runs-dir", str(fresh)))
    assert again.returncode == 0, again.stderr
    assert "2 finished runs restored from the records" in again.stderr
    assert "4 runs: 2 already finished, 2 to run" in again.stderr
    assert "2 of them restored from the committed records" in (tmp_path / "results" / "table2.md").read_text()
    after = {e["run_id"]: e for e in map(json.loads, records.read_text().splitlines()[1:])}
    assert len(after) == 4 and all(after[r]["record"]["metrics"] == m for r, m in before.items())
    assert sum("restored_from" in e["record"] for e in after.values()) == 2
    for run_id in before:
        assert not (fresh / run_id / "checkpoint.pt").exists() and (fresh / run_id / "metrics.jsonl").exists()

    restored = next(JobSpec.from_dict(json.loads((fresh / r / "config.json").read_text())) for r in before)
    with pytest.raises(UserError, match="was restored from .*table2.jsonl without its weights; delete"):
        load_trained(restored, fresh)

    third = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "2", "--models", "nn_baseline",
                                                      "--reuse-records", "--runs-dir", str(fresh)))
    assert third.returncode == 0 and "0 finished runs restored" in third.stderr  # existing runs are never touched
