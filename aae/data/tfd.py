"""The Toronto Face Database from TFD_48x48.mat (not public: the user supplies it).

The file holds `images` (N, 48, 48) uint8, `folds` (N, 5) with 0 = unlabelled, 1 = train,
2 = valid, 3 = test for each of the five folds, and `labs_ex` (expression 1-7, 0 or -1 where
unlabelled). It exists as a MATLAB v5 file (scipy) and as v7.3 (HDF5, read with h5py).
For fold k: train = the unlabelled and training images of that fold, valid and test as marked
(pylearn2's "full_train" / "valid" / "test"); unlabelled images carry label -1.
"""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from aae.data.dataset import Dataset
from aae.data.svhn import find_file
from aae.errors import UserError

FILENAME = "TFD_48x48.mat"


def read_tfd_mat(path: Path) -> dict[str, np.ndarray]:
    from scipy.io import loadmat  # here, not at import: scipy costs every training process's start

    try:
        if h5py.is_hdf5(path):
            with h5py.File(path, "r") as f:  # v7.3 stores arrays transposed (column-major)
                raw = {k: np.asarray(f[k]).T for k in ("images", "folds", "labs_ex")}
        else:
            m = loadmat(path)
            raw = {k: m[k] for k in ("images", "folds", "labs_ex")}
    except (KeyError, OSError, ValueError) as e:
        raise UserError(f"{path} is not a TFD .mat file ({type(e).__name__}: {e})") from None
    images, folds, labels = raw["images"], raw["folds"], raw["labs_ex"].reshape(-1).astype(np.int64)
    if images.ndim != 3 or images.shape[1:] != (48, 48) or folds.shape != (len(images), 5):
        raise UserError(f"{path}: images {images.shape}, folds {folds.shape}; expected (N, 48, 48) and (N, 5)")
    return {"images": images.astype(np.uint8).reshape(len(images), -1), "folds": folds.astype(np.int64),
            "labels": np.where(labels > 0, labels - 1, -1).astype(np.int64)}


def load_tfd(data_dir=None, fold: int = 0) -> Dataset:
    if not 0 <= fold < 5:
        raise UserError(f"TFD has folds 0-4, not {fold}")
    raw = read_tfd_mat(find_file(FILENAME, data_dir, subdir="tfd"))
    f = raw["folds"][:, fold]
    part = {"train": (f == 0) | (f == 1), "valid": f == 2, "test": f == 3}
    arrays = {}
    for split, mask in part.items():
        arrays[f"x_{split}"], arrays[f"y_{split}"] = raw["images"][mask], raw["labels"][mask]
    return Dataset(f"tfd{fold}", **arrays, image_shape=(1, 48, 48), n_classes=7)
