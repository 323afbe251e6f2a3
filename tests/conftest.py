import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Every test gets its own empty cache and no user data dir: nothing leaks in from the machine."""
    monkeypatch.setenv("AAE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("AAE_DATA", raising=False)
    monkeypatch.delenv("AAE_KILL_AFTER_EPOCH", raising=False)
    torch.set_num_threads(2)


def run_cli(module: str, *args: str, env_extra: dict | None = None, cwd: Path | None = None):
    """Run `python -m module args` in a fresh process, as a user would."""
    env = {**os.environ, **(env_extra or {})}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=env,
                          cwd=cwd or REPO, timeout=300)


def smoke_args(tmp_path: Path, *extra: str) -> list[str]:
    return ["--budget", "smoke", "--datasets", "synthetic", "--runs-dir", str(tmp_path / "runs"),
            "--results-dir", str(tmp_path / "results"), *extra]
