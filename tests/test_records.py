"""aae/experiment/records.py on its own: the records file of a finished table read back, restored
into a runs directory, and counted, without going through a table command."""
import dataclasses
import json

from aae.experiment.records import StoredRuns, export, finished_runs, records_text, restore
from aae.experiment.run_dir import RunDir
from tests.test_faults import run_dirs, spec_of


def test_a_records_file_reads_back_every_run_as_its_directory_shows_it(finished, tmp_path):
    specs = [spec_of(d) for d in run_dirs(finished)]
    path = tmp_path / "t.jsonl"
    export(path, specs, finished / "runs", {"header": {"command": "x"}})

    stored = StoredRuns(path)
    assert stored.meta == {"header": {"command": "x"}} and finished_runs(path) == len(specs) > 0
    for spec in specs:
        run, kept = RunDir(finished / "runs", spec), stored(None, spec)
        assert kept.status() == run.status() == {"state": "done"}
        assert kept.read_record() == run.read_record() and kept.history() == run.history()
    other = dataclasses.replace(specs[0], trial=7)
    assert stored(None, other).status() == {"state": None}  # a run the records never held


def test_restore_writes_a_missing_run_back_and_leaves_an_existing_one_alone(finished, tmp_path):
    spec = spec_of(run_dirs(finished)[0])
    path = tmp_path / "t.jsonl"
    export(path, [spec], finished / "runs", {})

    assert restore(path, [spec], tmp_path / "runs") == 1
    run = RunDir(tmp_path / "runs", spec)
    assert run.is_done() and not run.checkpoint.exists()  # a restored run carries no weights
    assert run.read_record()["restored_from"] == str(path)
    assert run.read_record()["metrics"] == RunDir(finished / "runs", spec).read_record()["metrics"]
    assert restore(path, [spec], tmp_path / "runs") == 0  # written once, never overwritten


def test_restore_skips_a_run_whose_spec_asks_for_an_evaluation_its_record_lacks(finished, tmp_path):
    spec = spec_of(run_dirs(finished)[0])
    path = tmp_path / "t.jsonl"
    export(path, [spec], finished / "runs", {})
    wants_more = dataclasses.replace(spec, evals=(*spec.evals, "parzen@100"))
    # same run id (evaluations are not part of a run's identity), but scoring it needs the weights
    assert wants_more.run_id == spec.run_id
    assert restore(path, [wants_more], tmp_path / "runs") == 0 and not (tmp_path / "runs").exists()


def test_a_damaged_line_is_set_aside_and_never_counted_or_restored(finished, tmp_path, capsys):
    spec = spec_of(run_dirs(finished)[0])
    meta, line = records_text([spec], finished / "runs", {}).splitlines()
    entry = json.loads(line)
    entry["record"]["metrics"] = {k: "NaN?" for k in entry["record"]["metrics"]}
    path = tmp_path / "t.jsonl"
    path.write_text(f"{meta}\n{json.dumps(entry)}\n")

    stored = StoredRuns(path)
    assert stored(None, spec).status()["state"] == "damaged"
    assert f"{path} line 2" in capsys.readouterr().err
    assert finished_runs(path) == 0 and restore(path, [spec], tmp_path / "runs") == 0


def test_a_records_file_that_is_missing_or_not_json_counts_no_finished_runs(tmp_path):
    assert finished_runs(tmp_path / "none.jsonl") == 0
    (tmp_path / "bad.jsonl").write_text("{not json")
    assert finished_runs(tmp_path / "bad.jsonl") == 0
