"""Models by name (torch-fidelity's registry): benchmarks look models up, never branch on names.

    @register_model("nn_baseline", NNBaselineConfig, title="NN Baseline")
    class NNBaseline(Model): ...

A config is a frozen dataclass whose `for_budget(name)` gives the settings of each budget;
every field can be overridden from the command line (`--set epochs=3`), type-checked.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
from dataclasses import dataclass
from typing import Any

from aae.errors import UserError
from aae.precision import AUTO, machine_choice
from aae.validation import check_config

BUDGETS = ("smoke", "cpu", "paper")
# Fields the generic training loop reads from every model's config.
LOOP_FIELDS = ("epochs", "steps_per_epoch", "batch_size", "precision")
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
        missing = [f for f in LOOP_FIELDS if f not in {x.name for x in dataclasses.fields(config_cls)}]
        missing += [m for m in ("update", "state_dict", "load_state_dict") if not callable(getattr(cls, m, None))]
        if not callable(getattr(config_cls, "for_budget", None)):
            missing.append("for_budget")
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


def dataset_recipe(name: str, dataset: str) -> list[str]:
    """The overrides a model's config applies on a dataset (its `dataset_recipes` class attribute:
    SVHN's batch norm and 20-D style for the semi-supervised AAE, TFD's code size, ...)."""
    return list(getattr(get_model(name).config_cls, "dataset_recipes", {}).get(dataset, ()))


def config_for(name: str, budget: str, overrides: list[str] = (), dataset: str | None = None) -> Any:
    """The model's config for a budget (and a dataset's recipe, before the overrides), with
    `key=value` overrides applied and type-checked."""
    if budget not in BUDGETS:
        raise UserError(f"unknown budget {budget!r}; known: {', '.join(BUDGETS)}")
    overrides = [*(dataset_recipe(name, dataset) if dataset else []), *overrides]
    cls = get_model(name).config_cls
    config = cls.for_budget(budget)
    chosen = parse_overrides(config, overrides) if overrides else {}
    config = dataclasses.replace(config, **chosen)
    check_config(name, config)  # before anything is launched: one line, exit 2
    if config.precision != AUTO:
        return config
    # "auto" -> this command's precision: a spec holds what its run computes in; in float32 with
    # the budget's float32 settings, where it has them (fewer epochs where float32 cannot train
    # today's in the budget's minutes; what the command line set stays as set)
    precision = machine_choice().precision
    fp32 = getattr(cls, "fp32_budgets", {}).get(budget, {}) if precision == "fp32" else {}
    return dataclasses.replace(config, precision=precision, **{k: v for k, v in fp32.items() if k not in chosen})


def asks_auto(name: str, budget: str, overrides: list[str] = ()) -> bool:
    """Whether the model's config for a budget, as overridden, leaves its precision to the machine."""
    config = get_model(name).config_cls.for_budget(budget)
    return dataclasses.replace(config, **parse_overrides(config, overrides)).precision == AUTO


def parse_overrides(config: Any, overrides: list[str]) -> dict[str, Any]:
    fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    out = {}
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or key not in fields:
            raise UserError(f"bad override {item!r}: use key=value with key one of {', '.join(fields)}")
        out[key] = _coerce(key, text, fields[key])
    return out


def _coerce(key: str, text: str, current: Any) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    if isinstance(current, bool) or current is None:
        ok = isinstance(value, bool) or current is None
    elif isinstance(current, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(current, tuple):
        ok = isinstance(value, list)
        value = tuple(value) if ok else value
    else:
        ok = isinstance(value, type(current)) and not isinstance(value, bool)
    if not ok:
        raise UserError(f"bad override {key}={text}: expected {type(current).__name__}, like {current!r}")
    return value


def config_from_dict(name: str, fields: dict) -> Any:
    cls = get_model(name).config_cls
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
