"""SVHN from torchvision's files (train_32x32.mat, test_32x32.mat; extra_32x32.mat optional).

They cannot be fetched here, so they are looked for in the user's data directory (or its svhn/
folder) and the cache; absent, the loader names the file and where to put it.
Split (ours; the paper does not give one): valid = the last 5,000 images of train_32x32.mat.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.io

from aae.data.dataset import Dataset
from aae.data.paths import cache_dir, user_data_dir
from aae.errors import DataMissing, UserError

N_VALID = 5_000


def find_file(filename: str, data_dir=None, subdir: str = "svhn") -> Path:
    root = user_data_dir(data_dir)
    folders = ([root, root / subdir] if root else []) + [cache_dir() / subdir]
    for folder in folders:
        if (folder / filename).is_file():
            return folder / filename
    where = f"{root / subdir}/" if root else f"$AAE_DATA/{subdir}/ or --data-dir, or {cache_dir() / subdir}/"
    raise DataMissing(filename, where)


def read_svhn_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images as uint8 rows in (C, H, W) order and labels 0-9 (the files store digit 0 as 10)."""
    try:
        m = scipy.io.loadmat(path)
        x, y = m["X"], m["y"]
    except Exception as e:
        raise UserError(f"{path} is not an SVHN .mat file ({type(e).__name__}: {e})") from None
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.shape[3] != y.size:
        raise UserError(f"{path}: X has shape {x.shape} for {y.size} labels; expected (32, 32, 3, N)")
    x = np.ascontiguousarray(x.transpose(3, 2, 0, 1), dtype=np.uint8).reshape(x.shape[3], -1)
    y = y.reshape(-1).astype(np.int64) % 10
    return x, y


def load_svhn(data_dir=None) -> Dataset:
    x_tr, y_tr = read_svhn_mat(find_file("train_32x32.mat", data_dir))
    x_te, y_te = read_svhn_mat(find_file("test_32x32.mat", data_dir))
    return Dataset("svhn", x_tr[:-N_VALID], y_tr[:-N_VALID], x_tr[-N_VALID:], y_tr[-N_VALID:],
                   x_te, y_te, image_shape=(3, 32, 32), n_classes=10)
