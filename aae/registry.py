"""Models by name (torch-fidelity's registry): benchmarks look models up, never branch on names.

    @register_model("nn_baseline", NNBaselineConfig, title="NN Baseline")
    class NNBaseline(Model): ...

A config is a frozen dataclass of what the model is (its layers, priors, losses, optimizers);
how it is trained is aae.training_config.TrainingConfig, and the settings of each budget and
dataset are the recipes table's (benchmarks/recipes.py).
"""
from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from typing import Any

from aae.errors import UserError

# Modules whose import registers the built-in models.
_BUILTIN_MODULES = ("baselines", "aae.models")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    cls: type
    config_cls: type
    title: str


_REGISTRY: dict[str, ModelInfo] = {}


def defining_fields(config) -> dict[str, Any]:
    """A config's fields that define its runs (their hash, their tables' settings lines): all but
    an entry of the config's `late_fields` left at its default. A late field was added after runs
    existed; those runs had no such setting, and keep the names and descriptions they had."""
    late = getattr(config, "late_fields", ())
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
            if not (f.name in late and getattr(config, f.name) == f.default)}


def register_model(name: str, config_cls: type, title: str | None = None):
    def decorate(cls):
        if name in _REGISTRY and _REGISTRY[name].cls is not cls:
            raise ValueError(f"model {name!r} is registered twice")
        if not (dataclasses.is_dataclass(config_cls) and config_cls.__dataclass_params__.frozen):
            raise TypeError(f"{name}: the config {config_cls.__name__} must be a frozen dataclass")
        missing = [m for m in ("update", "state_dict", "load_state_dict") if not callable(getattr(cls, m, None))]
        if missing:
            raise TypeError(f"{name}: missing {', '.join(missing)}")
        _REGISTRY[name] = ModelInfo(name, cls, config_cls, title or name)
        return cls

    return decorate


def _load_builtins() -> None:
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def model_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def get_model(name: str) -> ModelInfo:
    _load_builtins()
    if name not in _REGISTRY:
        raise UserError(f"unknown model {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def config_from_dict(name: str, fields: dict) -> Any:
    cls = get_model(name).config_cls
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
