"""A run's checkpoint.pt, saved with its SHA-256 beside it and loaded only when it is what was
written: torch.load checks no checksum, so bytes changed on disk (a bad sector, a partial copy,
400 KB of zeros inside a tensor) would otherwise load and train on without a word.

    checkpoint.pt          models, optimizers, epoch, RNG states, history (aae/experiment/train.py)
    checkpoint.pt.sha256   {"sha256": [this checkpoint's digest, then the previous save's two]}

The digest file is replaced *before* the checkpoint and still names the digests it replaces, so a
kill between the two renames leaves a pair that agrees (the old checkpoint is among the earlier
digests), even after a second such kill. A checkpoint without a digest file was written before
digests existed and is loaded as it is.
"""
from __future__ import annotations

import hashlib
import io as _io
import json
import pickle
from pathlib import Path

import torch

from aae import io
from aae.errors import line_of
from aae.experiment.run_dir import DamagedRunFile, damaged

KEYS = {"epoch", "model", "rng", "history", "wall_time"}


def digest_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _digests(path: Path) -> list[str] | None:
    """The digests the file beside `path` accepts; None when there is no such file."""
    try:
        found = json.loads(digest_path(path).read_text())["sha256"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise damaged(digest_path(path), f"unreadable ({type(e).__name__})") from None
    if not isinstance(found, list) or not all(isinstance(d, str) for d in found):
        raise damaged(digest_path(path), "not a list of digests")
    return found


def save(path: Path, checkpoint: dict) -> None:
    """Write the checkpoint and its digest, each atomically (digest first: see the module's note)."""
    buffer = _io.BytesIO()
    torch.save(checkpoint, buffer)
    data = buffer.getbuffer()
    try:  # the checkpoint on disk is one of the last save's two digests (or, before digests, hashed once)
        previous = _digests(path)[:2] if digest_path(path).exists() else \
            [hashlib.sha256(path.read_bytes()).hexdigest()] if path.exists() else []
    except (OSError, DamagedRunFile):
        previous = []
    io.write_json(digest_path(path), {"sha256": [hashlib.sha256(data).hexdigest(), *previous]})
    io.write_bytes(path, data)


def load(path: Path, device) -> dict:
    """The checkpoint at `path`, loaded with weights_only=True (a planted file is refused, never
    executed) once its bytes match the digest written with it. Anything else is a DamagedRunFile
    naming the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise damaged(path, "missing") from None
    except OSError as e:
        raise damaged(path, f"cannot be read ({type(e).__name__})") from None
    accepted = _digests(path)
    if accepted is not None and hashlib.sha256(data).hexdigest() not in accepted:
        raise damaged(path, f"its bytes do not match {digest_path(path).name}: changed after it was written")
    try:
        ckpt = torch.load(_io.BytesIO(data), map_location=device, weights_only=True)
        if not isinstance(ckpt, dict) or not KEYS <= ckpt.keys():
            raise ValueError("not a checkpoint of this harness")
    except pickle.UnpicklingError:
        raise damaged(path, "refused: it holds more than tensors and plain containers (weights_only=True), "
                            "so it was not written by this harness") from None
    except Exception as e:  # noqa: BLE001  (pickle, zip and torch each raise their own kinds)
        raise damaged(path, f"{type(e).__name__}: {line_of(e, last=False)[:120]}") from None
    return ckpt


def set_aside(path: Path) -> None:
    """Keep a damaged checkpoint as checkpoint.pt.damaged for inspection; its digest goes with it."""
    path.replace(path.with_name(path.name + ".damaged"))
    digest_path(path).unlink(missing_ok=True)


__all__ = ["DamagedRunFile", "digest_path", "load", "save", "set_aside"]
