"""The regularization phase's two losses, shared by every AAE variant (section 2)."""
from __future__ import annotations

from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn


def discriminator_loss(d: nn.Module, prior: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """D learns to call prior samples real (1) and the encoder's codes fake (0)."""
    real, fake = d(prior), d(codes.detach())
    return F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + \
        F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))


def generator_loss(d: nn.Module, codes: torch.Tensor) -> torch.Tensor:
    """The encoder, as generator, wants its codes called real (the non-saturating GAN loss)."""
    fake = d(codes)
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


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
