"""Parzen-window log-likelihood, the protocol of Goodfellow et al. 2014 (Table 1).

    log p(x) = logmeanexp_i( -||x - mu_i||^2 / (2 sigma^2) ) - d log(sigma sqrt(2 pi))

over N model samples mu_i; sigma from a grid, chosen by the mean log-likelihood on validation
images; reported: the mean over test images and its standard error.

Two passes over the samples (`parzen_evaluate`): every sigma of the grid on the validation
images, then only the chosen sigma on the test images. The exponentials, not the distances, were
the cost: one per (image, sample, sigma). Two passes do 20K per sample where one pass over both
sets did 110K (1K valid + 10K test images, 10 sigmas); the samples are drawn twice from the same
seeded generator, so both passes see the same ones.

Distances are one float32 matrix product per block, after both sets are centred on one image
(the first block's mean), which keeps ||x||^2 + ||mu||^2 - 2 x.mu free of the cancellation that
would cost precision far from the origin: on MNIST-like data the log-likelihoods differ from the
float64 path by under 0.01 nats (tests/test_parzen.py pins it). A running log-sum-exp per
(image, sigma), kept in float64, bounds memory by the block sizes, whatever N is (10 million
included).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
import torch

from aae.errors import UserError

# exp() of an argument below about -87 underflows float32 to a subnormal or zero, which the CPU's
# vectorised exp computes on a slow path: 7x the time of an ordinary exp here, and most pairs of a
# Parzen window land there (far samples, small sigmas). Arguments are clamped to this floor first.
# What that adds is at most exp(-87) = 1.6e-38 per sample to a sum that is at least 1 (the nearest
# sample's term is exp(0)): under 1e-30 relative for 10 million samples, invisible in float64.
EXP_FLOOR = -87.0

SIGMA_GRID = "-1:0:10"  # log10 of the first and last sigma, and how many: logspace(-1, 0, 10) (docs/PAPER.md)


MAX_SIGMAS = 200


def sigma_grid(grid: str) -> tuple[float, ...]:
    """"-1:0:10" -> logspace(-1, 0, 10)."""
    try:
        low, high, n = grid.split(":")
        low, high, n = float(low), float(high), int(n)
    except ValueError:
        raise UserError(f"bad sigma grid {grid!r}: use LOW:HIGH:N, log10 of the first and last sigma, "
                        "like -1:0:10") from None
    if n < 1 or not all(math.isfinite(v) and abs(v) < 30 for v in (low, high)):
        raise UserError(f"bad sigma grid {grid!r}: it needs N >= 1 and finite LOW, HIGH (log10 of sigma)")
    if n > MAX_SIGMAS:  # every sigma is a pass over samples x images: refused before anything is allocated
        raise UserError(f"bad sigma grid {grid!r}: at most {MAX_SIGMAS} sigmas (the paper's protocol uses 20)")
    return tuple(float(s) for s in np.logspace(low, high, n))


DEFAULT_SIGMAS = sigma_grid(SIGMA_GRID)

Blocks = Iterable[torch.Tensor]


def parzen_log_likelihoods(sample_blocks: Blocks, x: torch.Tensor, sigmas: Sequence[float], x_block: int = 2000,
                           dtype: torch.dtype = torch.float32, centre: torch.Tensor | None = None) -> torch.Tensor:
    """log p(x) for every image and sigma: (len(x), len(sigmas)), float64.

    dtype: of the distances and exponentials (float64 for a reference); centre: the image both
    sets are shifted by before the distances (default: the first block's mean)."""
    x = x.reshape(len(x), -1)
    neg_inv_two_var64 = torch.tensor([-1.0 / (2.0 * s * s) for s in sigmas], dtype=torch.float64, device=x.device)
    neg_inv_two_var = neg_inv_two_var64.to(dtype)
    running_min = torch.full((len(x),), math.inf, dtype=torch.float64, device=x.device)  # min squared distance
    running_sum = torch.zeros((len(x), len(sigmas)), dtype=torch.float64, device=x.device)
    xc = x_sq = None
    n = 0
    for block in sample_blocks:
        mu = block.reshape(len(block), -1).to(device=x.device, dtype=dtype)
        if xc is None:
            centre = (mu.mean(0) if centre is None else centre).to(device=x.device, dtype=dtype)
            xc = x.to(dtype) - centre
            x_sq = xc.pow(2).sum(1, keepdim=True)
        mu = mu - centre
        n += len(mu)
        mu_sq = mu.pow(2).sum(1)
        for i in range(0, len(x), x_block):
            rows = slice(i, i + x_block)
            # ||x||^2 + ||mu||^2 - 2 x.mu as one fused matrix product, computed once for every sigma
            dist = torch.addmm(mu_sq[None, :], xc[rows], mu.T, alpha=-2.0).add_(x_sq[rows]).clamp_min_(0.0)
            old_min = running_min[rows]
            new_min = torch.minimum(old_min, dist.min(dim=1).values.to(torch.float64))
            # the sums so far were taken relative to the old minimum: rescale them to the new one
            shrink = torch.exp((old_min - new_min)[:, None] * neg_inv_two_var64[None, :])
            running_sum[rows] *= shrink  # exp(-inf) = 0 on the first block
            excess = dist.sub_(new_min.to(dtype)[:, None])  # >= 0; the nearest sample contributes exp(0)
            buffer = torch.empty_like(excess)
            for j in range(len(sigmas)):  # one multiply, clamp and exp per element and sigma, in place
                torch.mul(excess, neg_inv_two_var[j], out=buffer).clamp_min_(EXP_FLOOR).exp_()
                running_sum[rows, j] += buffer.sum(1).to(torch.float64)
            running_min[rows] = new_min
    if n == 0:
        raise ValueError("no samples")
    d = x.shape[1]
    log_norm = torch.tensor([d * math.log(s * math.sqrt(2.0 * math.pi)) for s in sigmas], dtype=torch.float64,
                            device=x.device)
    return running_min[:, None] * neg_inv_two_var64[None, :] + running_sum.log() - math.log(n) - log_norm


@dataclass(frozen=True)
class ParzenResult:
    sigma: float
    test_mean: float
    test_se: float  # std / sqrt(n_test)
    valid_means: tuple[float, ...]  # per sigma of the grid
    n_samples: int


def parzen_evaluate(sample_blocks: Callable[[], Blocks] | Sequence[torch.Tensor], valid_x: torch.Tensor,
                    test_x: torch.Tensor, sigmas: Sequence[float] = DEFAULT_SIGMAS, x_block: int = 2000,
                    dtype: torch.dtype = torch.float32) -> ParzenResult:
    """Sigma chosen on valid_x, log-likelihood reported on test_x.

    sample_blocks: a function returning a fresh iterator over the same sample blocks each time it
    is called (model samples from a re-seeded generator), or a list of blocks."""
    make = sample_blocks if callable(sample_blocks) else (lambda: iter(sample_blocks))
    blocks = iter(make())
    head = next(blocks, None)
    if head is None:
        raise ValueError("no samples")
    centre = head.reshape(len(head), -1).to(dtype).mean(0)  # one centre for both passes
    first = _Counted(itertools.chain([head], blocks))
    valid_means = parzen_log_likelihoods(first, valid_x, sigmas, x_block, dtype, centre).mean(0)
    best = int(valid_means.argmax())
    second = _Counted(make())
    test = parzen_log_likelihoods(second, test_x, [sigmas[best]], x_block, dtype, centre)[:, 0]
    if second.n != first.n:
        raise ValueError(f"the sample blocks changed between passes ({first.n} then {second.n} samples)")
    return ParzenResult(sigma=float(sigmas[best]), test_mean=float(test.mean()),
                        test_se=float(test.std(unbiased=True) / math.sqrt(len(test))),
                        valid_means=tuple(float(v) for v in valid_means), n_samples=first.n)


class _Counted:
    def __init__(self, blocks):
        self.blocks, self.n = blocks, 0

    def __iter__(self):
        for b in self.blocks:
            self.n += len(b)
            yield b
