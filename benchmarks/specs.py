"""Job specs of a table: the flat list every executor runs (its index is the SLURM array index)."""
from __future__ import annotations

from aae.eval import check_capabilities
from aae.experiment.spec import JobSpec
from aae.models.registry import get_model
from aae.reporting.tables import Column
from aae.seeds import run_seed
from benchmarks.recipes import recipe


def grid(benchmark: str, *, models: list[str], columns: list[Column], seeds: int, budget: str,
         overrides: list[str], evals: tuple[str, ...], variant: str = "", curve: tuple[str, ...] = (),
         changes: dict | None = None) -> list[JobSpec]:
    """Every (model, column, trial) of a table, with its derived seed and the recipe of that
    (model, dataset) (benchmarks/recipes.py): the budget's, the dataset's changes, the benchmark's
    typed `changes` (a row's or a cell's settings), then the user's `overrides` (--set strings). A
    variant (a named row of the model, its settings among `changes`) gets seeds of its own.
    `curve`: evaluations of the validation images recorded after every epoch; every model of the
    AAE family (capability "matches_priors") adds "matching", how well its codes fit their priors."""
    specs = []
    for model in models:
        cls = get_model(model).cls
        model_curve = (*curve, "matching") if "matches_priors" in cls.capabilities else curve
        check_capabilities(model, cls, (*evals, *model_curve))
        row = f"{model}:{variant}" if variant else model
        for col in columns:
            r = recipe(model, budget, col.dataset, changes, overrides)
            for trial in range(seeds):
                specs.append(JobSpec(benchmark=benchmark, model=model, config=r.model, training=r.training,
                                     dataset=col.dataset,
                                     setting=col.setting, trial=trial, budget=budget, evals=evals, variant=variant,
                                     curve=model_curve, seed=run_seed(benchmark, row, f"{col.dataset}-{col.setting}", trial)))
    return specs
