"""The fault catalogue of docs/RELIABILITY.md: damaged run files, planted checkpoints, a full disk,
a NaN evaluation, a second process, stale temp files, changed data or thread counts.

Every fault is injected into a copy of one finished smoke table; the promise each test checks:
no traceback, the damaged file named, nothing finished lost, and the numbers after recovery equal
the undamaged run's.
"""
import dataclasses
import errno
import hashlib
import json
import math

import pytest
import torch

import aae.eval
import aae.io
from aae.data import load_dataset
from aae.experiment import checkpoints
from aae.experiment.run_dir import RunDir
from aae.experiment.spec import JobSpec
from aae.experiment.train import failure_reason
from aae.models.base import DataInfo
from aae.models.registry import get_model
from benchmarks.recipes import recipe
from tests.conftest import SMOKE_TABLE2, run_cli, smoke_args

ARGS = SMOKE_TABLE2


def run_dirs(root):
    """The run directories (not `cache/`, which sits beside them)."""
    return sorted(p for p in (root / "runs").iterdir() if p.is_dir() and p.name != "cache")


def spec_of(run_dir) -> JobSpec:
    return JobSpec.from_dict(json.loads((run_dir / "config.json").read_text()))


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def metrics(run_dir) -> dict:
    return json.loads((run_dir / "record.json").read_text())["metrics"]


def table(root, *extra):
    return run_cli("benchmarks.table2", *smoke_args(root, *ARGS, *extra))


class Planted:
    """A pickle that runs a command when unpickled without weights_only."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


def plant(path, marker):
    torch.save({"epoch": 1, "model": Planted(marker), "rng": {}, "history": [], "wall_time": 0.0}, path)


# -- damaged record.json / status.json / metrics.jsonl of a finished run ------------------------

DAMAGES = {
    "garbage": lambda old: b"\x00\xff not json",
    "empty-object": lambda old: b"{}",
    "empty-file": lambda old: b"",
    "truncated": lambda old: old[: len(old) // 2],
    "wrong-type": lambda old: b"[1, 2]",
}
FILE_DAMAGES = [(f, d) for f in ("record.json", "status.json", "metrics.jsonl") for d in DAMAGES]


@pytest.mark.parametrize("name, damage", FILE_DAMAGES, ids=[f"{f}-{d}" for f, d in FILE_DAMAGES])
def test_a_damaged_run_file_is_named_shown_failed_and_rescored(root, name, damage):
    run = run_dirs(root)[0]
    before, checkpoint = metrics(run), digest(run / "checkpoint.pt")
    target = run / name
    target.write_bytes(DAMAGES[damage](target.read_bytes()))

    page = (root / "results" / "table2.md").read_text()
    refused = table(root, "--gather-only")  # a page with fewer finished runs never replaces it unasked
    assert refused.returncode == 2 and "--force replaces them" in refused.stderr.splitlines()[-1], refused.stderr
    assert str(target) in refused.stderr and (root / "results" / "table2.md").read_text() == page
    gathered = table(root, "--gather-only", "--force")  # never a crash, whatever the file holds
    assert gathered.returncode == 0, gathered.stderr
    assert str(target) in gathered.stderr
    md = (root / "results" / "table2.md").read_text()
    assert "1 failed: damaged run file" in md and name in md

    again = table(root)  # the next run re-scores it from its final checkpoint, not trains it
    assert again.returncode == 0, again.stderr
    assert str(target) in again.stderr and "will be re-run" in again.stderr
    assert metrics(run) == before and digest(run / "checkpoint.pt") == checkpoint
    assert RunDir(root / "runs", spec_of(run)).is_complete()
    assert "failed:" not in (root / "results" / "table2.md").read_text()


@pytest.mark.parametrize("name", ["record.json", "status.json", "metrics.jsonl"])
def test_a_lost_run_file_is_rescored(root, name):
    run = run_dirs(root)[0]
    before = metrics(run) if name != "record.json" else json.loads((run / "record.json").read_text())["metrics"]
    (run / name).unlink()
    again = table(root)
    assert again.returncode == 0, again.stderr
    assert metrics(run) == before and (run / name).exists()


# -- checkpoints: planted, damaged, of the wrong model ------------------------------------------

CHECKPOINT_DAMAGES = ["garbage", "truncated", "planted", "planted-without-digest", "not-a-checkpoint", "empty"]


def damage_checkpoint(path, kind, marker):
    if kind.startswith("planted"):
        plant(path, marker)
        if kind == "planted-without-digest":  # as if written before digests: weights_only=True refuses it
            checkpoints.digest_path(path).unlink()
    elif kind == "not-a-checkpoint":
        torch.save({"weights": torch.zeros(3)}, path)
    elif kind == "garbage":
        path.write_bytes(b"PK\x03\x04 garbage")
    elif kind == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("kind", CHECKPOINT_DAMAGES)
def test_a_damaged_checkpoint_of_an_unfinished_run_is_set_aside_and_retrained(root, kind, tmp_path):
    run = run_dirs(root)[0]
    before = metrics(run)
    (run / "record.json").unlink()
    (run / "status.json").write_text('{"state": "running"}')
    marker = tmp_path / "code-ran"
    damage_checkpoint(run / "checkpoint.pt", kind, marker)

    again = table(root)
    assert again.returncode == 0, again.stderr
    assert not marker.exists()  # weights_only=True: the planted pickle is refused, never run
    assert f"damaged run file {run / 'checkpoint.pt'}" in again.stderr and "starts again from epoch 0" in again.stderr
    assert (run / "checkpoint.pt.damaged").exists()
    assert metrics(run) == before  # trained again from its seed: the same numbers


def zero_inside_a_tensor(path):
    """Zeros over the middle of the file (up to 400 KB, the probe's size), where the tensors' bytes
    lie; the zip's headers and index stay intact, so torch.load alone would accept it."""
    data = bytearray(path.read_bytes())
    middle, span = len(data) // 2, min(400_000, len(data) // 4)
    data[middle: middle + span] = bytes(span)
    path.write_bytes(bytes(data))


def other_models_checkpoint(path):
    """A checkpoint this harness wrote, with its digest, but of another model (the VAE)."""
    ckpt = torch.load(path, weights_only=True)
    data = load_dataset("synthetic")
    info = DataInfo(data.input_dim, data.n_classes, len(data.x_train), len(data.x_train))
    vae = get_model("vae").cls(recipe("vae", "smoke").model, info, "cpu")
    checkpoints.save(path, {**ckpt, "model": vae.state_dict()})


def past_the_config(path):
    ckpt = torch.load(path, weights_only=True)
    checkpoints.save(path, {**ckpt, "epoch": 3_000_000_000})


@pytest.mark.parametrize("change", [zero_inside_a_tensor, other_models_checkpoint, past_the_config],
                         ids=["zeros-inside-a-tensor", "another-models", "epoch-past-the-config"])
def test_a_checkpoint_that_is_not_this_runs_is_set_aside_and_the_run_retrained(root, change):
    run = run_dirs(root)[0]
    before = metrics(run)
    rewind(run)
    change(run / "checkpoint.pt")
    again = table(root)
    assert again.returncode == 0, again.stderr
    lines = [line for line in again.stderr.splitlines() if "damaged run file" in line]
    assert len(lines) == 1 and str(run / "checkpoint.pt") in lines[0] and "starts again from epoch 0" in lines[0]
    assert "metrics.jsonl" not in lines[0]  # the checkpoint is blamed, not the metric log
    assert (run / "checkpoint.pt.damaged").exists()
    assert metrics(run) == before  # retrained from its seed: the undamaged run's numbers


def test_a_kill_between_the_digest_and_the_checkpoint_still_resumes(root, monkeypatch):
    """The digest file is replaced first and names the checkpoint it replaces too: a kill before
    the checkpoint's own rename leaves an old checkpoint its digest file still accepts."""
    run = run_dirs(root)[0]
    before = metrics(run)
    rewind(run)
    old = (run / "checkpoint.pt").read_bytes()
    ckpt = torch.load(run / "checkpoint.pt", weights_only=True)
    checkpoints.save(run / "checkpoint.pt", {**ckpt, "wall_time": 1.0})
    (run / "checkpoint.pt").write_bytes(old)  # the new digest landed, the new checkpoint did not
    again = table(root)
    assert again.returncode == 0, again.stderr
    assert "resuming after epoch 1" in again.stderr and "damaged" not in again.stderr
    assert metrics(run) == before


# Figure 7 trains its own run (7 s a case): in CI the planted pickle, the case that matters most;
# every kind goes through the same checkpoints.load, which the unfinished-run test above tries with
# all six
@pytest.mark.parametrize("kind", [k if k == "planted" else pytest.param(k, marks=pytest.mark.slow)
                                  for k in CHECKPOINT_DAMAGES])
def test_a_damaged_checkpoint_of_a_finished_run_fails_its_figure_in_one_line(tmp_path, kind):
    args = ["--budget", "smoke", "--dataset", "synthetic", "--runs-dir", str(tmp_path / "runs"),
            "--results-dir", str(tmp_path / "results")]
    assert run_cli("benchmarks.figure7", *args).returncode == 0
    [run] = run_dirs(tmp_path)  # the supervised AAE's (its judge is cached, not a run)
    marker = tmp_path / "code-ran"
    damage_checkpoint(run / "checkpoint.pt", kind, marker)
    ran = run_cli("benchmarks.figure7", *args)
    errors = [line for line in ran.stderr.splitlines() if "error:" in line]
    assert ran.returncode == 2 and len(errors) == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert f"damaged run file {run / 'checkpoint.pt'}" in errors[0]
    assert not marker.exists()


# every kind goes through the same checkpoints.load (the unfinished-run test above tries all six in
# CI): here the two planted ones, the others with -m slow
@pytest.mark.parametrize("kind", [k if k.startswith("planted") else pytest.param(k, marks=pytest.mark.slow)
                                  for k in CHECKPOINT_DAMAGES])
def test_a_later_evaluation_of_a_damaged_checkpoint_keeps_its_cause(tmp_path, kind):
    base = ["--seeds", "1", "--models", "vae"]
    first = run_cli("benchmarks.table1", *smoke_args(tmp_path, *base, "--samples", "100"))
    assert first.returncode == 0, first.stderr
    [run] = run_dirs(tmp_path)
    marker = tmp_path / "code-ran"
    damage_checkpoint(run / "checkpoint.pt", kind, marker)
    more = run_cli("benchmarks.table1", *smoke_args(tmp_path, *base, "--samples", "100", "150"))
    assert more.returncode == 0, more.stderr
    md = (tmp_path / "results" / "table1.md").read_text()
    assert "1 failed: evaluation: DamagedRunFile: damaged run file" in md and "checkpoint.pt" in md
    assert json.loads((run / "status.json").read_text()) == {"state": "done"}  # the training stays finished
    assert "parzen@100_ll" in metrics(run) and not marker.exists()


# -- a full disk ---------------------------------------------------------------------------------

def fill_disk_under(monkeypatch, folder):
    real = aae.io._sync

    def sync(f, path):
        if str(path).startswith(str(folder)):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(f, path)

    monkeypatch.setattr(aae.io, "_sync", sync)


def snapshot(folder):
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_full_disk_stops_the_command_in_one_line_and_keeps_finished_runs(root, monkeypatch):
    finished_before = snapshot(root)
    fill_disk_under(monkeypatch, root / "runs")
    ran = table(root, "--set", "epochs=4")  # new runs: the first cannot write its checkpoint
    [error] = [line for line in ran.stderr.splitlines() if "error:" in line]
    assert ran.returncode == 2
    assert f"cannot write {root / 'runs'}" in error and "No space left on device" in error and "Finished runs and tables are kept" in error
    assert "Traceback" not in ran.stderr
    new_runs = [d for d in run_dirs(root) if not (d / "record.json").exists()]
    assert len(new_runs) == 1  # the second run was never attempted on a full disk
    assert {k: v for k, v in snapshot(root).items() if k in finished_before} == finished_before
    assert not list(root.rglob("*.tmp"))


def test_a_full_results_disk_keeps_the_old_table(root, monkeypatch):
    old = (root / "results" / "table2.md").read_bytes()
    fill_disk_under(monkeypatch, root / "results")
    ran = table(root, "--gather-only")
    assert ran.returncode == 2 and "table2.md: No space left on device" in ran.stderr.strip().splitlines()[-1]
    assert (root / "results" / "table2.md").read_bytes() == old


# -- numbers that are not numbers ---------------------------------------------------------------

def test_a_nan_evaluation_fails_the_run_instead_of_counting(root, monkeypatch):
    nan = dataclasses.replace(aae.eval.EVALUATIONS["classification"],
                              run=lambda model, ctx: {"test_error": math.nan, "valid_error": 1.0})
    monkeypatch.setitem(aae.eval.EVALUATIONS, "classification", nan)
    ran = table(root, "--set", "epochs=2", "--force")  # a page of failures replaces a finished one only so
    assert ran.returncode == 0, ran.stderr
    md = (root / "results" / "table2.md").read_text()
    assert md.count("1 failed: evaluation: FloatingPointError: non-finite test_error in the evaluation") == 2, md
    assert "| nan" not in md.lower()


def test_a_failing_evaluation_fails_its_own_columns_only_and_is_tried_again(tmp_path, monkeypatch):
    """A feature network that cannot be used fails FID's column, not Parzen's, which does not
    need it; the training is kept, and the next command runs the failed evaluation again."""
    def broken(model, ctx, samples: int = 10_000):
        raise RuntimeError("feature network broke")

    real = aae.eval.EVALUATIONS["fid"]
    monkeypatch.setitem(aae.eval.EVALUATIONS, "fid", dataclasses.replace(real, run=broken))
    args = smoke_args(tmp_path, "--seeds", "1", "--models", "vae", "--samples", "100")
    ran = run_cli("benchmarks.table1", *args)
    assert ran.returncode == 0, ran.stderr
    assert "failed: EvaluationFailed: evaluation fid@200: RuntimeError: feature network broke" in ran.stderr
    cells = {line.split("|")[2].strip(): line.split("|")[3].strip()
             for line in (tmp_path / "results" / "table1.md").read_text().splitlines() if line.startswith("| VAE")}
    assert cells["synthetic FID ↓ (200)"] == "1 failed: evaluation: RuntimeError: feature network broke"
    assert cells["synthetic (100)"][0] == "-" and "failed" not in cells["synthetic (100)"]  # Parzen: a number
    [run] = run_dirs(tmp_path)
    assert json.loads((run / "status.json").read_text()) == {"state": "done"}
    monkeypatch.setitem(aae.eval.EVALUATIONS, "fid", real)
    again = run_cli("benchmarks.table1", *args)
    assert again.returncode == 0 and "fid@200" in metrics(run), again.stderr


def test_a_nan_in_a_loss_input_reads_as_divergence():
    reason = failure_reason(RuntimeError("all elements of input should be between 0 and 1"))
    assert reason.startswith("diverged: non-finite values in training")


# -- a second process ---------------------------------------------------------------------------

def test_a_run_held_by_another_process_is_skipped_not_trained_twice(root):
    held = run_dirs(root)[0]
    (held / "record.json").unlink()
    (held / "status.json").write_text('{"state": "running"}')
    checkpoint = digest(held / "checkpoint.pt")
    with RunDir(root / "runs", spec_of(held)).claim():
        ran = table(root, "--force")
        assert ran.returncode == 0, ran.stderr
        assert "skipped: held by pid" in ran.stderr
        assert digest(held / "checkpoint.pt") == checkpoint and not (held / "record.json").exists()
        assert "1 not finished" in (root / "results" / "table2.md").read_text()
    again = table(root)  # the owner is gone (its lock went with it): the run is finished now
    assert again.returncode == 0 and (held / "record.json").exists()


# -- what a kill leaves behind ------------------------------------------------------------------

def test_a_temp_file_left_by_a_killed_writer_is_removed_on_resume(root):
    run = run_dirs(root)[0]
    (run / "record.json").unlink()
    (run / "status.json").write_text('{"state": "running"}')
    stale = run / ".checkpoint.pt.k1ll3d.tmp"
    stale.write_bytes(b"\0" * 100_000)
    assert table(root).returncode == 0
    assert not stale.exists()


def rewind(run, **changes):
    """Turn a finished run into one interrupted after epoch 1, its checkpoint changed as given
    (and saved with its digest, as the harness would have written it)."""
    ckpt = torch.load(run / "checkpoint.pt", weights_only=True)
    ckpt = {**ckpt, "epoch": 1, "history": ckpt["history"][:1], **changes}
    checkpoints.save(run / "checkpoint.pt", ckpt)
    (run / "record.json").unlink()
    (run / "status.json").write_text('{"state": "running"}')


def test_a_resume_at_another_thread_count_is_said_and_recorded(root):
    run = run_dirs(root)[0]
    rewind(run, threads=1, thread_history=[1])
    ran = table(root)
    assert ran.returncode == 0, ran.stderr
    assert f"resuming with {torch.get_num_threads()} threads after 1" in ran.stderr
    assert json.loads((run / "record.json").read_text())["threads"] == sorted({1, torch.get_num_threads()})


def test_a_resume_on_other_data_fails_with_the_reason(root):
    run = run_dirs(root)[0]
    rewind(run, data="0123456789abcdef")
    ran = table(root, "--force")
    assert ran.returncode == 0, ran.stderr
    assert "the synthetic data differ from those" in (root / "results" / "table2.md").read_text()


def test_records_carry_the_data_fingerprint_and_thread_count(finished):
    for run in run_dirs(finished):
        record = json.loads((run / "record.json").read_text())
        assert record["data"]["name"] == "synthetic" and len(record["data"]["fingerprint"]) == 16
        assert record["data"]["n_train"] == 600 and record["threads"] == [torch.get_num_threads()]


def test_a_lock_is_released_when_its_owner_dies(root):
    """The owner killed with SIGKILL (no cleanup runs): the kernel drops its fcntl lock."""
    import signal
    import subprocess
    import sys

    run = RunDir(root / "runs", spec_of(run_dirs(root)[0]))
    owner = subprocess.Popen([sys.executable, "-c", f"import fcntl, sys, time; f = open({str(run.lock_file)!r}, 'a+'); "
                              "fcntl.flock(f, fcntl.LOCK_EX); f.truncate(0); f.write('pid x on y'); f.flush(); print('held', flush=True); "
                              "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "held"
        with pytest.raises(Exception, match="held by pid x on y"):
            with run.claim():
                pass
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    with run.claim():  # free again
        assert "pid" in run.lock_file.read_text()


@pytest.mark.parametrize("damage", ["garbage", "empty-file"])
@pytest.mark.parametrize("name", ["config.json", "eval_errors.json", "lock"])
def test_damage_to_a_file_no_result_depends_on_is_harmless(root, name, damage):
    run = run_dirs(root)[0]
    before = metrics(run)
    (run / name).write_bytes(DAMAGES[damage](b""))
    for extra in (["--gather-only"], []):
        ran = table(root, *extra)
        assert ran.returncode == 0 and "damaged" not in ran.stderr, ran.stderr
    assert metrics(run) == before and "failed:" not in (root / "results" / "table2.md").read_text()


def test_held_by_names_the_owner_and_changes_nothing(root):
    run = RunDir(root / "runs", spec_of(run_dirs(root)[0]))
    before = snapshot(run.path)
    assert run.held_by() is None and snapshot(run.path) == before
    with run.claim():
        assert run.held_by().startswith("pid ")
