"""Model samples in bounded blocks, for every evaluation that draws many (Parzen, FID and kin)."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import torch

SAMPLE_BLOCK = 10_000  # model samples drawn, scored and dropped at a time: memory stays bounded


def sample_blocks(model, n: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """n samples of the model, SAMPLE_BLOCK at a time, all drawn from `generator`."""
    return (model.sample(min(SAMPLE_BLOCK, n - i), generator) for i in range(0, n, SAMPLE_BLOCK))


REPORT_FROM = 1_000_000  # an evaluation of this many samples or more says how far it is (10M: minutes)


def reporting(blocks: Iterator[torch.Tensor], total: int, label: str) -> Iterator[torch.Tensor]:
    """The blocks unchanged; for `total` >= REPORT_FROM, a line on stderr at every tenth of them."""
    done, next_tenth, t0 = 0, 1, time.perf_counter()
    for block in blocks:
        yield block
        done += len(block)
        if total >= REPORT_FROM and done * 10 >= next_tenth * total:
            next_tenth = done * 10 // total + 1
            print(f"{label}: {done:,} of {total:,} samples, {(time.perf_counter() - t0) / 60:.1f} min",
                  file=sys.stderr, flush=True)
