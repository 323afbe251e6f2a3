"""Priors p(z) the adversarial regularization imposes, as samplers.

They draw from the global torch RNG, which the training loop seeds per run and saves in every
checkpoint, so prior samples are reproduced exactly on resume.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def gaussian(n: int, dim: int, std: float = 1.0, device="cpu") -> torch.Tensor:
    return std * torch.randn(n, dim, device=device)


def categorical(n: int, n_classes: int, device="cpu") -> torch.Tensor:
    """One-hot vectors of uniformly drawn classes: the prior of the AAE's label head."""
    return F.one_hot(torch.randint(n_classes, (n,), device=device), n_classes).float()
