"""The supervised AAE of section 4 (Figure 6): the decoder gets the one-hot label and z, so z
is free to carry only the style; z is imposed a Gaussian by a discriminator.
Phases per minibatch: reconstruction (encoder + decoder), then regularization (discriminator,
then the encoder as generator). Used for Figure 7: one style per row, digits 0-9 across.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from aae.models import priors
from aae.models.adversarial import discriminator_loss, generator_loss, noisy
from aae.models.base import DataInfo, MatchedCode, Model
from aae.models.networks import OPTIMIZERS, autoencoder_optimizers, frozen, init_normal_, mlp, step
from aae.models.registry import register_model


@dataclass(frozen=True)
class SupervisedAAEConfig:
    hidden: tuple[int, ...] = (1000, 1000)  # (u)
    disc_hidden: tuple[int, ...] = (1000, 1000)  # (u)
    z_dim: int = 15  # Figure 7a: a 15-D Gaussian
    prior_std: float = 1.0
    init_std: float = 0.01  # (u)
    disc_noise: float = 0.0  # std of Gaussian noise on the discriminator's inputs (u: "stabilises training")
    optimizer: str = "adam"  # cpu recipe; "sgd" with the lrs below is the paper's (u)
    recon_lr: float = 1e-3
    recon_momentum: float = 0.9
    adv_lr: float = 2e-4
    adv_momentum: float = 0.5
    choices: ClassVar[dict] = {"optimizer": OPTIMIZERS}
    late_fields: ClassVar[tuple] = ("disc_noise",)  # counted only when set (aae/experiment/spec.py defining_fields)
    ours_fields: ClassVar[tuple] = ("disc_noise",)  # not the paper's: its settings line says "(ours)" (describe_config)


@register_model("supervised_aae", SupervisedAAEConfig, title="Supervised AAE")
class SupervisedAAE(Model):
    capabilities = frozenset({"decodes", "matches_priors"})
    streams = ("labelled",)

    def __init__(self, config: SupervisedAAEConfig, info: DataInfo, device="cpu"):
        c, h = config, list(config.hidden)
        self.config, self.n_classes = c, info.n_classes
        self.nets = nn.ModuleDict({
            "encoder": mlp([info.input_dim, *h, c.z_dim]),
            "decoder": nn.Sequential(mlp([info.n_classes + c.z_dim, *h, info.input_dim]), nn.Sigmoid()),
            "d_z": mlp([c.z_dim, *c.disc_hidden, 1]),
        })
        init_normal_(self.nets, c.init_std)
        self.nets.to(device)
        n = self.nets
        self.optimizers = autoencoder_optimizers(c, n["encoder"], n["decoder"], n["d_z"])

    def decode(self, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Images from class indices y and styles z."""
        return self.nets["decoder"](torch.cat([F.one_hot(y, self.n_classes).float(), z], 1))

    def update(self, batch):
        self.nets.train()
        x, y = batch["x_lab"], batch["y_lab"]
        recon = step(self.optimizers["reconstruction"],
                     F.binary_cross_entropy(self.decode(y, self.nets["encoder"](x)), x), self.nets)
        z = self.nets["encoder"](x)
        prior = priors.gaussian(len(x), self.config.z_dim, self.config.prior_std, x.device)
        d, noise = self.nets["d_z"], self.config.disc_noise
        d_loss = step(self.optimizers["discriminator"], discriminator_loss(d, prior, z, noise), self.nets)
        with frozen(d):
            g_loss = step(self.optimizers["generator"], generator_loss(d, z, noise), self.nets)
        return {"loss": recon, "reconstruction": recon, "discriminator": d_loss, "generator": g_loss}

    @torch.no_grad()
    def matched_codes(self, x: torch.Tensor) -> list[MatchedCode]:
        """The style z against its Gaussian prior (aae/eval/matching.py)."""
        self.nets.eval()
        c, d = self.config, self.nets["d_z"]
        return [MatchedCode("z", self.nets["encoder"](x), lambda n, g: priors.gaussian(n, c.z_dim, c.prior_std, self.device, g),
                            lambda z, g: d(noisy(z, c.disc_noise, g)))]

    @torch.no_grad()
    def style_grid(self, n_styles: int, generator: torch.Generator) -> torch.Tensor:
        """(n_styles * n_classes, input_dim): row r = one style z drawn from the prior, decoded as
        every class in turn (Figure 7)."""
        self.nets.eval()
        z = self.config.prior_std * torch.randn(n_styles, self.config.z_dim, generator=generator)
        z = z.to(self.device).repeat_interleave(self.n_classes, 0)
        y = torch.arange(self.n_classes, device=z.device).repeat(n_styles)
        return self.decode(y, z)
