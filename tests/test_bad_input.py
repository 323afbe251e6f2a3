"""The bad-input catalogue of docs/RELIABILITY.md: every command, every kind of mistake.

Each case must end in exit status 2 and one line on stderr that names the problem, before
anything is written: the runs and results folders it names are not even created.
"""
import numpy as np
import pytest

from tests.conftest import run_cli

T1, T2, FIGS, FIG7 = "benchmarks.table1", "benchmarks.table2", "benchmarks.figures", "benchmarks.figure7"
DR = "benchmarks.dimreduction"
T3 = "benchmarks.table3"

# (id, command, arguments after the common ones, what the one line must say)
CASES = [
    # numeric options, checked when parsed
    ("seeds-zero", T2, ["--seeds", "0"], "expected a positive integer, got 0"),
    ("seeds-negative", T2, ["--seeds", "-1"], "expected a positive integer, got -1"),
    ("seeds-word", T2, ["--seeds", "abc"], "expected a positive integer, got 'abc'"),
    ("workers-zero", T2, ["--workers", "0"], "expected a positive integer, got 0"),
    ("workers-word", T2, ["--workers", "two"], "expected a positive integer, got 'two'"),
    ("timeout-zero", T2, ["--timeout-min", "0"], "expected a positive integer, got 0"),
    ("mem-word", T2, ["--mem-gb", "x"], "expected a positive integer, got 'x'"),
    ("gpus-negative", T2, ["--gpus-per-node", "-1"], "expected an integer of 0 or more, got -1"),
    ("samples-zero", T1, ["--samples", "0"], "expected a positive integer, got 0"),
    ("samples-negative", T1, ["--samples", "-5"], "expected a positive integer, got -5"),
    ("parzen-valid-zero", T1, ["--parzen-valid", "0"], "expected a positive integer, got 0"),
    ("parzen-valid-too-many", T1, ["--parzen-valid", "100000"], "synthetic has only 200 validation images"),
    ("sigma-grid-nan", T1, ["--sigma-grid=nan:0:10"], "bad sigma grid 'nan:0:10'"),
    ("sigma-grid-inf", T1, ["--sigma-grid=-1:inf:3"], "bad sigma grid '-1:inf:3'"),
    ("sigma-grid-empty", T1, ["--sigma-grid=-1:0:0"], "it needs N >= 1"),
    ("sigma-grid-word", T1, ["--sigma-grid=abc"], "use LOW:HIGH:N"),
    ("sigma-grid-fraction", T1, ["--sigma-grid=-1:0:2.5"], "use LOW:HIGH:N"),
    ("sigma-grid-huge", T1, ["--sigma-grid=-1:0:100000000"], "at most 200 sigmas"),
    ("clusters-huge", T3, ["--clusters", "1000000000"], "expected a number of clusters from 2 to 1000"),
    ("set-clusters-huge", T3, ["--set", "n_clusters=1000000000"], "n_clusters=1000000000: at most 1000"),
    # names
    ("unknown-model", T2, ["--models", "gan9000"], "unknown model 'gan9000'"),
    ("model-without-row", T2, ["--models", "supervised_aae"], "model 'supervised_aae' has no row in table2"),
    ("model-of-other-table", T1, ["--models", "ssaae"], "model 'ssaae' has no row in table1"),
    ("no-models", T2, ["--models"], "expected at least one argument"),
    ("unknown-budget", T2, ["--budget", "huge"], "unknown budget 'huge'"),
    ("unknown-executor", T2, ["--executor", "kubernetes"], "unknown executor 'kubernetes'"),
    ("dataset-of-other-table", T2, ["--datasets", "tfd"], "unknown dataset 'tfd' for table2"),
    ("synthetic-with-others", T2, ["--datasets", "synthetic", "mnist"], "give it alone"),
    ("missing-data-asked-for", T1, ["--datasets", "tfd"], "needs data: TFD_48x48.mat"),
    ("unknown-slurm-profile", T2, ["--executor", "slurm", "--slurm-profile", "nope"], "unknown slurm profile 'nope'"),
    ("slurm-profile-as-path", T2, ["--executor", "slurm", "--slurm-profile", "../../tmp/theirs"],
     "--slurm-profile takes a name from"),
    ("slurm-profile-and-file", T2, ["--executor", "slurm", "--slurm-profile", "example-cpu", "--slurm-profile-file",
                                    "mine.json"], "not both"),
    ("slurm-profile-file-missing", T2, ["--executor", "slurm", "--slurm-profile-file", "/nonexistent/mine.json"],
     "slurm profile /nonexistent/mine.json cannot be read"),
    # --set: syntax and types
    ("set-no-equals", T2, ["--set", "epochs"], "bad override 'epochs'"),
    ("set-no-key", T2, ["--set", "=3"], "bad override '=3'"),
    ("set-unknown-key", T2, ["--set", "colour=red"], "bad override 'colour=red'"),
    ("set-wrong-type", T2, ["--set", "epochs=many"], "bad override epochs=many: expected int"),
    ("set-float-for-int", T2, ["--set", "batch_size=2.5"], "bad override batch_size=2.5: expected int"),
    ("set-bool-for-int", T2, ["--set", "epochs=true"], "bad override epochs=true: expected int"),
    # --set: values each config refuses (nothing queued, nothing counted)
    ("epochs-zero", T2, ["--set", "epochs=0"], "epochs=0 must be at least 1"),
    ("epochs-negative", T2, ["--set", "epochs=-1"], "epochs=-1 must be at least 1"),
    ("batch-size-zero", T2, ["--set", "batch_size=0"], "batch_size=0 must be at least 1"),
    ("steps-negative", T2, ["--set", "steps_per_epoch=-1"], "steps_per_epoch=-1 must be at least 0"),
    ("lr-negative", T2, ["--set", "lr=-0.001"], "lr=-0.001 must be positive"),
    ("lr-zero", T2, ["--set", "lr=0"], "lr=0.0 must be positive"),
    ("lr-nan", T2, ["--set", "lr=NaN"], "lr=nan is not a finite number"),
    ("lr-infinite", T2, ["--set", "lr=Infinity"], "lr=inf is not a finite number"),
    ("hidden-empty", T2, ["--set", "hidden=[]"], "hidden=[] needs at least one entry"),
    ("hidden-zero", T2, ["--set", "hidden=[0]"], "hidden=[0]: every entry must be a positive integer"),
    ("hidden-fraction", T2, ["--set", "hidden=[1.5]"], "every entry must be a positive integer"),
    ("z-dim-zero", T2, ["--models", "ssaae", "--set", "z_dim=0"], "z_dim=0 must be at least 1"),
    ("momentum-one", T2, ["--models", "ssaae", "--set", "adv_momentum=1.0"], "adv_momentum=1.0 must lie in [0, 1)"),
    ("noise-negative", T2, ["--models", "ssaae", "--set", "input_noise=-0.1"], "input_noise=-0.1 must be at least 0"),
    ("init-std-zero", T2, ["--models", "ssaae", "--set", "init_std=0"], "init_std=0.0 must be positive"),
    ("unknown-optimizer", T2, ["--models", "ssaae", "--set", "optimizer=rmsprop"], "optimizer='rmsprop' is not one of adam, sgd"),
    ("unknown-prior", T1, ["--models", "aae", "--set", "prior=nonsense"], "prior='nonsense' is not one of"),
    ("prior-needs-2d", T1, ["--models", "aae", "--set", "prior=mixture"], "the mixture prior is 2-D: set z_dim=2"),
    ("vae-prior-needs-2d", T1, ["--models", "vae", "--set", "prior=mixture"], "the mixture prior is 2-D"),
    ("dropout-one", T1, ["--models", "gan", "--set", "input_dropout=1.0"], "input_dropout=1.0 must lie in [0, 1)"),
    ("gmmn-stages", T1, ["--models", "gmmn_ae", "--set", "ae_epochs=99"], "ae_epochs=99 must not exceed epochs=2"),
    ("gmmn-ae-batch", T1, ["--models", "gmmn_ae", "--set", "ae_batch_size=5000"],
     "ae_batch_size=5000 must not exceed batch_size=1000"),
    ("gmmn-bandwidth", T1, ["--models", "gmmn_ae", "--set", "bandwidths=[0]"], "every entry must be a positive number"),
    # the figure commands handle input as the tables do
    ("figures-budget", FIGS, ["--budget", "huge"], "unknown budget 'huge'"),
    ("figures-set-key", FIGS, ["--set", "colour=red"], "bad override 'colour=red'"),
    ("figures-set-value", FIGS, ["--set", "epochs=0"], "epochs=0 must be at least 1"),
    ("figures-executor", FIGS, ["--executor", "kubernetes"], "unknown executor 'kubernetes'"),
    ("figures-unknown-figure", FIGS, ["--figures", "11"], "invalid choice: '11'"),
    ("figures-slurm-profile", FIGS, ["--executor", "slurm", "--slurm-profile", "nope"], "unknown slurm profile 'nope'"),
    ("figure7-budget", FIG7, ["--budget", "huge"], "unknown budget 'huge'"),
    ("figure7-set-value", FIG7, ["--set", "z_dim=-3"], "z_dim=-3 must be at least 1"),
    ("figure7-set-type", FIG7, ["--set", "epochs=many"], "bad override epochs=many"),
    ("figure7-dataset", FIG7, ["--dataset", "svhn"], "invalid choice: 'svhn'"),
    ("figure7-slurm-option", FIG7, ["--executor", "slurm", "--mem-gb", "0"], "expected a positive integer, got 0"),
    # section 7
    ("dimred-eta-zero", DR, ["--set", "head_eta=0"], "head_eta=0.0 must be positive"),
    ("dimred-style-negative", DR, ["--set", "style_std=-1"], "style_std=-1.0 must be positive"),
    ("dimred-no-heads", DR, ["--set", "cluster_heads=false"], "section 7's model is defined by its cluster heads"),
    ("dimred-unknown-row", DR, ["--models", "dimred_aae:3"], "model 'dimred_aae:3' has no row in dimreduction"),
    ("dimred-model-of-other-table", DR, ["--models", "ssaae"], "model 'ssaae' has no row in dimreduction"),
]


def common(tmp_path, command):
    dataset = ["--dataset", "synthetic"] if command in (FIGS, FIG7) else ["--datasets", "synthetic"]
    return ["--budget", "smoke", "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results"),
            *dataset]


@pytest.mark.parametrize("command, extra, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, command, extra, message):
    args = common(tmp_path, command)
    if "--datasets" in extra or "--dataset" in extra:  # the case names its own dataset
        i = args.index("--datasets" if "--datasets" in args else "--dataset")
        del args[i: i + 2]
    ran = run_cli(command, *args, *extra)
    lines = ran.stderr.strip().splitlines()
    assert ran.returncode == 2, ran.stderr
    assert len(lines) == 1 and message in lines[0], lines
    assert not (tmp_path / "runs").exists() and not (tmp_path / "results").exists()


@pytest.mark.parametrize("content, message", [("{not json", "is not valid JSON"),
                                              ('["a list"]', "must hold a JSON object"),
                                              ('{"slurm_partitionn": "cpu"}', "'slurm_partitionn' is not a submitit parameter"),
                                              ('{"timeout_min": "60"}', "timeout_min must be int, not '60'")],
                         ids=["profile-not-json", "profile-not-an-object", "profile-unknown-key", "profile-wrong-type"])
def test_a_damaged_slurm_profile_is_one_line(tmp_path, monkeypatch, content, message):
    import aae.experiment.slurm

    monkeypatch.setattr(aae.experiment.slurm, "PROFILES", tmp_path / "profiles")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "mine.json").write_text(content)
    ran = run_cli(T2, *common(tmp_path, T2), "--executor", "slurm", "--slurm-profile", "mine")
    lines = ran.stderr.strip().splitlines()
    assert ran.returncode == 2 and len(lines) == 1 and message in lines[0] and "mine.json" in lines[0], lines
    # the same file named explicitly is read the same way, and refused the same way
    ran = run_cli(T2, *common(tmp_path, T2), "--executor", "slurm", "--slurm-profile-file",
                  str(tmp_path / "profiles" / "mine.json"))
    lines = ran.stderr.strip().splitlines()
    assert ran.returncode == 2 and len(lines) == 1 and message in lines[0], lines


def fake_slurm(folder, sinfo: str):
    """sbatch and sinfo stand-ins: sinfo prints this to stderr and fails (no slurmctld answers)."""
    folder.mkdir()
    for name, body in (("sbatch", "exit 0"), ("sinfo", f"echo '{sinfo}' >&2; exit 1")):
        (folder / name).write_text(f"#!/bin/sh\n{body}\n")
        (folder / name).chmod(0o755)
    return folder


@pytest.mark.parametrize("cluster", ["no-sbatch", "sinfo-fails"])
def test_slurm_without_a_cluster_is_one_line_before_any_data_loads(tmp_path, monkeypatch, cluster):
    if cluster == "no-sbatch":
        (tmp_path / "empty").mkdir()
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        message = "sbatch is not on PATH"
    else:
        monkeypatch.setenv("PATH", str(fake_slurm(tmp_path / "bin", "Unable to contact slurm controller")))
        message = "the cluster does not answer (sinfo: Unable to contact slurm controller)"
    monkeypatch.delenv("AAE_SUBMITIT_CLUSTER", raising=False)
    import benchmarks.table_command

    monkeypatch.setattr(benchmarks.table_command, "load_dataset", lambda *a, **k: pytest.fail("data loaded before the check"))
    ran = run_cli(T2, *common(tmp_path, T2), "--executor", "slurm", "--datasets", "mnist")
    lines = ran.stderr.strip().splitlines()
    assert ran.returncode == 2 and len(lines) == 1 and message in lines[0], lines
    assert not (tmp_path / "runs").exists()


def test_a_cache_file_of_the_wrong_size_is_refused(tmp_path, monkeypatch):
    """A valid .npz holding 5,000 training images is never trained on silently."""
    monkeypatch.setenv("AAE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    arrays = {f"x_{s}": np.zeros((n, 784), np.uint8) for s, n in (("train", 5000), ("valid", 10000), ("test", 10000))}
    arrays |= {f"y_{s}": np.zeros(len(arrays[f"x_{s}"]), np.int64) for s in ("train", "valid", "test")}
    np.savez(tmp_path / "cache" / "mnist.npz", **arrays)
    args = common(tmp_path, T2)
    args[args.index("synthetic")] = "mnist"
    ran = run_cli(T2, *args)
    lines = ran.stderr.strip().splitlines()
    assert ran.returncode == 2 and len(lines) == 1, lines
    assert "holds 5000 train images" in lines[0] and "delete it" in lines[0]
