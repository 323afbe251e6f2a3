"""SVHN from torchvision's files (train_32x32.mat, test_32x32.mat), found or fetched in this order:
  1. the user's data directory (--data-dir / $AAE_DATA, or its svhn/ folder);
  2. the cache (~/.cache/aae-bench/svhn/, $AAE_CACHE);
  3. a download from torchvision's source (its URLs and MD5s, $AAE_SVHN_URL for a mirror of the
     same files), into the cache, checked against the MD5 before it counts (about 250 MB).
The download runs only when SVHN is asked for (`--datasets svhn`, `python -m aae.data svhn`): a
table's default SVHN column uses the files already here, else reads "needs data: <file>".
When nothing works, one line names the folders looked in and the download's failure.
Split (ours; the paper does not give one): valid = the last 5,000 images of train_32x32.mat.
"""
from __future__ import annotations

import hashlib
import os
import sys
import urllib.request
from pathlib import Path

import numpy as np

from aae import io
from aae.data.dataset import Dataset
from aae.data.paths import cache_dir, user_data_dir
from aae.errors import DataMissing, UserError, line_of

N_VALID = 5_000
MIRROR_ENV = "AAE_SVHN_URL"  # a folder URL holding the same .mat files (checked against the same MD5s)
TIMEOUT_S = 60  # per network read: a machine without the internet fails in seconds, not hangs


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
    from scipy.io import loadmat  # here, not at import: scipy costs every training process's start

    try:
        m = loadmat(path)
        x, y = m["X"], m["y"]
    except Exception as e:
        raise UserError(f"{path} is not an SVHN .mat file ({type(e).__name__}: {e})") from None
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.shape[3] != y.size:
        raise UserError(f"{path}: X has shape {x.shape} for {y.size} labels; expected (32, 32, 3, N)")
    x = np.ascontiguousarray(x.transpose(3, 2, 0, 1), dtype=np.uint8).reshape(x.shape[3], -1)
    y = y.reshape(-1).astype(np.int64) % 10
    return x, y


def sources() -> dict[str, tuple[str, str]]:
    """filename -> (URL, MD5): torchvision's, or the same files under $AAE_SVHN_URL."""
    from torchvision.datasets import SVHN

    mirror = os.environ.get(MIRROR_ENV)
    return {name: (f"{mirror.rstrip('/')}/{name}" if mirror else url, md5) for url, name, md5 in SVHN.split_list.values()}


def download(filename: str, folder: Path) -> Path:
    """One file into `folder`, atomically (aae/io.py), kept only when its MD5 matches.
    Raises OSError (network, disk) or ValueError (a file that is not the one expected)."""
    from tqdm import tqdm

    url, md5 = sources()[filename]
    print(f"svhn: downloading {url} into {folder}", file=sys.stderr, flush=True)

    def fetch(out) -> None:
        digest = hashlib.md5()
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=filename, leave=False) as bar:
                while block := response.read(1 << 20):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
        if digest.hexdigest() != md5:  # raised inside the write: the temporary file goes, nothing is kept
            raise ValueError(f"the file has another MD5 than {md5}")

    io.write_stream(folder / filename, fetch)
    return folder / filename


def locate(filename: str, data_dir=None, fetch: bool = True) -> Path:
    """The file from the user's folder or the cache, else downloaded into the cache (when `fetch`)."""
    try:
        return find_file(filename, data_dir)
    except DataMissing as missing:
        if not fetch:
            raise DataMissing(filename, missing.where, "`python -m aae.data svhn` downloads it") from None
        try:
            return download(filename, cache_dir() / "svhn")
        except (OSError, ValueError) as e:  # URLError and timeouts are OSErrors
            raise DataMissing(filename, missing.where, f"the download from {sources()[filename][0]} failed: "
                                                       f"{type(e).__name__}: {line_of(e, last=False)}") from None


def load_svhn(data_dir=None, fetch: bool = True) -> Dataset:
    x_tr, y_tr = read_svhn_mat(locate("train_32x32.mat", data_dir, fetch))
    x_te, y_te = read_svhn_mat(locate("test_32x32.mat", data_dir, fetch))
    return Dataset("svhn", x_tr[:-N_VALID], y_tr[:-N_VALID], x_tr[-N_VALID:], y_tr[-N_VALID:],
                   x_te, y_te, image_shape=(3, 32, 32), n_classes=10)
