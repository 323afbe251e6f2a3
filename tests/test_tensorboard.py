"""Every run's TensorBoard events (aae/experiment/events.py): readable names, a copy of the history that
changes no number, and no duplicated step after a kill and a resume."""
import json

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter

from aae.experiment import train
from aae.experiment.events import TENSORBOARD_ENV, run_name, tag
from aae.experiment.spec import JobSpec
from aae.experiment.train import run_job
from benchmarks.recipes import recipe


def only_run(root):
    [run] = [p for p in (root / "runs").iterdir() if p.is_dir() and p.name != "cache"]
    return run


def events_of(run):
    """Every event the files hold: purge_orphaned_data=False, so a duplicated step would show."""
    [log_dir] = (run / "tensorboard").iterdir()
    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0}, purge_orphaned_data=False)
    acc.Reload()
    return log_dir, acc


def smoke_aae(trial: int = 0) -> JobSpec:
    """Table 1's AAE on the stand-in data, three epochs, its validation curve and no evaluation."""
    r = recipe("aae", "smoke", overrides=["epochs=3"])
    return JobSpec("table1", "aae", r.model, r.training, "synthetic", "all", trial, trial,
                   "smoke", evals=(), curve=("parzen_valid",))


def test_events_change_no_loss_weight_or_metric_and_hold_the_history(tmp_path, monkeypatch):
    run_job(smoke_aae(), tmp_path / "on" / "runs", progress=False)
    monkeypatch.setenv(TENSORBOARD_ENV, "0")
    run_job(smoke_aae(), tmp_path / "off" / "runs", progress=False)
    on, off = only_run(tmp_path / "on"), only_run(tmp_path / "off")
    assert on.name == off.name  # the same run id
    assert not (off / "tensorboard").exists()
    assert (on / "metrics.jsonl").read_text() == (off / "metrics.jsonl").read_text()
    wa, wb = (torch.load(d / "checkpoint.pt", weights_only=True)["model"]["nets"] for d in (on, off))
    assert all(torch.equal(wa[k], wb[k]) for k in wa)

    log_dir, acc = events_of(on)
    assert log_dir.name == "table1-aae-synthetic-all-trial0"
    history = [json.loads(line) for line in (on / "metrics.jsonl").read_text().splitlines()]
    for key in history[0]:
        if key != "epoch":
            events = acc.Scalars(tag(key))
            assert [e.step for e in events] == [1, 2, 3]
            assert [e.value for e in events] == [torch.tensor(row[key]).float().item() for row in history]
    assert "validation/valid_ll" in acc.Tags()["scalars"]  # Table 1's curve, apart from the losses
    assert acc.Tags()["images"] == ["samples"]


class Killed(BaseException):
    """What SIGKILL leaves, in this process: no handler runs, the run stays "running"."""


def test_a_resumed_run_has_every_epoch_once(tmp_path, monkeypatch):
    def kill(pid, sig):
        raise Killed
    monkeypatch.setattr(train.os, "kill", kill)
    monkeypatch.setenv("AAE_KILL_AFTER_EPOCH", "2")
    with pytest.raises(Killed):
        run_job(smoke_aae(), tmp_path / "runs", progress=False)
    run = only_run(tmp_path)
    assert json.loads((run / "status.json").read_text()) == {"state": "running"}
    log_dir, acc = events_of(run)
    assert {e.step for e in acc.Scalars("train/reconstruction")} == {1, 2}
    # what a kill between an epoch's events and its checkpoint leaves: a step the history lacks
    with SummaryWriter(log_dir=str(log_dir)) as orphan:
        orphan.add_scalar("train/reconstruction", 123.0, global_step=3)

    monkeypatch.delenv("AAE_KILL_AFTER_EPOCH")
    run_job(smoke_aae(), tmp_path / "runs", progress=False)
    _, acc = events_of(run)
    history = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    events = acc.Scalars("train/reconstruction")
    assert [e.step for e in events] == [1, 2, 3]
    assert [e.value for e in events] == [torch.tensor(row["reconstruction"]).float().item() for row in history]


def test_run_names_say_table_row_dataset_setting_and_trial():
    class Spec:
        benchmark, row, dataset, setting, trial = "table3", "clustering_aae:16", "mnist", "none", 4
    assert run_name(Spec) == "table3-clustering_aae_16-mnist-none-trial4"
    assert tag("valid_error") == "validation/valid_error" and tag("reconstruction") == "train/reconstruction"
