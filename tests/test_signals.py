"""Issue 34, cause 4: stop when told. Ctrl-C or SIGTERM to a two-worker table cancels its queued
runs and stops the running ones: no run starts after the signal, no worker outlives the command,
and the same command resumes what was stopped."""
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, smoke_args

# nine runs of several seconds each on two workers: most still queued when the signal comes
ARGS = ["--models", "ssaae", "--seeds", "3", "--workers", "2", "--set", "epochs=30", "--no-tensorboard"]


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "State:\tZ" not in f.read()
    except OSError:
        return False


def started_runs(root) -> int:
    runs = root / "runs"
    return sum((d / "status.json").exists() for d in runs.iterdir() if d.is_dir() and d.name != "cache") \
        if runs.exists() else 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
# SIGTERM reaches the same path as Ctrl-C (cli.guarded turns it into KeyboardInterrupt, tested in
# this process below); its real-process case runs with -m slow
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), pytest.param(signal.SIGTERM, 143, marks=pytest.mark.slow)])
def test_a_signal_cancels_the_queue_and_leaves_no_worker(tmp_path, sig, code):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # the default handler restored in the child: a suite started in the background (`cmd &`) ignores
    # SIGINT, and a child inherits that, so Ctrl-C would never arrive
    command = subprocess.Popen([sys.executable, "-m", "benchmarks.table2", *smoke_args(tmp_path, *ARGS)], cwd=REPO,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 120
        while started_runs(tmp_path) < 2 and time.time() < deadline:  # both workers training
            time.sleep(0.2)
        workers = children_of(command.pid)
        assert started_runs(tmp_path) == 2 and workers, "the table never started two runs"
        command.send_signal(sig)
        _, stderr = command.communicate(timeout=60)
    finally:  # a failing test leaves nothing running
        if command.poll() is None:
            for worker in children_of(command.pid):
                os.kill(worker, signal.SIGKILL)
            command.kill()
            command.wait()
    assert command.returncode == code, stderr
    assert "finished runs are kept, and the same command resumes the rest" in stderr
    time.sleep(1)
    assert started_runs(tmp_path) == 2  # nothing started after the signal
    assert not [w for w in workers if alive(w)]  # every worker (and its resource tracker) is gone


def test_sigterm_is_handled_as_an_interrupt_and_the_old_handler_comes_back(capsys):
    from benchmarks.cli import guarded

    before = signal.getsignal(signal.SIGTERM)

    def body():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends
        return 0

    assert guarded("prog", body) == 143
    assert capsys.readouterr().err.strip() == (
        "prog: terminated; finished runs are kept, and the same command resumes the rest")
    assert signal.getsignal(signal.SIGTERM) is before
