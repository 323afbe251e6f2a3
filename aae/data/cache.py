"""The uint8 cache of a dataset: one .npz written atomically, read with a clear error if damaged."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from aae import io
from aae.errors import UserError

SPLIT_KEYS = ("x_train", "y_train", "x_valid", "y_valid", "x_test", "y_test")


def read(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in SPLIT_KEYS}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise UserError(f"cache file {path} is corrupt ({type(e).__name__}); delete it to fetch the data again") from e
    if any(arrays[k].dtype != np.uint8 for k in ("x_train", "x_valid", "x_test")):
        raise UserError(f"cache file {path} is corrupt (images are not uint8); delete it to fetch the data again")
    return arrays


def write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    io.numpy_savez(path, **{k: arrays[k] for k in SPLIT_KEYS})
