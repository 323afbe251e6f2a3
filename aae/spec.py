"""A job spec: everything that defines one run. Its hash names the run directory.

The hash covers what decides the trained model, and not `evals`: evaluations are cached by
name inside the run directory, so asking a finished run for one more (Table 1's 10M samples)
scores the same model instead of training another."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from aae.registry import config_from_dict


@dataclass(frozen=True)
class JobSpec:
    benchmark: str
    model: str
    config: Any  # the model's frozen config dataclass
    dataset: str
    setting: str  # "100", "1000", "all": how many training labels the model may use
    trial: int
    seed: int
    budget: str
    evals: tuple[str, ...] = ("classification",)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["config"] = dataclasses.asdict(self.config)
        d["evals"] = list(self.evals)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "JobSpec":
        d = dict(d)
        d["config"] = config_from_dict(d["model"], d["config"])
        d["evals"] = tuple(d["evals"])
        return cls(**d)

    @property
    def run_id(self) -> str:
        training = {k: v for k, v in self.to_dict().items() if k != "evals"}
        canonical = json.dumps(training, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def describe(self) -> str:
        return f"{self.model} {self.dataset}({self.setting}) trial {self.trial}"
