"""Issue 34: benchmarks.machine.perf and benchmarks.machine.eval_time check their arguments up front: one line,
exit 2, before minutes of measuring."""
import pytest

from tests.conftest import run_cli


@pytest.mark.parametrize("args, says", [
    (["--steps", "0"], "argument --steps: expected a positive integer, got 0"),
    (["--repeats", "0"], "argument --repeats: expected a positive integer, got 0"),
    (["--steps", "ten"], "argument --steps: expected a positive integer, got 'ten'"),
])
def test_perf_refuses_counts_that_measure_nothing(args, says):
    done = run_cli("benchmarks.machine.perf", *args)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [f"benchmarks.machine.perf: error: {says}"]


@pytest.mark.parametrize("module", ["benchmarks.machine.perf", "benchmarks.machine.eval_time"])
def test_a_results_dir_that_is_a_file_is_one_line_before_any_measurement(module, tmp_path):
    (tmp_path / "results").write_text("a file")
    done = run_cli(module, "--results-dir", str(tmp_path / "results"), *(["--quick"] if module.endswith("perf") else []))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"{module}: error: results directory {tmp_path / 'results'} cannot be created: {tmp_path / 'results'} "
        "is not a directory"]
