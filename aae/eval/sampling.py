"""Model samples in bounded blocks, for every evaluation that draws many (Parzen, FID and kin)."""
from __future__ import annotations

from collections.abc import Iterator

import torch

SAMPLE_BLOCK = 10_000  # model samples drawn, scored and dropped at a time: memory stays bounded


def sample_blocks(model, n: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """n samples of the model, SAMPLE_BLOCK at a time, all drawn from `generator`."""
    return (model.sample(min(SAMPLE_BLOCK, n - i), generator) for i in range(0, n, SAMPLE_BLOCK))
