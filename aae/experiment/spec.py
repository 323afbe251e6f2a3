"""A job spec: everything that defines one run. Its hash names the run directory.

The hash covers what decides the trained model, and not `evals` or `curve`: evaluations are
cached by name inside the run directory, so asking a finished run for one more (Table 1's 10M
samples) scores the same model instead of training another; the curve's per-epoch validation
scores read the model without changing it."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from aae.experiment.training_config import TrainingConfig, split
from aae.models.registry import config_from_dict


def defining_fields(config) -> dict[str, Any]:
    """A config's fields that define its runs (their hash, their tables' settings lines): all but
    an entry of the config's `late_fields` left at its default. A late field was added after runs
    existed; those runs had no such setting, and keep the names and descriptions they had."""
    late = getattr(config, "late_fields", ())
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
            if not (f.name in late and getattr(config, f.name) == f.default)}


@dataclass(frozen=True)
class JobSpec:
    benchmark: str
    model: str
    config: Any  # the model's frozen config dataclass: what the model is
    training: TrainingConfig  # how it is trained (epochs, minibatch, precision, schedule)
    dataset: str
    setting: str  # "100", "1000", "all": how many training labels the model may use
    trial: int
    seed: int
    budget: str
    evals: tuple[str, ...] = ("classification",)
    variant: str = ""  # a named setting of the model that is its own table row ("16" for 16 clusters)
    curve: tuple[str, ...] = ()  # evaluations on validation images after every epoch (learning curves)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["config"] = dataclasses.asdict(self.config)
        d["training"] = dataclasses.asdict(self.training)
        d["evals"] = list(self.evals)
        d["curve"] = list(self.curve)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "JobSpec":
        d = dict(d)
        if "training" in d:
            fields, training = d["config"], d["training"]
        else:  # written before the model's and the training's settings were apart: one flat dict
            fields, training = split(d["config"])
        d["config"] = config_from_dict(d["model"], fields)
        d["training"] = TrainingConfig(**training)
        d["evals"] = tuple(d["evals"])
        d["curve"] = tuple(d.get("curve", ()))
        return cls(**d)  # records older than `variant` or `curve` lack them: the defaults apply

    def settings(self) -> dict[str, Any]:
        """Every setting that defines the run, the model's then the training's, in their fields'
        order: the run's identity and its table's settings line. A field added after runs existed
        counts only when set, so the runs made before it keep their directories (defining_fields)."""
        return {**defining_fields(self.config), **defining_fields(self.training)}

    @property
    def run_id(self) -> str:
        # The hashed shape is the one runs had when both configs were one flat dict under "config",
        # so a run keeps its id across that split. The variant only names a row: its overrides are
        # in the config already, and a spec without one keeps the hash it had before variants existed.
        identity = {k: v for k, v in self.to_dict().items()
                    if k not in ("evals", "curve", "training") and (k != "variant" or v)}
        identity["config"] = self.settings()
        canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @property
    def row(self) -> str:
        """The table row this run feeds: the model, or "model:variant"."""
        return f"{self.model}:{self.variant}" if self.variant else self.model

    def describe(self) -> str:
        return f"{self.row} {self.dataset}({self.setting}) trial {self.trial}"
