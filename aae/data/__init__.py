"""Datasets by name: `load_dataset("mnist")` returns a `Dataset` in the paper's split."""
from __future__ import annotations

from aae.data.dataset import Dataset
from aae.data.mnist import load_mnist
from aae.data.svhn import load_svhn
from aae.data.synthetic import load_synthetic
from aae.data.tfd import load_tfd
from aae.registry import Registry

DATASETS = Registry("dataset", {"mnist": load_mnist, "svhn": load_svhn, "tfd": load_tfd, "synthetic": load_synthetic})


def load_dataset(name: str, data_dir=None, fetch: bool = True) -> Dataset:
    """`fetch=False`: SVHN from files already here only (the user's folder, the cache). A table's
    default columns load so: SVHN's 250 MB download starts only when it is asked for by name
    (--datasets svhn, python -m aae.data svhn). MNIST is always fetched (every table needs it);
    TFD cannot be."""
    loader = DATASETS.lookup(name)
    if name == "svhn":
        return load_svhn(data_dir, fetch)
    return loader(data_dir)


__all__ = ["DATASETS", "Dataset", "load_dataset"]
