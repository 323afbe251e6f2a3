"""Building blocks shared by the AAE variants and the baselines: layers, initialisation,
optimizers, and one optimizer step of a phase."""
from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn


def mlp(sizes: list[int], activation=nn.ReLU, batch_norm: bool = False) -> nn.Sequential:
    """Linear layers of the given widths with `activation` between them (none after the last),
    and batch normalisation before each activation if asked."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(b))
            layers.append(activation())
    return nn.Sequential(*layers)


class Standardize(nn.Module):
    """x -> (x - mean) / std per input dimension, with the training set's statistics kept as
    buffers, so they travel with the checkpoint."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean.clone())
        self.register_buffer("std", std.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def init_normal_(module: nn.Module, std: float) -> nn.Module:
    """Weights from N(0, std^2), biases zero: the (u) initialisation of the AAE re-implementations."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


def params_of(*modules: nn.Module) -> list[nn.Parameter]:
    return [p for m in modules for p in m.parameters()]


def autoencoder_optimizers(config, encoder: nn.Module, decoder: nn.Module, discriminator: nn.Module) -> dict:
    """The three optimizers of an AAE's two phases: reconstruction (encoder + decoder), then
    regularization (the discriminator, then the encoder as generator). `config` gives optimizer,
    recon_lr, recon_momentum, adv_lr and adv_momentum."""
    c = config
    return {
        "reconstruction": make_optimizer(c.optimizer, params_of(encoder, decoder), c.recon_lr, c.recon_momentum),
        "discriminator": make_optimizer(c.optimizer, discriminator.parameters(), c.adv_lr, c.adv_momentum),
        "generator": make_optimizer(c.optimizer, encoder.parameters(), c.adv_lr, c.adv_momentum),
    }


OPTIMIZERS = ("adam", "sgd")


def make_optimizer(kind: str, params, lr: float, momentum: float = 0.9) -> torch.optim.Optimizer:
    """'sgd' = SGD with momentum (the paper's recipe); 'adam' = Adam with beta1 = momentum.

    Fused: one kernel updates every parameter (on CPU as on CUDA) instead of a Python loop of
    small ops per tensor; the same update, about 1.2x faster steps for the AAEs on 2 cores
    (benchmarks/machine/perf.py)."""
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, fused=True)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(momentum, 0.999), fused=True)
    raise ValueError(f"unknown optimizer {kind!r}: use 'adam' or 'sgd'")


def step(optimizer: torch.optim.Optimizer, loss: torch.Tensor, nets: nn.Module) -> torch.Tensor:
    """One update of `optimizer`'s parameters; every gradient of `nets` is cleared first so no
    phase steps on gradients a previous phase left behind. Returns the loss detached, not as a
    float: reading it would make the host wait for the device at every step."""
    nets.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


@contextmanager
def frozen(*nets: nn.Module):
    """Gradients flow through these networks but are not computed for their weights."""
    params = [p for n in nets for p in n.parameters()]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
