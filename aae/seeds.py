"""Seeds are derived, never hand-picked (DomainBed's seed_hash): one hash of the names involved."""
from __future__ import annotations

import hashlib


def derive_seed(*parts: object) -> int:
    """A stable 31-bit seed from any sequence of names and numbers.

    The same parts give the same seed on every machine and Python version (no hash()
    randomisation); changing any part gives an unrelated seed.
    """
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") & 0x7FFFFFFF


def run_seed(benchmark: str, model: str, setting: str, trial: int) -> int:
    """The seed of one run: model init, minibatch order, noise and prior samples flow from it."""
    return derive_seed("run", benchmark, model, setting, trial)


def subset_seed(dataset: str, setting: str, trial: int) -> int:
    """The seed of a labelled subset. It leaves the model out on purpose: every model of trial t
    sees the same labelled images, so a comparison between models is paired, not confounded
    by which 100 images each one drew."""
    return derive_seed("subset", dataset, setting, trial)
