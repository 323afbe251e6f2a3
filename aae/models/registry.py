"""Models by name: `@register_model(name, Config, title)` on a model class, `get_model(name)`.

    @register_model("nn_baseline", NNBaselineConfig, title="NN Baseline")
    class NNBaseline(Model): ...

A model's config is a frozen dataclass of what the model is (its layers, priors, losses,
optimizers); how it is trained is aae.experiment.training_config.TrainingConfig, and the settings
of each budget and dataset are the recipes table's (benchmarks/recipes.py). The built-in models
are plugins named in pyproject.toml (entry points `aae_bench.models`: `aae.models` and
`baselines`), loaded on the first lookup, so nothing in aae/ imports the baselines built on it;
a model of one's own registers the same way, or by importing its module before the lookup.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from aae.models.base import undeclared_capabilities
from aae.registry import Registry

MODEL_PLUGINS = "aae_bench.models"  # the entry-point group whose modules register models


@dataclass(frozen=True)
class ModelInfo:
    name: str
    cls: type
    config_cls: type
    title: str


def _load_model_plugins() -> None:
    for plugin in entry_points(group=MODEL_PLUGINS):
        plugin.load()


MODELS = Registry("model", load=_load_model_plugins)


def register_model(name: str, config_cls: type, title: str | None = None):
    """Register a model class under `name` with its config class; its capabilities must be the
    methods it has (aae/models/base.py CAPABILITIES), so a table never asks a model for a score
    it cannot give, and a declaration never drifts from the code."""
    def decorate(cls):
        if name in MODELS and MODELS[name].cls is not cls:
            raise ValueError(f"model {name!r} is registered twice")
        if not (dataclasses.is_dataclass(config_cls) and config_cls.__dataclass_params__.frozen):
            raise TypeError(f"{name}: the config {config_cls.__name__} must be a frozen dataclass")
        missing = [m for m in ("update", "state_dict", "load_state_dict") if not callable(getattr(cls, m, None))]
        if missing:
            raise TypeError(f"{name}: missing {', '.join(missing)}")
        wrong = undeclared_capabilities(cls)
        if wrong:
            raise TypeError(f"{name}: its capabilities do not match its methods: {wrong}")
        MODELS[name] = ModelInfo(name, cls, config_cls, title or name)
        return cls

    return decorate


def model_names() -> list[str]:
    return MODELS.names()


def get_model(name: str) -> ModelInfo:
    return MODELS.lookup(name)


def config_from_dict(name: str, fields: dict) -> Any:
    cls = get_model(name).config_cls
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
