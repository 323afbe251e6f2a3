"""scripts/device-check.sh and benchmarks.machine.perf_device on a machine without CUDA: one line, exit 0."""
import subprocess

import pytest
import torch

from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")


def test_the_device_check_says_in_one_line_that_there_is_nothing_to_check():
    done = subprocess.run(["bash", "scripts/device-check.sh"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == ["device-check: no CUDA device here; nothing to check"]


def test_perf_device_writes_nothing_without_cuda(tmp_path):
    done = run_cli("benchmarks.machine.perf_device", "--results-dir", str(tmp_path))
    assert done.returncode == 0 and done.stdout.strip() == "benchmarks.machine.perf_device: no CUDA device here; nothing to measure"
    assert list(tmp_path.iterdir()) == []
