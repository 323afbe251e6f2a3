"""The regularization phase's two losses, shared by every AAE variant (section 2)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def noisy(x: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """A discriminator's input with Gaussian noise of this std added (none, and no random draw, at 0).
    Reported to stabilise training (docs/PAPER.md (u)): it blurs what tells prior samples from codes
    exactly (a one-hot vector from a softmax output close to one), so the discriminator cannot win
    the game outright and stop teaching the encoder. Training draws from the global RNG; a
    measurement passes its own (CPU) `generator`."""
    if not std:
        return x
    if generator is None:
        return x + std * torch.randn_like(x)
    return x + std * torch.randn(x.shape, generator=generator).to(x.device)


def discriminator_loss(d: nn.Module, prior: torch.Tensor, codes: torch.Tensor, noise: float = 0.0) -> torch.Tensor:
    """D learns to call prior samples real (1) and the encoder's codes fake (0); `noise`: the std
    of Gaussian noise on both of its inputs."""
    return real_fake_loss(d(noisy(prior, noise)), d(noisy(codes.detach(), noise)))


def real_fake_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The discriminator's cross-entropy on its logits: real (prior samples) as 1, fake (codes) as 0."""
    return F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + \
        F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))


def generator_loss(d: nn.Module, codes: torch.Tensor, noise: float = 0.0) -> torch.Tensor:
    """The encoder, as generator, wants its codes called real (the non-saturating GAN loss)."""
    fake = d(noisy(codes, noise))
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
