"""Things by name, one pattern for every kind the harness looks up (torch-fidelity's registry):
models (aae/models/registry.py), evaluations (aae.eval.EVALUATIONS), datasets (aae.data.DATASETS)
and executors (aae.experiment.executors.EXECUTORS). Benchmarks look things up, never branch on names.

    EVALUATIONS = Registry("evaluation", {"classification": Evaluation(...), ...})
    EVALUATIONS.lookup("parzen")   # an unknown name: one line naming the known ones
"""
from __future__ import annotations

from typing import Any, Callable

from aae.errors import UserError


class Registry(dict):
    """Things of one kind by name (a dict: iteration, `in` and monkeypatching work as on one).
    `register(name)` decorates (or `register(name, thing)` adds), refusing a second thing under a
    taken name; `lookup(name)` is the thing or one UserError; `load`, if given, runs once before
    the first lookup (the model plugins)."""

    def __init__(self, kind: str, items: dict | None = None, load: Callable[[], None] | None = None):
        super().__init__(items or {})
        self.kind, self._load = kind, load

    def register(self, name: str, thing: Any = None):
        def add(item):
            if name in self and self[name] is not item:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self[name] = item
            return item

        return add if thing is None else add(thing)

    def load(self) -> None:
        load, self._load = self._load, None
        if load is not None:
            load()

    def lookup(self, name: str) -> Any:
        self.load()
        if name not in self:
            raise UserError(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}")
        return self[name]

    def names(self) -> list[str]:
        self.load()
        return sorted(self)
