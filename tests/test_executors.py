"""aae/experiment/executors.py on its own: which runs an executor is handed, what it reports, and
that an unknown name is one line. The real training paths (workers, submitit) are covered end to
end in tests/test_end_to_end.py and tests/test_slurm.py."""
import dataclasses

import pytest

from aae.errors import UserError
from aae.experiment import executors
from aae.experiment.job import Outcome
from aae.experiment.run_dir import RunDir
from tests.test_faults import run_dirs, spec_of


@pytest.fixture
def specs(finished):
    """The shared table's finished run and two runs of the same row that never started."""
    done = spec_of(run_dirs(finished)[0])
    return [done, dataclasses.replace(done, trial=1, seed=11), dataclasses.replace(done, trial=2, seed=12)]


def test_an_executor_is_handed_only_the_runs_not_finished(finished, specs, monkeypatch, capsys):
    handed = []

    def fake(pending, runs_root, data_dir, workers, report, slurm_options):
        handed.extend(pending)
        for spec in pending:
            report(Outcome(spec, "done", "fake"))

    monkeypatch.setitem(executors.EXECUTORS, "fake", fake)
    outcomes = executors.run_specs(specs, finished / "runs", "fake")
    assert handed == specs[1:] and [o.spec for o in outcomes] == specs[1:]
    err = capsys.readouterr().err
    assert "3 runs: 1 already finished, 2 to run" in err and "[2/2]" in err


def test_nothing_pending_calls_no_executor(finished, specs, monkeypatch):
    monkeypatch.setitem(executors.EXECUTORS, "fake", lambda *a: pytest.fail("called with nothing to run"))
    assert executors.run_specs(specs[:1], finished / "runs", "fake") == []


def test_local_with_one_worker_runs_each_pending_spec_in_order_in_this_process(specs, tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(executors, "execute", lambda spec, root, data_dir, progress: seen.append(spec) or
                        Outcome(spec, "done", ""))
    outcomes = executors.run_specs(specs, tmp_path / "runs", "local", workers=1)
    assert seen == specs and [o.state for o in outcomes] == ["done"] * 3


def test_debug_lets_a_failure_propagate(specs, tmp_path, monkeypatch):
    def boom(spec, root, data_dir, progress, reraise):
        assert reraise  # for pdb: the exception is not turned into a failed run
        raise ZeroDivisionError

    monkeypatch.setattr(executors, "execute", boom)
    with pytest.raises(ZeroDivisionError):
        executors.run_specs(specs, tmp_path / "runs", "debug")
    assert not RunDir(tmp_path / "runs", specs[0]).path.exists()


def test_an_unknown_executor_is_one_line_naming_the_known_ones(specs, tmp_path):
    with pytest.raises(UserError, match="unknown executor 'sge'; known: .*local.*slurm"):
        executors.run_specs(specs, tmp_path / "runs", "sge")
