"""SVHN fetched like MNIST: torchvision's URLs and MD5s, served here from a loopback HTTP server."""
import functools
import hashlib
import http.server
import threading

import numpy as np
import pytest

from aae.data import load_dataset, svhn
from aae.errors import DataMissing
from tests.test_svhn_tfd import write_svhn


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/served; yields its base URL."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def serve(folder, monkeypatch, base, md5s=None):
    """Synthetic SVHN files in the served folder; the loader told their URLs and (true) MD5s."""
    monkeypatch.setattr(svhn, "N_VALID", 5)
    x_tr, _ = write_svhn(folder / "train_32x32.mat", 12, 0)
    x_te, _ = write_svhn(folder / "test_32x32.mat", 4, 1)
    md5 = {name: hashlib.md5((folder / name).read_bytes()).hexdigest() for name in ("train_32x32.mat", "test_32x32.mat")}
    table = {name: (f"{base}/{name}", (md5s or md5)[name]) for name in md5}
    monkeypatch.setattr(svhn, "sources", lambda: table)
    return x_tr, x_te


def test_svhn_downloads_into_the_cache_once_then_loads_from_it(tmp_path, monkeypatch, server):
    folder, base = server
    x_tr, x_te = serve(folder, monkeypatch, base)
    data = load_dataset("svhn")
    assert data.x_train.shape == (7, 3072) and data.x_test.shape == (4, 3072)
    assert np.array_equal(data.x_test[1].reshape(3, 32, 32), x_te[:, :, :, 1].transpose(2, 0, 1))
    cached = tmp_path / "cache" / "svhn"
    assert sorted(p.name for p in cached.iterdir()) == ["test_32x32.mat", "train_32x32.mat"]  # no temp file left
    for f in folder.iterdir():
        f.unlink()  # the server has nothing now: the second load reads the cache
    assert np.array_equal(load_dataset("svhn").x_test, data.x_test)


def test_a_download_with_the_wrong_md5_is_not_kept_and_says_so(tmp_path, monkeypatch, server):
    folder, base = server
    serve(folder, monkeypatch, base, md5s={"train_32x32.mat": "0" * 32, "test_32x32.mat": "0" * 32})
    with pytest.raises(DataMissing, match=f"the download from {base}/train_32x32.mat failed: ValueError: "
                                          "the file has another MD5"):
        load_dataset("svhn")
    assert list((tmp_path / "cache" / "svhn").iterdir()) == []


def test_the_files_a_user_put_in_place_win_and_nothing_is_downloaded(tmp_path, monkeypatch, server):
    folder, base = server
    serve(folder, monkeypatch, base)
    mine = tmp_path / "mine" / "svhn"
    mine.mkdir(parents=True)
    write_svhn(mine / "train_32x32.mat", 9, 5)
    write_svhn(mine / "test_32x32.mat", 3, 6)
    monkeypatch.setenv("AAE_DATA", str(tmp_path / "mine"))
    assert load_dataset("svhn").x_test.shape == (3, 3072)
    assert not (tmp_path / "cache" / "svhn").exists()


def test_a_table_that_only_lists_svhn_never_downloads_it(tmp_path, monkeypatch, server):
    folder, base = server
    serve(folder, monkeypatch, base)
    with pytest.raises(DataMissing, match="python -m aae.data svhn` downloads it"):
        load_dataset("svhn", fetch=False)
    assert not (tmp_path / "cache" / "svhn").exists()
