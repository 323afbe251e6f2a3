"""A tiny separable stand-in for MNIST, for tests and smoke runs: seconds, not minutes.

Each class lights a fixed set of 7x7 blocks of a 28x28 image; pixel noise blurs the edges but
the classes stay separable, so a classifier that learns anything beats chance clearly.
"""
from __future__ import annotations

import numpy as np

from aae.data.dataset import Dataset


def make_synthetic(n_per_class=(60, 20, 20), n_classes: int = 10, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    patterns = np.zeros((n_classes, 28, 28))
    for c in range(n_classes):
        for b in rng.choice(16, size=4, replace=False):
            r, col = divmod(int(b), 4)
            patterns[c, 7 * r: 7 * r + 7, 7 * col: 7 * col + 7] = 1.0
    arrays = {}
    for split, n in zip(("train", "valid", "test"), n_per_class):
        y = np.repeat(np.arange(n_classes), n)
        rng.shuffle(y)
        x = 0.8 * patterns[y] + rng.normal(0.0, 0.15, size=(len(y), 28, 28))
        arrays[f"x_{split}"] = (np.clip(x, 0, 1) * 255).round().astype(np.uint8).reshape(len(y), -1)
        arrays[f"y_{split}"] = y.astype(np.int64)
    return Dataset("synthetic", **arrays, image_shape=(1, 28, 28), n_classes=n_classes)


def load_synthetic(data_dir=None) -> Dataset:
    return make_synthetic()
