"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Every file of a run directory, the data cache and the results tables go through here, so a
run killed at any instant (SIGKILL, node preemption) leaves nothing corrupt behind.
"""
from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, IO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FULL = (errno.ENOSPC, errno.EDQUOT)


def _sync(f: IO[bytes], path: Path) -> None:
    """Flush a temp file to disk (the tests' seam for a disk that fills up)."""
    f.flush()
    os.fsync(f.fileno())


def _staged(path: Path, write: Callable[[IO[bytes]], None]) -> str:
    """`write` into a synced temporary file beside `path` (same filesystem: the rename is atomic);
    returns its name. Nothing is left behind if it fails."""
    from aae.errors import DiskFull

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        if e.errno in FULL:
            raise DiskFull(path, e.strerror) from None
        raise
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            _sync(f, path)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual mode
    except BaseException as e:
        _discard(tmp)
        if isinstance(e, OSError) and e.errno in FULL:  # the old file, if any, is untouched
            raise DiskFull(path, e.strerror) from None
        raise
    return tmp


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    tmp = _staged(path, write)
    try:
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def write_stream(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """A file that `write` produces in pieces (a download), atomically: if `write` raises, the old
    file (or none) stays and no temporary file is left."""
    _atomic(path, write)


def write_texts(texts: dict[Path, str]) -> None:
    """Several files as one step: every one written and synced to a temporary file first, then all
    renamed into place. A failure while writing (a full disk, a read-only folder) leaves every old
    file as it was: a table page and its records change together or not at all."""
    staged: dict[Path, str] = {}
    try:
        for path, text in texts.items():
            staged[Path(path)] = _staged(path, lambda f, data=text.encode("utf-8"): f.write(data))
    except BaseException:
        for tmp in staged.values():
            _discard(tmp)
        raise
    for path, tmp in staged.items():
        os.replace(tmp, path)


def write_bytes(path: Path, data: bytes) -> None:
    _atomic(path, lambda f: f.write(data))


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    write_text(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


def torch_save(path: Path, obj: Any) -> None:
    import io as _io

    import torch

    # serialised in memory first: torch's own writer turns a full disk into a RuntimeError with no
    # errno, while a plain write raises the OSError (ENOSPC) that _atomic reports as DiskFull
    buffer = _io.BytesIO()
    torch.save(obj, buffer)
    write_bytes(path, buffer.getbuffer())


def save_figure(path: Path, fig) -> None:
    """A matplotlib figure as PNG."""
    _atomic(path, lambda f: fig.savefig(f, format="png", dpi=100))


def numpy_savez(path: Path, **arrays) -> None:
    import numpy as np

    _atomic(path, lambda f: np.savez(f, **arrays))
