"""Issue 34, cause 5: a table's page and its records change together or not at all, and a page
with finished runs is never replaced by one with fewer unless --force says so."""
import errno

import pytest

from aae import io
from aae.errors import DiskFull
from tests.conftest import run_cli, smoke_args
from tests.test_faults import ARGS


def page_and_records(root):
    return [(root / "results" / p).read_bytes() for p in ("table2.md", "records/table2.jsonl")]


def test_a_mistyped_runs_dir_never_wipes_a_page_or_its_records(root, tmp_path):
    before = page_and_records(root)
    done = run_cli("benchmarks.table2", *smoke_args(root, *ARGS, "--gather-only", "--runs-dir", str(tmp_path / "typo")))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"benchmarks.table2: error: {root / 'results' / 'table2.md'} and {root / 'results' / 'records' / 'table2.jsonl'} "
        "hold 2 finished runs, this command's table 0 (another --runs-dir? a subset of --models? failed runs?): "
        "both kept as they were; --force replaces them")
    assert page_and_records(root) == before
    forced = run_cli("benchmarks.table2", *smoke_args(root, *ARGS, "--gather-only", "--force",
                                                     "--runs-dir", str(tmp_path / "typo")))
    assert forced.returncode == 0 and page_and_records(root) != before


def test_a_records_folder_that_cannot_be_written_stops_the_command_before_any_work(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "records").write_text("a file where the records folder goes")
    done = run_cli("benchmarks.table2", *smoke_args(tmp_path, *ARGS))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "results directory's records folder" in done.stderr and "is not a directory" in done.stderr
    assert not (tmp_path / "runs").exists() and not (tmp_path / "results" / "table2.md").exists()


def test_when_one_file_cannot_be_written_neither_changes(tmp_path, monkeypatch):
    a, b = tmp_path / "page.md", tmp_path / "records" / "page.jsonl"
    io.write_texts({a: "old page", b: "old records"})
    real_sync = io._sync

    def full_on_records(f, path):
        if path == b:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_sync(f, path)

    monkeypatch.setattr(io, "_sync", full_on_records)
    with pytest.raises(DiskFull):
        io.write_texts({a: "new page", b: "new records"})
    assert a.read_text() == "old page" and b.read_text() == "old records"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["page.jsonl", "page.md", "records"]  # no temp file left
