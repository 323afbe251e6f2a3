"""Bad input: one clear line, exit status 2, and no finished run or table is modified."""
import hashlib

import pytest

from benchmarks import table2
from tests.conftest import smoke_args


def snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run_bad(capsys, argv):
    try:
        status = table2.main(argv)
    except SystemExit as e:  # argparse's own errors
        status = e.code
    return status, capsys.readouterr().err.strip().splitlines()


# Every bad argument's message is tested in tests/test_bad_input.py; here, that a finished table
# and its runs survive them untouched: one rejected while parsing, one while building the specs.
@pytest.mark.parametrize("extra, message", [
    (["--seeds", "0"], "argument --seeds: expected a positive integer, got 0"),
    (["--set", "colour=red"], "bad override 'colour=red'"),
])
def test_bad_arguments(finished, capsys, extra, message):
    before = snapshot(finished)
    status, lines = run_bad(capsys, smoke_args(finished, "--seeds", "1") + extra)
    assert status == 2
    assert len(lines) == 1 and message in lines[0], lines
    assert snapshot(finished) == before


def test_results_dir_that_cannot_be_written(finished, capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    before = snapshot(finished)
    argv = smoke_args(finished, "--seeds", "1")
    argv[argv.index("--results-dir") + 1] = str(blocker / "results")
    status, lines = run_bad(capsys, argv)
    assert status == 2 and len(lines) == 1 and f"results directory {blocker}/results cannot be created" in lines[0]
    assert snapshot(finished) == before


def test_corrupt_cache_file(finished, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("AAE_CACHE", str(tmp_path))
    (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 truncated")
    before = snapshot(finished)
    argv = smoke_args(finished, "--seeds", "1")
    argv[argv.index("synthetic")] = "mnist"
    status, lines = run_bad(capsys, argv)
    assert status == 2 and len(lines) == 1 and "mnist.npz is corrupt" in lines[0] and "delete it" in lines[0]
    assert snapshot(finished) == before


def test_help_explains_the_budgets(capsys):
    with pytest.raises(SystemExit) as e:
        table2.main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "smoke = seconds" in out and "--gather-only" in out and "--executor" in out
