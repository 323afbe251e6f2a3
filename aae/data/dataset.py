"""The in-memory form every dataset loader returns."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch


SPLIT_ARRAYS = ("x_train", "y_train", "x_valid", "y_valid", "x_test", "y_test")


def fingerprint_of(arrays: dict[str, np.ndarray]) -> str:
    """sha256 (16 hex digits) of the six split arrays, dtype and shape included."""
    h = hashlib.sha256()
    for k in SPLIT_ARRAYS:
        a = arrays[k]
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).data)
    return h.hexdigest()[:16]


@dataclass
class Dataset:
    """Images as uint8 rows (N, D), labels as int64; scaled to [0, 1] only when asked.

    Keeping uint8 in memory and on disk is 4x smaller than float32 and makes the [0, 1]
    scaling one explicit step (`floats`), so no loader can silently scale twice.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, ...]
    n_classes: int

    def __post_init__(self):
        for split in ("train", "valid", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.dtype != np.uint8 or x.ndim != 2 or len(x) != len(y):
                raise ValueError(f"{self.name} {split}: expected uint8 (N, D) images with N labels, "
                                 f"got {x.dtype} {x.shape} and {len(y)} labels")

    def fingerprint(self) -> str:
        """sha256 (16 hex digits) of every image and label: records and checkpoints carry it, so a
        run never silently mixes data (a cache file holding fewer images, a changed source)."""
        if not hasattr(self, "_fingerprint"):
            self._fingerprint = fingerprint_of({k: getattr(self, k) for k in SPLIT_ARRAYS})
        return self._fingerprint

    @property
    def input_dim(self) -> int:
        return self.x_train.shape[1]

    def floats(self, split: str, device: str | torch.device = "cpu") -> torch.Tensor:
        """The split's images as float32 in [0, 1]."""
        x = torch.from_numpy(getattr(self, f"x_{split}"))
        return x.to(device=device, dtype=torch.float32).div_(255.0)

    def pixel_stats(self, chunk: int = 10_000) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and standard deviation of each input dimension over the training images, in [0, 1]
        units; chunked so a large dataset (SVHN) is never copied to float whole."""
        total = np.zeros(self.input_dim)
        squares = np.zeros(self.input_dim)
        for i in range(0, len(self.x_train), chunk):
            block = self.x_train[i: i + chunk].astype(np.float64) / 255.0
            total += block.sum(0)
            squares += (block ** 2).sum(0)
        n = len(self.x_train)
        mean = total / n
        std = np.sqrt(np.maximum(squares / n - mean ** 2, 0.0))
        return torch.from_numpy(mean).float(), torch.from_numpy(std).float()

    def labels(self, split: str, device: str | torch.device = "cpu") -> torch.Tensor:
        return torch.from_numpy(getattr(self, f"y_{split}")).to(device=device, dtype=torch.int64)
