"""Evaluations by name. Every model is scored by the same code here: no second evaluation path.

A name is the evaluation and, after "@", its arguments: "classification", "parzen@10000"
(Parzen window on 10,000 model samples), "parzen@10000000,valid=2000,grid=-2:0:20". The name keys the
evaluation's metrics in a run's record, so a finished run can be scored again later under
another name (10M samples) without training again.
"""
from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from aae.errors import UserError
from aae.eval.classification import error_rate, probabilities
from aae.eval.clustering import CLUSTERING_KEYS, clustering_metrics, paper_error
from aae.eval.matching import MATCH_IMAGES, code_measures, matching_keys
from aae.eval.quality import KEY_SUFFIXES, model_features, quality_keys, quality_of_features
from aae.eval.sampling import SAMPLE_BLOCK, reporting, sample_blocks
from aae.models.base import CAPABILITIES
from aae.registry import Registry
from aae.eval.parzen import SIGMA_GRID, parzen_evaluate, sigma_grid  # noqa: F401  (sigma_grid: re-exported)
from aae.seeds import derive_seed

PARZEN_VALID = 1000  # validation images that choose sigma (docs/PAPER.md)


@dataclass(frozen=True)
class EvalContext:
    """What an evaluation may use besides the model: the run's data, device and seed, and a
    folder for derived artefacts that runs share (a trained feature network, say), made on
    first use."""

    data: Any
    device: Any
    seed: int
    cache: Path | None = None
    # what one scoring of one model computes once for several evaluations (the features of its
    # 10K samples, which FID, KID and precision/recall all read); never saved
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def classification(model, ctx: EvalContext) -> dict[str, float]:
    """Test error from the final model; valid error beside it (the test set selects nothing)."""
    data, device = ctx.data, ctx.device
    return {f"{split}_error": error_rate(model.predict_proba, data.floats(split, device), data.labels(split, device))
            for split in ("valid", "test")}


def valid_error(model, ctx: EvalContext) -> dict[str, float]:
    """Error on the validation images alone: the learning curve of a classifier (the test set is
    never looked at while training)."""
    data, device = ctx.data, ctx.device
    return {"valid_error": error_rate(model.predict_proba, data.floats("valid", device), data.labels("valid", device))}


def parzen_name(samples: int, valid: int = PARZEN_VALID, grid: str = SIGMA_GRID) -> str:
    return (f"parzen@{samples}" + (f",valid={valid}" if valid != PARZEN_VALID else "")
            + (f",grid={grid}" if grid != SIGMA_GRID else ""))


def parzen_keys(samples: int, valid: int = PARZEN_VALID, grid: str = SIGMA_GRID) -> tuple[str, ...]:
    """The keys of a Parzen evaluation: its log-likelihood, standard error and sigma."""
    key = parzen_name(samples, valid, grid)
    return f"{key}_ll", f"{key}_se", f"{key}_sigma"


def parzen_of_centres(blocks, data, device, valid: int = PARZEN_VALID, grid: str = SIGMA_GRID) -> dict[str, float]:
    """Table 1's protocol on any Parzen centres (model samples, or the sanity rows' images):
    sigma chosen on the first `valid` validation images, the mean log-likelihood of the test
    images and its standard error."""
    if valid != PARZEN_VALID and valid > len(data.x_valid):  # the default takes all of a smaller stand-in's
        raise UserError(f"Parzen: {valid} validation images asked for, {data.name} has {len(data.x_valid)}")
    result = parzen_evaluate(blocks, data.floats("valid", device)[:valid], data.floats("test", device),
                             sigma_grid(grid))
    return dict(zip(parzen_keys(result.n_samples, valid, grid), (result.test_mean, result.test_se, result.sigma)))


def parzen(model, ctx: EvalContext, samples: int, valid: int = PARZEN_VALID, grid: str = SIGMA_GRID) -> dict[str, float]:
    """Parzen log-likelihood of the test images under `samples` samples of the model (which has
    sample(): `check_capabilities` made sure before anything was launched)."""
    passes = iter(("sigma on the validation images", "the test images"))

    def blocks():  # the same samples each call: the evaluation reads them twice (valid, then test images)
        generator = torch.Generator().manual_seed(derive_seed(ctx.seed, "parzen samples"))
        return reporting(sample_blocks(model, samples, generator), samples,
                         f"{parzen_name(samples, valid, grid)} ({next(passes, 'again')})")

    return parzen_of_centres(blocks, ctx.data, ctx.device, valid, grid)


def recon_parzen(model, ctx: EvalContext, samples: int, valid: int = PARZEN_VALID,
                 grid: str = SIGMA_GRID) -> dict[str, float]:
    """A ceiling for a model that generates in code space (GMMN+AE): Table 1's Parzen protocol
    with the model's own reconstructions of the last `samples` training images as the centres.
    A generator that matched the encoder's codes perfectly would score about this; no better.
    Keys: "recon_" + the Parzen keys ("recon_parzen@10000_ll", ...)."""
    images = ctx.data.floats("train", ctx.device)[-samples:]

    def blocks():
        return (model.reconstruct(part) for part in images.split(SAMPLE_BLOCK))

    return {f"recon_{k}": v for k, v in parzen_of_centres(blocks, ctx.data, ctx.device, valid, grid).items()}


def parzen_valid(model, ctx: EvalContext, samples: int = 1000) -> dict[str, float]:
    """A generative model's learning curve: the Parzen log-likelihood of validation images
    500-999 under `samples` model samples, sigma chosen on validation images 0-499 (the test set
    is never read; the same noise every epoch, from the run's seed)."""
    generator = torch.Generator().manual_seed(derive_seed(ctx.seed, "curve samples"))
    centres = [model.sample(samples, generator)]
    valid = ctx.data.floats("valid", ctx.device)[:PARZEN_VALID]
    half = len(valid) // 2
    result = parzen_evaluate(centres, valid[:half], valid[half:], sigma_grid(SIGMA_GRID))
    return {"valid_ll": result.test_mean}


def _sample_quality(kind: str):
    def evaluation(model, ctx: EvalContext, samples: int = 10_000) -> dict[str, float]:
        return quality_of_features(kind, model_features(model, ctx, samples), ctx)

    evaluation.__doc__ = (f"{kind} of `samples` model samples against the test images, on the feature "
                          "network's features (aae/eval/quality.py).")
    return evaluation


def clustering(model, ctx: EvalContext) -> dict[str, float]:
    """Table 3: the paper's clustering error on the test images (each cluster labelled by its most
    confident validation image), NMI, empty clusters, and matched accuracy when K = classes."""
    data = ctx.data
    q = {split: probabilities(model.predict_proba, data.floats(split, ctx.device)).numpy() for split in ("valid", "test")}
    return clustering_metrics(q["valid"], data.y_valid, q["test"], data.y_test, data.n_classes)


def valid_clustering(model, ctx: EvalContext) -> dict[str, float]:
    """Table 3's learning curve: the paper's clustering error within the validation images alone,
    each cluster labelled by its most confident image among validation images 0-4999, the error
    counted on images 5000-9999 (the test set is never read; the final score keeps the paper's
    split: labels from the validation images, error on the test images)."""
    data = ctx.data
    q = probabilities(model.predict_proba, data.floats("valid", ctx.device)).numpy()
    half = len(q) // 2
    return {"valid_cluster_error": paper_error(q[:half], data.y_valid[:half], q[half:], data.y_valid[half:])}


def matching(model, ctx: EvalContext) -> dict[str, float]:
    """Issue 31's curve: how well the codes of the first MATCH_IMAGES validation images match
    their priors (aae/eval/matching.py). Prior samples and discriminator noise come from a generator
    seeded by the run; the global RNG is forked, so a model whose code draws noise (the universal
    encoder) still leaves training as it would be without the curve."""
    x = ctx.data.floats("valid", ctx.device)[:MATCH_IMAGES]
    generator = torch.Generator().manual_seed(derive_seed(ctx.seed, "matching"))
    found = {}
    with torch.random.fork_rng():
        for code in model.matched_codes(x):
            found |= code_measures(code, generator)
    return found


@dataclass(frozen=True)
class Evaluation:
    """An evaluation by name: the function (model, ctx, **arguments) -> metrics, whose typed
    parameters are the arguments a name may give after "@"; the model capability it uses
    (aae/models/base.py CAPABILITIES, checked for every spec before anything is launched); the metric keys it returns for given arguments (it
    may return no other); whether it reads validation images only, so may run after every epoch."""

    run: Callable[..., dict[str, float]]
    needs: str
    keys: Callable[..., tuple[str, ...]]
    curve: bool = False


EVALUATIONS = Registry("evaluation", {
    "classification": Evaluation(classification, "classifies", lambda: ("valid_error", "test_error")),
    "valid_error": Evaluation(valid_error, "classifies", lambda: ("valid_error",), curve=True),
    "clustering": Evaluation(clustering, "classifies", lambda: CLUSTERING_KEYS),
    "valid_clustering": Evaluation(valid_clustering, "classifies", lambda: ("valid_cluster_error",), curve=True),
    "matching": Evaluation(matching, "matches_priors", matching_keys, curve=True),
    "parzen": Evaluation(parzen, "samples", parzen_keys),
    "parzen_valid": Evaluation(parzen_valid, "samples", lambda samples: ("valid_ll",), curve=True),
    "recon_parzen": Evaluation(recon_parzen, "reconstructs",
                               lambda **args: tuple(f"recon_{k}" for k in parzen_keys(**args))),
    **{kind: Evaluation(_sample_quality(kind), "samples", lambda samples, kind=kind: quality_keys(kind, samples))
       for kind in KEY_SUFFIXES},
})


def parse(name: str) -> tuple[Evaluation, dict[str, Any]]:
    """"parzen@10000,valid=2000,grid=-2:0:20" -> (the parzen Evaluation, every argument with its
    default filled in and converted to its parameter's type); a one-line UserError otherwise."""
    base, _, args = name.partition("@")
    evaluation = EVALUATIONS.lookup(base)
    signature = inspect.signature(evaluation.run)
    params = list(signature.parameters.values())[2:]  # after (model, ctx)
    types = typing.get_type_hints(evaluation.run)
    given: dict[str, Any] = {}
    for part in filter(None, args.split(",")):
        key, sep, value = part.partition("=")
        if not sep:  # positional: before any keyword, in the parameters' order
            if len(given) >= len(params) or any(k != p.name for k, p in zip(given, params)):
                raise UserError(f"bad evaluation {name!r}: too many arguments after '@'")
            key, value = params[len(given)].name, part
        if key not in signature.parameters or key in ("model", "ctx"):
            raise UserError(f"bad evaluation {name!r}: {base} has no argument {key!r}; "
                            f"it takes {', '.join(p.name for p in params) or 'none'}")
        try:
            given[key] = types[key](value)
        except ValueError:
            raise UserError(f"bad evaluation {name!r}: {key} must be {types[key].__name__}, like "
                            f"parzen@10000") from None
    missing = [p.name for p in params if p.default is inspect.Parameter.empty and p.name not in given]
    if missing:
        raise UserError(f"bad evaluation {name!r}: give {', '.join(missing)} after '@', like parzen@10000")
    bound = signature.bind_partial(None, None, **given)
    bound.apply_defaults()
    return evaluation, {k: v for k, v in bound.arguments.items() if k not in ("model", "ctx")}


def metric_keys(name: str) -> tuple[str, ...]:
    """The metric keys the named evaluation returns (its record's keys): "parzen@10000" ->
    ("parzen@10000_ll", "parzen@10000_se", "parzen@10000_sigma")."""
    evaluation, args = parse(name)
    return evaluation.keys(**args)


def is_curve(name: str) -> bool:
    """Reads no test image: may score the model after every epoch (a learning curve)."""
    return parse(name)[0].curve


def check_capabilities(model: str, model_cls: type, names) -> None:
    """A one-line UserError if the model cannot run one of the named evaluations."""
    for name in names:
        needs = parse(name)[0].needs
        if needs not in model_cls.capabilities:
            raise UserError(f"{model} cannot be scored by {name}: it has no {CAPABILITIES[needs]}() (capability {needs!r})")


def evaluate(name: str, model, ctx: EvalContext) -> dict[str, float]:
    """Run the evaluation a name describes, e.g. "parzen@10000,valid=1000"."""
    evaluation, args = parse(name)
    metrics = evaluation.run(model, ctx, **args)
    stray = set(metrics) - set(evaluation.keys(**args))
    if stray:  # the keys are the evaluation's to declare: a table's column reads one of them
        raise RuntimeError(f"{name} returned metrics it does not declare: {', '.join(sorted(stray))}")
    return metrics
