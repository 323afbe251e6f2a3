"""Issue 34, cause 1: every file read back is checked before it counts. A record whose numbers
are not finite numbers of its evaluations' keys, whose epochs are not its spec's, or that belongs
to another run, is set aside with one line naming its path, and the table goes on."""
import json
import shutil

import pytest

from tests.conftest import run_cli
from tests.test_faults import ARGS, run_dirs


def rewrite(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def set_metric(value):
    return lambda record: record["metrics"].__setitem__("test_error", value)


@pytest.mark.parametrize("change, why", [
    (set_metric("5.5"), "metric test_error = '5.5' is not a finite number"),
    (set_metric("abc"), "metric test_error = 'abc' is not a finite number"),
    (set_metric(10 ** 400), "is not a finite number"),
    (set_metric(float("nan")), "metric test_error = 'nan' is not a finite number"),
    (set_metric(float("-inf")), "metric test_error = '-inf' is not a finite number"),
    (set_metric(True), "metric test_error = 'True' is not a finite number"),
    (lambda r: r["metrics"].__setitem__("fid", 1.0), "metric 'fid' is not one its evaluations declare"),
    (lambda r: r.__setitem__("epochs", "2"), "epochs = '2', its spec trains"),
    (lambda r: r.__setitem__("epochs", 3_000_000_000), "epochs = '3000000000', its spec trains"),
    (lambda r: r.__setitem__("train_wall_time_s", -1), "train_wall_time_s = '-1' is not a time"),
    (lambda r: r["spec"].__setitem__("trial", 7), "its spec is run "),
    (lambda r: r["spec"].__setitem__("model", "nope"), "its spec cannot be read"),
])
def test_a_damaged_record_is_set_aside_by_name_and_the_table_goes_on(root, change, why):
    [first, second] = run_dirs(root)
    rewrite(first / "record.json", change)
    done = run_cli("benchmarks.table2", *smoke_args_of(root, "--gather-only"))
    assert done.returncode == 0, done.stderr
    assert f"damaged run file {first / 'record.json'}: " in done.stderr and why in done.stderr, done.stderr
    page = (root / "results" / "table2.md").read_text()
    assert "1 failed: damaged run file" in page and "| 1 " in page  # the other run's cell still counts


def test_a_metric_log_with_a_string_is_named_and_retrained_from_the_checkpoint(root):
    [first, _] = run_dirs(root)
    lines = [json.loads(line) for line in (first / "metrics.jsonl").read_text().splitlines()]
    lines[0]["loss"] = "0.5"
    (first / "metrics.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    done = run_cli("benchmarks.table2", *smoke_args_of(root))
    assert done.returncode == 0, done.stderr
    assert f"{first / 'metrics.jsonl'}: epoch 1: loss = '0.5' is not a finite number" in done.stderr
    assert json.loads((first / "metrics.jsonl").read_text().splitlines()[0])["loss"] != "0.5"


def test_another_runs_files_in_a_run_folder_never_count_as_this_run(root):
    [first, second] = run_dirs(root)
    for name in ("record.json", "metrics.jsonl"):
        shutil.copy(second / name, first / name)
    done = run_cli("benchmarks.table2", *smoke_args_of(root, "--gather-only"))
    assert f"its spec is run {second.name}'s, not {first.name}'s" in done.stderr


def test_a_records_line_holding_another_runs_record_is_set_aside(root, tmp_path):
    records = root / "results" / "records" / "table2.jsonl"
    lines = [json.loads(line) for line in records.read_text().splitlines()]
    lines[1]["record"] = lines[2]["record"]  # the second run's record under the first run's id
    records.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    rebuilt = run_cli("benchmarks.table2", *smoke_args_of(root, "--from-records", "--records-from", str(records),
                                                          "--results-dir", str(tmp_path)))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"{records} line 2: its spec is run" in rebuilt.stderr
    assert "1 failed: " in (tmp_path / "table2.md").read_text()
    fresh = tmp_path / "fresh"
    reused = run_cli("benchmarks.table2", *smoke_args_of(fresh, "--reuse-records", "--records-from", str(records),
                                                          "--gather-only"))
    assert "1 finished runs restored from the records" in reused.stderr, reused.stderr


def smoke_args_of(root, *extra):
    """The finished table's arguments; --force: these pages show a failure where a number was."""
    from tests.conftest import smoke_args
    return smoke_args(root, *ARGS, "--force", *extra)


@pytest.mark.parametrize("damage, why", [
    (lambda run: ((run / "status.json").unlink(), (run / "status.json").mkdir()),
     "status.json: cannot be read (IsADirectoryError"),
    (lambda run: (shutil.rmtree(run), run.write_text("not a folder")), "is not a folder; move it away"),
    (lambda run: (shutil.rmtree(run), run.symlink_to(run.name)), "is a symbolic link: refused"),
    (lambda run: (shutil.rmtree(run), run.symlink_to("/tmp")), "is a symbolic link: refused"),
])
def test_a_run_folder_that_is_not_one_is_named_in_one_line_and_never_written_into(root, damage, why):
    [first, _] = run_dirs(root)
    damage(first)
    for extra in (("--gather-only",), ()):
        done = run_cli("benchmarks.table2", *smoke_args_of(root, *extra))
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert why in done.stderr, done.stderr
    assert "1 failed: " in (root / "results" / "table2.md").read_text()
