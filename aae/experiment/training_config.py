"""How a run is trained, apart from what its model is (pythae's BaseTrainerConfig beside a model's
config): the training loop (aae/experiment/train.py) reads this, a model reads only its own config.

A model's optimizers and their per-phase rates stay in the model's config: an adversarial
autoencoder runs three or four optimizers, one per phase of the paper's game, and which phases
exist is the model's to say. What applies to every optimizer alike (the schedule) lives here.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from aae.experiment.schedules import SCHEDULES
from aae.precision import AUTO, PRECISIONS


# keyword-only: the fields keep the order the settings lines have always shown them in
@dataclass(frozen=True, kw_only=True)
class TrainingConfig:
    lr_schedule: str = "constant"  # every optimizer's rate over the epochs (aae/experiment/schedules.py)
    batch_size: int = 100  # images the loop hands each update (a labelled stream: labelled images)
    epochs: int
    steps_per_epoch: int = 0  # updates per epoch; 0 = one pass over the training images (aae/experiment/batches.py)
    precision: str = "fp32"  # "bf16": bfloat16 autocast, float32 weights; "auto": bf16 where native (aae/precision.py)
    # added after runs existed: counted in a run's identity only when set (aae/experiment/spec.py defining_fields)
    late_fields: ClassVar[tuple] = ("lr_schedule",)
    # the paper's rates drop at fixed epochs only (docs/PAPER.md, u); a schedule here is ours
    ours_fields: ClassVar[tuple] = ("lr_schedule",)
    choices: ClassVar[dict] = {"precision": (*PRECISIONS, AUTO), "lr_schedule": SCHEDULES}


FIELDS = tuple(f.name for f in dataclasses.fields(TrainingConfig))


def split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A flat dict of settings (a record written before the two configs were apart) as (the
    model's fields, the training's fields)."""
    return ({k: v for k, v in fields.items() if k not in FIELDS},
            {k: v for k, v in fields.items() if k in FIELDS})
