"""The model contract (DomainBed's Algorithm): a model owns its networks and optimizers and runs
its paper's phases inside `update(batch)`; the training loop stays generic."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar

import torch
from torch import nn

# What a model can do beyond training, each the method that does it. A model declares its own in
# `capabilities`; evaluations (aae/eval: `Evaluation.needs`), the matching curve and the figures
# ask for a capability, never probe for a method; registration refuses a class whose declaration
# and methods disagree (undeclared_capabilities).
CAPABILITIES = {
    "classifies": "predict_proba",  # q(y|x) over the classes or clusters: Tables 2 and 3
    "samples": "sample",  # images from the prior: Table 1's Parzen, FID, KID, precision/recall
    "reconstructs": "reconstruct",  # images decoded from their own codes: the reconstruction ceiling, grids
    "encodes": "codes",  # the representation of images: Figures 2, 4, 11
    "decodes": "decode",  # images from codes: Figures 4, 7
    "matches_priors": "matched_codes",  # codes held to a prior by a discriminator: the matching curve
    "has_cluster_heads": "category_heads",  # the image each category decodes to: Figure 9
}


@dataclass(frozen=True)
class DataInfo:
    """What a model may know about its data, and its training plan, when it is built."""

    input_dim: int
    n_classes: int
    n_train: int  # training images (the unlabelled stream)
    n_labelled: int  # of which labelled
    pixel_mean: torch.Tensor | None = None  # per input dimension, over the training images in [0, 1]
    pixel_std: torch.Tensor | None = None
    # the training loop's plan (aae.experiment.training_config): for a model whose stages are counted in
    # epochs (GMMN+AE's autoencoder stage); other models read only their own config
    epochs: int = 1
    updates_per_epoch: int = 0


@dataclass(frozen=True)
class MatchedCode:
    """One regularized code of a model: its values for a batch of images, how to draw its prior
    (n, generator) -> samples on the model's device, and the discriminator's logit for a batch of
    codes (codes, generator) -> logits, seeing them as it does in training: the model adds the
    input noise it trains with (drawn from `generator`) and any fixed inputs beside the codes,
    such as the unlabelled slot."""

    name: str
    codes: torch.Tensor
    prior: Callable[[int, torch.Generator], torch.Tensor]
    judge: Callable[[torch.Tensor, torch.Generator], torch.Tensor]
    categorical: bool = False


class Model:
    """Subclasses set `self.nets` (an nn.ModuleDict) and `self.optimizers` (name -> optimizer).

    `streams` names the minibatches `update` reads: "unlabelled" gives batch["x"] (every training
    image), "labelled" gives batch["x_lab"], batch["y_lab"] (the labelled subset only).
    Constructor: `Model(config, info: DataInfo, device)`, after the training loop has seeded the
    global RNGs (initial weights come from them).
    """

    streams: tuple[str, ...] = ("labelled",)
    capabilities: ClassVar[frozenset[str]] = frozenset()  # keys of CAPABILITIES
    learns: ClassVar[bool] = True  # False: made from data, not trained (Table 1's sanity rows; no learning curve)
    one_trial: ClassVar[bool] = False  # True: no seed changes it, so one run is the row
    # train with subnormal floats flushed to zero (CPU): for a model whose gradients underflow into
    # them, where every operation on one is many times slower (M2); IEEE again after each epoch's updates
    flush_denormals: bool = False
    nets: nn.ModuleDict
    optimizers: dict[str, torch.optim.Optimizer]

    def set_training_images(self, x: torch.Tensor) -> None:
        """Called by the training loop before the first update (and again on resume, and when a
        finished model is loaded to be scored or drawn) with every training image, for a model that
        derives something from the whole set at once (GMMN+AE encodes it once for its generator
        stage; the sanity rows make their centres of it). Most models read only their minibatches."""

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor | float]:
        """One minibatch through the paper's phases; returns each loss, detached (0-d tensors on
        the device, so the step loop never waits for the device; the loop reads them per epoch)."""
        raise NotImplementedError

    def cost_stages(self) -> list[tuple[str, float]]:
        """The stages whose updates cost differently, as (name, share of the run's updates), for
        --estimate, which times each after `enter_stage`. One stage unless a model says otherwise."""
        return [("updates", 1.0)]

    def enter_stage(self, name: str, x: torch.Tensor) -> None:
        """Make a fresh model's next updates those of stage `name`, with `x` standing in for the
        training images (--estimate only; training never calls it)."""

    @property
    def device(self) -> torch.device:
        """Where the networks live: sampling and decoding put the codes they draw there."""
        return next(self.nets.parameters()).device

    def state_dict(self) -> dict:
        return {"nets": self.nets.state_dict(),
                "optimizers": {k: opt.state_dict() for k, opt in self.optimizers.items()}}

    def load_state_dict(self, state: dict) -> None:
        self.nets.load_state_dict(state["nets"])
        for k, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][k])


def undeclared_capabilities(cls: type) -> str:
    """How a model class's declared capabilities and its methods disagree ("" where they agree)."""
    unknown = sorted(set(cls.capabilities) - set(CAPABILITIES))
    declared_missing = sorted(c for c in cls.capabilities if c in CAPABILITIES and not hasattr(cls, CAPABILITIES[c]))
    undeclared = sorted(c for c, method in CAPABILITIES.items() if hasattr(cls, method) and c not in cls.capabilities)
    return "; ".join(part for part in (
        f"unknown {', '.join(unknown)}" if unknown else "",
        f"declared without their method: {', '.join(declared_missing)}" if declared_missing else "",
        f"methods not declared: {', '.join(undeclared)}" if undeclared else "") if part)
