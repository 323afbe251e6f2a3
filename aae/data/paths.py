"""Where datasets are looked for and cached."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """$AAE_CACHE, else ~/.cache/aae-bench: shared by every clone, fetched once per machine."""
    return Path(os.environ.get("AAE_CACHE") or Path.home() / ".cache" / "aae-bench")


def user_data_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The directory the user points at (--data-dir, else $AAE_DATA), or None."""
    chosen = explicit or os.environ.get("AAE_DATA")
    return Path(chosen).expanduser() if chosen else None
