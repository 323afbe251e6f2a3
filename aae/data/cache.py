"""The uint8 cache of a dataset: one .npz written atomically with the content's fingerprint inside,
read back only when it holds what was written (a file of the right size with zeroed images, or
labels outside the classes, is refused with its path, never trained on)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from aae import io
from aae.data.dataset import SPLIT_ARRAYS, fingerprint_of
from aae.errors import UserError

FINGERPRINT = "fingerprint"  # the npz member holding fingerprint_of(the six arrays)


def _corrupt(path: Path, why: str) -> UserError:
    return UserError(f"cache file {path} is corrupt ({why}); delete it to fetch the data again")


def read(path: Path, n_classes: int, sizes: dict[str, tuple[int, int]], known: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The six split arrays of the cache at `path`, checked: uint8 images of the split's (rows,
    dimensions), integer labels in [0, n_classes), and content whose fingerprint is the one written
    with it. A cache written before fingerprints were stored must be one of the `known` contents
    (MNIST's paper split)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in SPLIT_ARRAYS}
            stored = str(z[FINGERPRINT]) if FINGERPRINT in z.files else None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise _corrupt(path, type(e).__name__) from e
    if any(arrays[k].dtype != np.uint8 for k in ("x_train", "x_valid", "x_test")):
        raise _corrupt(path, "images are not uint8")
    wrong = {s: len(arrays[f"x_{s}"]) for s, shape in sizes.items()
             if arrays[f"x_{s}"].shape != shape or arrays[f"y_{s}"].shape != shape[:1]}
    if wrong:  # a valid file of the wrong data: never train on it silently
        raise UserError(f"cache file {path} holds {', '.join(f'{n} {s}' for s, n in wrong.items())} images, not "
                        f"the split expected ({', '.join(f'{n} {s}' for s, (n, _) in sizes.items())}); "
                        "delete it to fetch the data again")
    for split in ("train", "valid", "test"):
        y = arrays[f"y_{split}"]
        if y.dtype.kind not in "iu" or (len(y) and (y.min() < 0 or y.max() >= n_classes)):
            raise _corrupt(path, f"{split} labels are not classes 0-{n_classes - 1}")
    found = fingerprint_of(arrays)
    if stored is not None and found != stored:
        raise _corrupt(path, f"its content's fingerprint {found} is not the {stored} written with it")
    if stored is None and found not in known:
        raise _corrupt(path, f"it stores no fingerprint and its content ({found}) is not the data it should hold")
    return arrays


def write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    selected = {k: arrays[k] for k in SPLIT_ARRAYS}
    io.numpy_savez(path, **selected, **{FINGERPRINT: np.array(fingerprint_of(selected))})
