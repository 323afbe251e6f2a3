import contextlib
import importlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
import torch

REPO = Path(__file__).resolve().parent.parent
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens: a download fails at once, never reaches the internet


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Every test gets its own empty cache and no user data dir: nothing leaks in from the machine."""
    monkeypatch.setenv("AAE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("AAE_DATA", raising=False)
    monkeypatch.delenv("AAE_KILL_AFTER_EPOCH", raising=False)
    monkeypatch.delenv("AAE_PRECISION", raising=False)  # what precision=auto resolves to: the machine's
    monkeypatch.delenv("AAE_TENSORBOARD", raising=False)
    monkeypatch.setenv("AAE_SVHN_URL", CLOSED_PORT)  # the tests that download serve their own files  # events on, as for a user; --no-tensorboard sets it
    torch.set_num_threads(2)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_cli(module: str, *args: str, env_extra: dict | None = None) -> Ran:
    """`python -m module args` as a user runs it, but in this process: main(argv) with its output
    captured. A fresh interpreter per command would pay torch's imports again (about 6 s each,
    most of the suite's time); run_process is for the tests that need one."""
    main = importlib.import_module(module).main
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env_extra or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse's own errors and --help
            code = e.code if isinstance(e.code, int) else int(e.code is not None)
    return Ran(code, out.getvalue(), err.getvalue())


def run_process(module: str, *args: str, env_extra: dict | None = None):
    """`python -m module args` in a fresh process (for a test that kills it)."""
    env = {**os.environ, **(env_extra or {})}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)


def smoke_args(tmp_path: Path, *extra: str) -> list[str]:
    return ["--budget", "smoke", "--datasets", "synthetic", "--runs-dir", str(tmp_path / "runs"),
            "--results-dir", str(tmp_path / "results"), *extra]


SMOKE_TABLE2 = ["--seeds", "1", "--models", "nn_baseline"]  # the shared finished table's own arguments


@pytest.fixture(scope="session")
def finished(tmp_path_factory):
    """One finished smoke Table 2 (one nn_baseline run, its page and records), trained once for the
    whole suite. Tests only read it (the bad-input tests check that it survives them untouched);
    a test that damages or extends it takes `root`, a private copy."""
    from benchmarks import table2

    root = tmp_path_factory.mktemp("finished")
    assert table2.main(smoke_args(root, *SMOKE_TABLE2)) == 0
    return root


@pytest.fixture
def root(finished, tmp_path):
    """A private copy of the shared finished table, to damage or extend."""
    shutil.copytree(finished, tmp_path / "t")
    return tmp_path / "t"


def smoke_plan(name: str, overrides=()) -> dict:
    """The smoke recipe's training plan as DataInfo's fields, for a test that builds a model
    itself (GMMN+AE counts its autoencoder stage in the loop's epochs)."""
    from aae.experiment.batches import loop_plan
    from benchmarks.recipes import recipe

    return loop_plan(recipe(name, "smoke", overrides=list(overrides)).training, n_train=600)
