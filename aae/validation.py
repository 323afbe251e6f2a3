"""Config fields checked before anything is launched.

A bad value (`--set epochs=0`, `lr=nan`, `hidden=[]`, `prior=nonsense`) is one line at the
command line and exit status 2: never a degenerate model counted as a result, never N failed
jobs queued on a cluster. The rules go by field name, so every model's config gets them without
repeating them; a config adds what only it knows in optional class attributes:

    choices: ClassVar[dict[str, tuple[str, ...]]]   the allowed values of its string fields
    def problems(self) -> list[str]                  checks across fields (a 2-D prior needs z_dim=2)
    def training_problems(self, training) -> list[str]   a model's checks against its training
                                                     config (GMMN+AE's stage within the epochs)
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

from aae.errors import UserError

# int fields that may be 0 (every other int must be at least 1)
ZERO_ALLOWED = {"steps_per_epoch": "0 = one pass over the training images", "ae_epochs": "0 = no autoencoder stage",
                "n_clusters": "0 = one category per class, learned with labels"}
# float fields that may be 0 (every learning rate, scale and std must be positive)
NONNEGATIVE_FLOATS = ("input_noise", "disc_noise", "alpha_scale")


def _float_problem(name: str, value: float) -> str | None:
    if not math.isfinite(value):
        return f"{name}={value} is not a finite number"
    if "momentum" in name or "dropout" in name:
        return None if 0.0 <= value < 1.0 else f"{name}={value} must lie in [0, 1)"
    if name in NONNEGATIVE_FLOATS:
        return None if value >= 0.0 else f"{name}={value} must be at least 0"
    return None if value > 0.0 else f"{name}={value} must be positive"


def _field_problem(name: str, value: Any, choices: dict) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        low = 0 if name in ZERO_ALLOWED else 1
        return None if value >= low else f"{name}={value} must be at least {low}"
    if isinstance(value, float):
        return _float_problem(name, value)
    if isinstance(value, str):
        allowed = choices.get(name)
        return None if allowed is None or value in allowed else \
            f"{name}={value!r} is not one of {', '.join(allowed)}"
    if isinstance(value, tuple):
        # layer widths and kernel bandwidths: at least one, each positive (an MLP of the paper
        # always has a hidden layer; width 0 would train a model that cannot learn)
        if not value:
            return f"{name}=[] needs at least one entry"
        bad = [v for v in value if isinstance(v, bool) or not isinstance(v, (int, float))
               or not math.isfinite(v) or v <= 0 or (isinstance(v, float) and name.endswith("hidden"))]
        return f"{name}={list(value)}: every entry must be a positive {'integer' if name.endswith('hidden') else 'number'}" \
            if bad else None
    return None


def problems_of(config: Any) -> list[str]:
    """Everything wrong with a config, as short phrases; [] for a valid one."""
    choices = getattr(config, "choices", {})
    found = [p for f in dataclasses.fields(config)
             if (p := _field_problem(f.name, getattr(config, f.name), choices)) is not None]
    if not found and callable(getattr(config, "problems", None)):
        found += config.problems()  # cross-field checks assume each field is valid on its own
    return found


def check_config(model: str, config: Any, training: Any) -> None:
    """Raise a one-line UserError naming every bad field of the model's config and its training config."""
    found = problems_of(config) + problems_of(training)
    if not found and callable(getattr(config, "training_problems", None)):
        found = config.training_problems(training)
    if found:
        raise UserError(f"invalid config for {model}: {'; '.join(found)}")
