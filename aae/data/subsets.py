"""Seeded, class-balanced labelled subsets: "100" = 10 per class, "1000" = 100 per class, "all",
and "none" (Table 3: no label is used)."""
from __future__ import annotations

import numpy as np

from aae.errors import UserError


def parse_setting(setting: str) -> int | None:
    """'100' -> 100 labelled images; 'all' -> None (every label); 'none' -> 0 (unsupervised)."""
    if setting == "all":
        return None
    if setting == "none":
        return 0
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    raise UserError(f"unknown setting {setting!r}: use a positive number of labels, 'all' or 'none'")


def labelled_indices(labels: np.ndarray, n_labelled: int | None, n_classes: int, seed: int) -> np.ndarray:
    """Sorted indices of the labelled images: n_labelled / n_classes drawn from each class."""
    labels = np.asarray(labels)
    if n_labelled is None:
        return np.flatnonzero(labels >= 0)
    if n_labelled % n_classes:
        raise UserError(f"{n_labelled} labels cannot be split evenly over {n_classes} classes")
    per_class = n_labelled // n_classes
    rng = np.random.default_rng(seed)
    chosen = []
    for c in range(n_classes):
        members = np.flatnonzero(labels == c)
        if len(members) < per_class:
            raise UserError(f"class {c} has {len(members)} images, fewer than the {per_class} asked for")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))
