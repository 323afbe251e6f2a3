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

from aae import priors
from aae.models.adversarial import step
from aae.models.base import DataInfo, Model
from aae.models.networks import make_optimizer, mlp
from aae.registry import register_model

PRIORS = ("gaussian", "mixture")


@dataclass(frozen=True)
class VAEConfig:
    hidden: tuple[int, ...] = (1000, 1000)  # the AAE's sizes
    z_dim: int = 8  # the AAE's MNIST code size
    prior: str = "gaussian"  # N(0, I), or "mixture" (2-D)
    lr: float = 1e-3  # Adam (u)
    batch_size: int = 100
    epochs: int = 10
    steps_per_epoch: int = 0
    precision: str = "fp32"  # "bf16": bfloat16 autocast, float32 weights; "auto": bf16 where native (aae/precision.py)
    # on a CPU without native bf16: float32 at 1.26x bf16's step time (two workers, results/perf.md),
    # so 9 of the 12 epochs (sized by time, not chosen on validation)
    fp32_budgets: ClassVar[dict] = {"cpu": {"epochs": 9}}
    choices: ClassVar[dict] = {"prior": PRIORS}
    dataset_recipes: ClassVar[dict] = {"tfd": ("z_dim=15",)}  # the AAE's TFD code size (docs/PAPER.md)

    def problems(self) -> list[str]:
        return ["the mixture prior is 2-D: set z_dim=2"] if self.prior == "mixture" and self.z_dim != 2 else []

    @classmethod
    def for_budget(cls, budget: str) -> "VAEConfig":
        return {
            "smoke": cls(epochs=2, steps_per_epoch=5),
            # as many epochs as the AAE's, bfloat16 autocast since the bf16 gate (issue 10): Table 1's
            # 5 seeds 301.80 ± 1.09 against fp32's 301.88 ± 2.00
            "cpu": cls(epochs=12, precision="auto"),  # about 2 min per run on one of two cores
            "paper": cls(epochs=1000),
        }[budget]


@register_model("vae", VAEConfig, title="VAE")
class VAE(Model):
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
