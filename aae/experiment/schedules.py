"""Learning-rate schedules over a run's epochs. The rate of an epoch is a function of the epoch
alone, set when the epoch starts, so a resumed run trains at the rates of one never interrupted.

A config opts in with a field `lr_schedule` (one of SCHEDULES); every optimizer of the model is
scaled by the same factor, each from the rate it was built with."""
from __future__ import annotations

import math

import torch

SCHEDULES = ("constant", "cosine", "step")
STEP_FROM = 0.75  # "step": the share of the epochs after which the rates are a tenth


def lr_factor(schedule: str, epoch: int, epochs: int) -> float:
    """The factor on the initial rates in epoch `epoch` (0-based) of `epochs`: 1 throughout for
    "constant"; for "cosine", 0.5 (1 + cos(pi epoch / epochs)): 1 in the first epoch, falling
    smoothly towards 0 in the last (torch's CosineAnnealingLR stepped once per epoch); for "step",
    1 and then 0.1 for the last quarter of the epochs (the paper's likelihood recipe divides its
    rates by 10 late in training, docs/PAPER.md (u); a quarter of a short budget stands in for its epochs)."""
    if schedule == "constant":
        return 1.0
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))
    if schedule == "step":
        return 0.1 if epoch >= math.ceil(STEP_FROM * epochs) else 1.0
    raise ValueError(f"unknown lr_schedule {schedule!r}; known: {', '.join(SCHEDULES)}")


def apply_schedule(optimizers: dict[str, torch.optim.Optimizer], schedule: str, epoch: int, epochs: int) -> None:
    """Set every optimizer's rates for this epoch. The initial rate is kept in each parameter
    group as "initial_lr" (torch's own key), so it travels with the optimizer's checkpoint."""
    if schedule == "constant":
        return  # the rates as built; nothing added to the optimizers' state
    factor = lr_factor(schedule, epoch, epochs)
    for opt in optimizers.values():
        for group in opt.param_groups:
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * factor
