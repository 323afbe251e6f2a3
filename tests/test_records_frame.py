"""records.frame: a table's runs as a DataFrame, from its committed records or a runs directory."""
import json
import shutil
from pathlib import Path

from aae.experiment.records import StoredRuns, frame, restore
from aae.experiment.spec import JobSpec

RECORDS = Path(__file__).resolve().parent.parent / "results" / "records" / "table2.jsonl"


def test_a_committed_table_is_one_row_per_run_with_its_numbers():
    runs = frame("table2", results_dir=RECORDS.parent.parent)
    entries = StoredRuns(RECORDS).entries
    assert len(runs) == len(entries) and runs["run_id"].is_unique
    ssaae = runs[(runs.model == "ssaae") & (runs.setting == "100")].sort_values("trial")
    assert ssaae["metrics.test_error"].tolist() == [entries[r]["record"]["metrics"]["test_error"] for r in ssaae.run_id]
    assert ssaae["trial"].tolist() == [0, 1, 2, 3, 4]
    assert set(ssaae["provenance.git_sha"]) and ssaae["config.epochs"].nunique() == 1
    assert (ssaae["final.valid_error"] == [entries[r]["history"][-1]["valid_error"] for r in ssaae.run_id]).all()


def test_a_runs_directory_reads_the_same_and_names_a_foreign_folder(tmp_path):
    stored = StoredRuns(RECORDS)
    specs = [JobSpec.from_dict(e["record"]["spec"]) for e in stored.entries.values() if e["status"]["state"] == "done"]
    restore(RECORDS, specs, tmp_path)
    [first, second, *_] = sorted(p for p in tmp_path.iterdir())
    foreign = tmp_path / "0000000000000000"
    shutil.copytree(first, foreign)  # another run's files under a folder that is not its id

    runs = frame(tmp_path).set_index("run_id")
    from_records = frame(RECORDS).set_index("run_id")
    assert runs.loc[second.name, "metrics.test_error"] == from_records.loc[second.name, "metrics.test_error"]
    assert runs.loc[foreign.name, "state"] == "damaged"
    assert f"is run {first.name}'s" in runs.loc[foreign.name, "reason"]
    assert (runs.drop(index=foreign.name)["state"] == "done").all()

    (second / "config.json").write_text("{not json")
    assert frame(tmp_path).set_index("run_id").loc[second.name, "state"] == "damaged"
    assert json.loads((first / "status.json").read_text())["state"] == "done"  # reading changed nothing
