"""Parzen-window log-likelihood, the protocol of Goodfellow et al. 2014 (Table 1).

    log p(x) = logmeanexp_i( -||x - mu_i||^2 / (2 sigma^2) ) - d log(sigma sqrt(2 pi))

over N model samples mu_i; sigma from a grid, chosen by the mean log-likelihood on validation
images; reported: the mean over test images and its standard error.

One pass over the samples serves every sigma and both image sets: each block of squared
distances is computed once, as a matrix product in float64 (in float32 the cancellation in
||x||^2 + ||mu||^2 - 2 x.mu costs several nats at sigma = 0.1), and a running log-sum-exp per
(image, sigma) keeps memory bounded by the block sizes, whatever N is (10 million included).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import torch

DEFAULT_SIGMAS = tuple(np.logspace(-1, 0, 10))


def parzen_log_likelihoods(sample_blocks: Iterable[torch.Tensor], x: torch.Tensor, sigmas: Sequence[float],
                           x_block: int = 2000) -> torch.Tensor:
    """log p(x) for every image and sigma: (len(x), len(sigmas)), float64."""
    x = x.reshape(len(x), -1).to(torch.float64)
    inv_two_var = torch.tensor([1.0 / (2.0 * s * s) for s in sigmas], dtype=torch.float64, device=x.device)
    running_max = torch.full((len(x), len(sigmas)), -math.inf, dtype=torch.float64, device=x.device)
    running_sum = torch.zeros_like(running_max)
    x_sq = x.pow(2).sum(1, keepdim=True)
    n = 0
    for block in sample_blocks:
        mu = block.reshape(len(block), -1).to(device=x.device, dtype=torch.float64)
        n += len(mu)
        mu_sq = mu.pow(2).sum(1)
        for i in range(0, len(x), x_block):
            rows = slice(i, i + x_block)
            dist = (x_sq[rows] + mu_sq - 2.0 * x[rows] @ mu.T).clamp_min_(0.0)  # (b, m), computed once
            for j in range(len(sigmas)):
                a = dist * -inv_two_var[j]
                block_max = a.max(dim=1).values
                new_max = torch.maximum(running_max[rows, j], block_max)
                running_sum[rows, j] = running_sum[rows, j] * torch.exp(running_max[rows, j] - new_max) + \
                    torch.exp(a - new_max[:, None]).sum(1)
                running_max[rows, j] = new_max
    if n == 0:
        raise ValueError("no samples")
    d = x.shape[1]
    log_norm = torch.tensor([d * math.log(s * math.sqrt(2.0 * math.pi)) for s in sigmas], dtype=torch.float64,
                            device=x.device)
    return running_max + running_sum.log() - math.log(n) - log_norm


@dataclass(frozen=True)
class ParzenResult:
    sigma: float
    test_mean: float
    test_se: float  # std / sqrt(n_test)
    valid_means: tuple[float, ...]  # per sigma of the grid
    n_samples: int


def parzen_evaluate(sample_blocks: Iterable[torch.Tensor], valid_x: torch.Tensor, test_x: torch.Tensor,
                    sigmas: Sequence[float] = DEFAULT_SIGMAS, x_block: int = 2000) -> ParzenResult:
    """Sigma chosen on valid_x, log-likelihood reported on test_x; the samples are read once."""
    counted = _Counted(sample_blocks)
    ll = parzen_log_likelihoods(counted, torch.cat([valid_x, test_x]), sigmas, x_block)
    valid_means = ll[: len(valid_x)].mean(0)
    best = int(valid_means.argmax())
    test = ll[len(valid_x):, best]
    return ParzenResult(sigma=float(sigmas[best]), test_mean=float(test.mean()),
                        test_se=float(test.std(unbiased=True) / math.sqrt(len(test))),
                        valid_means=tuple(float(v) for v in valid_means), n_samples=counted.n)


class _Counted:
    def __init__(self, blocks):
        self.blocks, self.n = blocks, 0

    def __iter__(self):
        for b in self.blocks:
            self.n += len(b)
            yield b
