"""Job specs of a table: the flat list every executor runs (its index is the SLURM array index)."""
from __future__ import annotations

from aae.eval import check_capabilities
from aae.registry import config_for, get_model
from aae.results import Column
from aae.seeds import run_seed
from aae.spec import JobSpec


def grid(benchmark: str, *, models: list[str], columns: list[Column], seeds: int, budget: str,
         overrides: list[str], evals: tuple[str, ...], variant: str = "", curve: tuple[str, ...] = ()) -> list[JobSpec]:
    """Every (model, column, trial) of a table, with its derived seed and the config of that
    (model, dataset): the budget's, the model's recipe for the dataset, then `overrides`. A variant
    (a named row of the model, its overrides already among `overrides`) gets seeds of its own.
    `curve`: evaluations of the validation images recorded after every epoch; every model of the
    AAE family (one that has matched_codes) adds "matching", how well its codes fit their priors."""
    specs = []
    for model in models:
        cls = get_model(model).cls
        model_curve = (*curve, "matching") if hasattr(cls, "matched_codes") else curve
        check_capabilities(model, cls, (*evals, *model_curve))
        row = f"{model}:{variant}" if variant else model
        for col in columns:
            config = config_for(model, budget, overrides, dataset=col.dataset)
            for trial in range(seeds):
                specs.append(JobSpec(benchmark=benchmark, model=model, config=config, dataset=col.dataset,
                                     setting=col.setting, trial=trial, budget=budget, evals=evals, variant=variant,
                                     curve=model_curve, seed=run_seed(benchmark, row, f"{col.dataset}-{col.setting}", trial)))
    return specs
