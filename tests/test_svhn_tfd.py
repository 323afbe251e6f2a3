"""SVHN and TFD loaders on small files written in the real formats; a missing file names itself."""
import json
import re

import h5py
import numpy as np
import pytest
import scipy.io

from aae.data import load_dataset
from aae.data.svhn import N_VALID
from aae.data.tfd import load_tfd
from aae.errors import DataMissing
from tests.conftest import CLOSED_PORT, run_cli, smoke_args


def write_svhn(path, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)  # torchvision's layout: H, W, C, N
    y = rng.integers(1, 11, size=(n, 1)).astype(np.uint8)  # digit 0 is stored as 10
    scipy.io.savemat(path, {"X": x, "y": y})
    return x, y


def test_svhn_loads_in_chw_order_with_zero_for_ten(tmp_path, monkeypatch):
    folder = tmp_path / "svhn"
    folder.mkdir()
    x_tr, y_tr = write_svhn(folder / "train_32x32.mat", N_VALID + 20, 0)
    x_te, y_te = write_svhn(folder / "test_32x32.mat", 7, 1)
    monkeypatch.setenv("AAE_DATA", str(tmp_path))
    data = load_dataset("svhn")
    assert data.x_train.shape == (20, 3 * 32 * 32) and data.x_valid.shape == (N_VALID, 3072)
    assert np.array_equal(data.x_test[3].reshape(3, 32, 32), x_te[:, :, :, 3].transpose(2, 0, 1))
    assert np.array_equal(data.y_test, y_te.ravel() % 10) and set(data.y_train) <= set(range(10))
    assert 0 in set(np.concatenate([data.y_train, data.y_valid, data.y_test]))


def test_missing_svhn_names_the_file_where_to_put_it_and_how_to_fetch_it(tmp_path, monkeypatch):
    monkeypatch.setenv("AAE_DATA", str(tmp_path))
    with pytest.raises(DataMissing, match=f"needs data: train_32x32.mat \\(put it in {tmp_path}/svhn/; "
                                          "`python -m aae.data svhn` downloads it\\)"):
        load_dataset("svhn", fetch=False)


def test_cli_asked_for_svhn_it_cannot_fetch_exits_2_in_one_line_naming_both(tmp_path):
    args = smoke_args(tmp_path)
    args[args.index("synthetic")] = "svhn"
    done = run_cli("benchmarks.table2", *args, env_extra={"AAE_DATA": str(tmp_path), "AAE_CACHE": str(tmp_path)})
    assert done.returncode == 2
    [line] = [x for x in done.stderr.strip().splitlines() if not x.startswith("svhn: downloading")]
    assert line.startswith(f"benchmarks.table2: error: needs data: train_32x32.mat (put it in {tmp_path}/svhn/; "
                           f"the download from {CLOSED_PORT}/train_32x32.mat failed: URLError: "), line
    assert not (tmp_path / "results" / "table2.md").exists()


def tfd_arrays(n=40, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 48, 48), dtype=np.uint8)
    folds = rng.integers(0, 4, size=(n, 5)).astype(np.uint8)
    labels = np.where(folds[:, :1] == 0, 0, rng.integers(1, 8, size=(n, 1))).astype(np.uint8)
    return images, folds, labels


def check_tfd(data, images, folds, labels, fold):
    f = folds[:, fold]
    assert np.array_equal(data.x_test, images[f == 3].reshape(-1, 48 * 48))
    assert np.array_equal(data.x_train, images[(f == 0) | (f == 1)].reshape(-1, 48 * 48))
    assert np.array_equal(data.y_valid, labels[f == 2, 0].astype(np.int64) - 1)
    assert data.n_classes == 7 and data.y_train.min() >= -1 and data.y_train.max() <= 6


def test_tfd_from_a_matlab_v5_file(tmp_path, monkeypatch):
    images, folds, labels = tfd_arrays()
    (tmp_path / "tfd").mkdir()
    scipy.io.savemat(tmp_path / "tfd" / "TFD_48x48.mat", {"images": images, "folds": folds, "labs_ex": labels})
    monkeypatch.setenv("AAE_DATA", str(tmp_path))
    check_tfd(load_tfd(fold=2), images, folds, labels, 2)


def test_tfd_from_a_matlab_v73_hdf5_file(tmp_path, monkeypatch):
    images, folds, labels = tfd_arrays(seed=1)
    with h5py.File(tmp_path / "TFD_48x48.mat", "w") as f:  # v7.3 keeps MATLAB's column-major order
        for key, value in {"images": images, "folds": folds, "labs_ex": labels}.items():
            f[key] = value.T
    monkeypatch.setenv("AAE_DATA", str(tmp_path))
    check_tfd(load_tfd(fold=0), images, folds, labels, 0)


def test_missing_tfd_names_the_file():
    with pytest.raises(DataMissing, match=r"needs data: TFD_48x48.mat \(put it in \$AAE_DATA/tfd/"):
        load_tfd()


def test_table2_runs_the_svhn_column_with_its_recipe_when_the_files_are_present(tmp_path):
    """Fake SVHN files in torchvision's format: 150 training images per class beyond the 5,000 held out."""
    folder = tmp_path / "data" / "svhn"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, n in (("train_32x32.mat", N_VALID + 1500), ("test_32x32.mat", 200)):
        y = np.tile(np.arange(1, 11), n // 10)[:, None].astype(np.uint8)
        scipy.io.savemat(folder / name, {"X": rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8), "y": y})
    args = smoke_args(tmp_path, "--seeds", "1", "--models", "ssaae", "--set", "hidden=[64,64]", "disc_hidden=[32]")
    args[args.index("synthetic")] = "svhn"
    done = run_cli("benchmarks.table2", *args, env_extra={"AAE_DATA": str(tmp_path / "data")})
    assert done.returncode == 0, done.stderr
    table = (tmp_path / "results" / "table2.md").read_text()
    assert re.search(r"\| Adversarial Autoencoders\s+\| SVHN \(1000\)\s+\| \d+\.\d\d\s+\| 1 ", table), table
    [config] = [json.loads(p.read_text())["config"] for p in (tmp_path / "runs").glob("*/config.json")]
    assert (config["z_dim"], config["batch_norm"], config["standardize"], config["hidden"]) == (20, True, True, [64, 64])


def test_table1_measures_the_tfd_column_with_its_recipe_when_the_file_is_present(tmp_path):
    images, folds, labels = tfd_arrays(n=300)
    (tmp_path / "data" / "tfd").mkdir(parents=True)
    scipy.io.savemat(tmp_path / "data" / "tfd" / "TFD_48x48.mat", {"images": images, "folds": folds, "labs_ex": labels})
    args = smoke_args(tmp_path, "--seeds", "1", "--samples", "100", "--models", "aae", "gan", "gmmn_ae", "vae")
    args[args.index("synthetic")] = "tfd"
    done = run_cli("benchmarks.table1", *args, env_extra={"AAE_DATA": str(tmp_path / "data")})
    assert done.returncode == 0, done.stderr
    table = (tmp_path / "results" / "table1.md").read_text()
    for row in ("Adversarial Autoencoder", "GAN", "GMMN \\+ AE", "VAE †"):
        assert re.search(rf"\| {row}\s+\| TFD \(100\)\s+\| -?\d+\.\d\d\s+\| 1 ", table), table
    configs = {c["model"]: c["config"] for c in (json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*/config.json"))}
    assert (configs["aae"]["z_dim"], configs["aae"]["prior_std"], configs["vae"]["z_dim"]) == (15, 10.0, 15)
