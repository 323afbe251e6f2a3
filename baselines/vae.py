"""VAE (Kingma & Welling 2014) with the AAE's encoder and decoder sizes: Table 1's VAE anchor
(290 ± 2 on MNIST in the Epitomic VAE paper) and Figure 2's comparison of latent spaces.

    loss = -E_q(z|x) log p(x|z) + KL(q(z|x) || p(z)),  one reparameterised sample of z.

p(z) is N(0, I) (closed-form KL) or the mixture of 10 2-D Gaussians of section 2.3; that one
has no closed-form KL, so it is estimated by log q(z|x) - log p(z) at the same sample, which is
what the paper's Figure 2 VAE must do too (it is the only prior a VAE needs a density for).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from aae.models import priors
from aae.models import DataInfo, Model, make_optimizer, mlp, step
from aae.models.registry import register_model

PRIORS = ("gaussian", "mixture")


@dataclass(frozen=True)
class VAEConfig:
    hidden: tuple[int, ...] = (1000, 1000)  # the AAE's sizes
    z_dim: int = 8  # the AAE's MNIST code size
    prior: str = "gaussian"  # N(0, I), or "mixture" (2-D)
    lr: float = 1e-3  # Adam (u)
    choices: ClassVar[dict] = {"prior": PRIORS}

    def problems(self) -> list[str]:
        return ["the mixture prior is 2-D: set z_dim=2"] if self.prior == "mixture" and self.z_dim != 2 else []


@register_model("vae", VAEConfig, title="VAE")
class VAE(Model):
    capabilities = frozenset({"samples", "encodes"})
    streams = ("unlabelled",)

    def __init__(self, config: VAEConfig, info: DataInfo, device="cpu"):
        c, h = config, list(config.hidden)
        self.config = c
        self.nets = nn.ModuleDict({
            "encoder": mlp([info.input_dim, *h, 2 * c.z_dim]),  # mean and log-variance
            "decoder": mlp([c.z_dim, *h, info.input_dim]),  # Bernoulli logits
        }).to(device)
        self.optimizers = {"all": make_optimizer("adam", self.nets.parameters(), c.lr)}

    def _posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.nets["encoder"](x).chunk(2, dim=1)
        return mean, log_var

    def _kl(self, z: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
        if self.config.prior == "gaussian":
            return 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var).sum(1)
        log_q = (-0.5 * ((z - mean) ** 2 / log_var.exp() + log_var + math.log(2 * math.pi))).sum(1)
        return log_q - priors.gaussian_mixture_2d_log_prob(z)

    def update(self, batch):
        self.nets.train()
        x = batch["x"]
        mean, log_var = self._posterior(x)
        z = mean + (0.5 * log_var).exp() * torch.randn_like(mean)
        recon = F.binary_cross_entropy_with_logits(self.nets["decoder"](z), x, reduction="none").sum(1).mean()
        kl = self._kl(z, mean, log_var).mean()
        loss = recon + kl
        step(self.optimizers["all"], loss, self.nets)
        return {"loss": loss.detach(), "reconstruction": recon.detach(), "kl": kl.detach()}

    def prior(self, n: int, device="cpu", generator=None) -> torch.Tensor:
        if self.config.prior == "gaussian":
            return priors.gaussian(n, self.config.z_dim, 1.0, device, generator)
        return priors.gaussian_mixture_2d(n, device=device, generator=generator)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """Decoder means at prior samples (the Parzen centres, as for every model of Table 1)."""
        self.nets.eval()
        return self.nets["decoder"](self.prior(n, self.device, generator)).sigmoid()

    @torch.no_grad()
    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """Posterior means of images, for the latent-space figures."""
        self.nets.eval()
        return self._posterior(x)[0]
