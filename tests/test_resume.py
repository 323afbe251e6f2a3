"""Kill a run with SIGKILL mid-way, re-run the command: the final record equals an uninterrupted run's."""
import json
import signal

import pytest
import torch

from tests.conftest import run_cli, run_process, smoke_args


def run_dirs(root):
    """The run directories (not `cache/`, which sits beside them)."""
    return sorted(p for p in (root / "runs").iterdir() if p.is_dir() and p.name != "cache")


@pytest.mark.parametrize("kill_after", [2, pytest.param(1, marks=pytest.mark.slow), pytest.param(3, marks=pytest.mark.slow)])
def test_sigkilled_run_resumes_to_the_same_result(tmp_path, kill_after):
    args = ["--seeds", "1", "--models", "nn_baseline", "--set", "epochs=4"]
    clean = run_cli("benchmarks.table2", *smoke_args(tmp_path / "clean", *args))
    assert clean.returncode == 0, clean.stderr

    killed = run_process("benchmarks.table2", *smoke_args(tmp_path / "killed", *args),
                     env_extra={"AAE_KILL_AFTER_EPOCH": str(kill_after)})
    assert killed.returncode == -signal.SIGKILL
    [interrupted] = run_dirs(tmp_path / "killed")  # the first job died; the second never started
    assert json.loads((interrupted / "status.json").read_text()) == {"state": "running"}
    assert torch.load(interrupted / "checkpoint.pt", weights_only=True)["epoch"] == kill_after
    assert not (tmp_path / "killed" / "results" / "table2.md").exists()

    resumed = run_cli("benchmarks.table2", *smoke_args(tmp_path / "killed", *args))
    assert resumed.returncode == 0, resumed.stderr
    assert "2 to run (1 resume from a checkpoint)" in resumed.stderr

    a_dirs, b_dirs = run_dirs(tmp_path / "clean"), run_dirs(tmp_path / "killed")
    assert [d.name for d in a_dirs] == [d.name for d in b_dirs]  # same specs, same hashes
    for a, b in zip(a_dirs, b_dirs):
        ra, rb = (json.loads((d / "record.json").read_text()) for d in (a, b))
        assert ra["metrics"] == rb["metrics"] and ra["labelled_indices"] == rb["labelled_indices"]
        assert (a / "metrics.jsonl").read_text() == (b / "metrics.jsonl").read_text()  # every epoch's loss, bit for bit
        wa, wb = (torch.load(d / "checkpoint.pt", weights_only=True)["model"]["nets"] for d in (a, b))
        assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_a_diverging_run_fails_instead_of_reporting_a_number(tmp_path):
    done = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "1", "--models", "nn_baseline",
                                                    "--set", "lr=1e30"))
    assert done.returncode == 0, done.stderr  # the table is still written, with the failure in it
    table = (tmp_path / "results" / "table2.md").read_text()
    assert table.count("| 1 failed: FloatingPointError: non-finite loss in epoch 1") == 2, table
    statuses = [json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*/status.json")]
    assert [s["state"] for s in statuses] == ["failed", "failed"]
