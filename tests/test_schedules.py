"""Learning-rate schedules (aae/experiment/schedules.py): the factors, and a scheduled run killed mid-way
resuming to the weights of one never interrupted."""
import json
import math
import signal

import pytest
import torch

from aae.experiment.schedules import lr_factor
from tests.conftest import run_cli, run_process, smoke_args
from tests.test_resume import run_dirs


def test_cosine_falls_from_one_towards_zero_step_drops_to_a_tenth_and_constant_stays_at_one():
    factors = [lr_factor("cosine", e, 10) for e in range(10)]
    assert factors[0] == 1.0 and factors[5] == pytest.approx(0.5)
    assert all(a > b for a, b in zip(factors, factors[1:])) and 0 < factors[-1] < 0.03
    assert {lr_factor("constant", e, 10) for e in range(10)} == {1.0}
    assert [lr_factor("step", e, 12) for e in range(12)] == [1.0] * 9 + [0.1] * 3  # the last quarter at a tenth
    assert [lr_factor("step", e, 10) for e in range(10)] == [1.0] * 8 + [0.1] * 2
    with pytest.raises(ValueError, match="unknown lr_schedule"):
        lr_factor("linear", 0, 10)


def test_a_scheduled_run_resumes_at_the_rates_and_weights_of_an_uninterrupted_one(tmp_path):
    args = ["--seeds", "1", "--models", "ssaae", "--set", "epochs=3", "lr_schedule=cosine"]
    clean = run_cli("benchmarks.table2", *smoke_args(tmp_path / "clean", *args))
    assert clean.returncode == 0, clean.stderr
    killed = run_process("benchmarks.table2", *smoke_args(tmp_path / "killed", *args),
                         env_extra={"AAE_KILL_AFTER_EPOCH": "2"})
    assert killed.returncode == -signal.SIGKILL
    resumed = run_cli("benchmarks.table2", *smoke_args(tmp_path / "killed", *args))
    assert resumed.returncode == 0, resumed.stderr

    a_dirs, b_dirs = run_dirs(tmp_path / "clean"), run_dirs(tmp_path / "killed")
    assert [d.name for d in a_dirs] == [d.name for d in b_dirs]
    for a, b in zip(a_dirs, b_dirs):
        assert (a / "metrics.jsonl").read_text() == (b / "metrics.jsonl").read_text()
        ca, cb = (torch.load(d / "checkpoint.pt", weights_only=True)["model"] for d in (a, b))
        for k in ca["nets"]:
            assert torch.equal(ca["nets"][k], cb["nets"][k]), k
        assert json.loads((a / "config.json").read_text())["training"]["lr_schedule"] == "cosine"
        for name, opt in ca["optimizers"].items():
            for group in opt["param_groups"]:  # the last epoch's rate: the initial one times cos's factor
                assert group["lr"] == pytest.approx(group["initial_lr"] * 0.5 * (1 + math.cos(math.pi * 2 / 3))), name
