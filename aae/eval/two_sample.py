"""Two-sample distances: how far a set of codes is from samples of the prior (Figure 2's claim)."""
from __future__ import annotations

import torch


def _mean_distance(a: torch.Tensor, b: torch.Tensor, block: int) -> float:
    """Mean Euclidean distance over every pair (a_i, b_j), in float64, a block of rows at a time."""
    total = 0.0
    for i in range(0, len(a), block):
        total += float(torch.cdist(a[i: i + block], b).sum())
    return total / (len(a) * len(b))


def energy_distance(a: torch.Tensor, b: torch.Tensor, block: int = 1000) -> float:
    """Energy distance between the empirical distributions of two point sets (rows):
    sqrt(2 E|A - B| - E|A - A'| - E|B - B'|), the definition scipy.stats.energy_distance uses in
    1-D. 0 for identical sets; scale-aware and free of a kernel bandwidth, so one number compares
    codes with priors of different shapes."""
    a, b = a.to(torch.float64).reshape(len(a), -1), b.to(torch.float64).reshape(len(b), -1)
    squared = 2 * _mean_distance(a, b, block) - _mean_distance(a, a, block) - _mean_distance(b, b, block)
    return max(squared, 0.0) ** 0.5
