"""The adversarial autoencoder of section 2 (Figure 1), Table 1's model and Figures 2, 4 and 5's.

Encoder q(z|x) of three kinds:
  deterministic  z = f(x)
  gaussian       z ~ N(mu(x), sigma(x)^2), reparameterised
  universal      z = f(x, eta), eta ~ N(0, I) fed to the encoder beside x
a decoder p(x|z), and a discriminator telling prior samples from codes. Every minibatch runs:
  1. reconstruction (encoder + decoder);
  2. regularization: the discriminator, then the encoder as generator.
The prior is pluggable (Gaussian of any size and scale, mixture of 10 2-D Gaussians, Swiss
roll). With `label_conditioned` (section 2.3) the discriminator also sees a one-hot label with an
extra slot for "unlabelled": labelled codes are matched to their label's part of the prior,
unlabelled ones to the whole prior.
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

ENCODERS = ("deterministic", "gaussian", "universal")
PRIORS = ("gaussian", "mixture", "swissroll")


@dataclass(frozen=True)
class AAEConfig:
    hidden: tuple[int, ...] = (1000, 1000)  # encoder, decoder (u)
    disc_hidden: tuple[int, ...] = (1000, 1000)  # (u)
    z_dim: int = 8  # MNIST likelihood (u); TFD 15
    encoder: str = "deterministic"
    noise_dim: int = 100  # eta of the universal approximator encoder
    prior: str = "gaussian"
    prior_std: float = 5.0  # N(0, 5^2 I) for MNIST (u); TFD 10
    label_conditioned: bool = False
    init_std: float = 0.01  # (u)
    disc_noise: float = 0.0  # std of Gaussian noise on the discriminator's code inputs (u: "stabilises training")
    # the paper's recipe (u): SGD, reconstruction lr 0.01 momentum 0.9, regularization lr 0.1
    # momentum 0.1, with the reconstruction rate scaled to our per-pixel mean loss (0.01 is for a
    # per-image sum, 784x larger steps). MNIST, trial 0, two epochs of the paper budget: at 0.01
    # the reconstruction loss was 0.688 and 0.664 (every pixel about 0.5; the mean image's is
    # 0.263), at 1.0 0.295 and 0.214. The same was measured on the semi-supervised AAE over 20
    # epochs (its config). Not built: the rates' x0.1 at epochs 50 and 1000 (u).
    # "adam" (lr 1e-3 / 2e-4, beta1 0.5) is the smoke budget's and the 2-D figures'
    optimizer: str = "sgd"
    recon_lr: float = 1.0
    recon_momentum: float = 0.9
    adv_lr: float = 0.1
    adv_momentum: float = 0.1
    choices: ClassVar[dict] = {"encoder": ENCODERS, "prior": PRIORS, "optimizer": OPTIMIZERS}
    late_fields: ClassVar[tuple] = ("disc_noise",)  # counted only when set (aae/experiment/spec.py defining_fields)
    ours_fields: ClassVar[tuple] = ("disc_noise",)  # not the paper's: its settings line says "(ours)" (describe_config)

    def problems(self) -> list[str]:
        return [f"the {self.prior} prior is 2-D: set z_dim=2"] if self.prior != "gaussian" and self.z_dim != 2 else []


@register_model("aae", AAEConfig, title="Adversarial Autoencoder")
class AAE(Model):
    capabilities = frozenset({"samples", "reconstructs", "encodes", "decodes", "matches_priors"})
    def __init__(self, config: AAEConfig, info: DataInfo, device="cpu"):
        c, h = config, list(config.hidden)
        self.config, self.n_classes = c, info.n_classes
        self.streams = ("unlabelled", "labelled") if c.label_conditioned else ("unlabelled",)
        enc_in = info.input_dim + (c.noise_dim if c.encoder == "universal" else 0)
        enc_out = c.z_dim * (2 if c.encoder == "gaussian" else 1)
        label_slots = info.n_classes + 1 if c.label_conditioned else 0  # +1: "unlabelled"
        self.nets = nn.ModuleDict({
            "encoder": mlp([enc_in, *h, enc_out]),
            "decoder": nn.Sequential(mlp([c.z_dim, *h, info.input_dim]), nn.Sigmoid()),
            "discriminator": mlp([c.z_dim + label_slots, *c.disc_hidden, 1]),
        })
        init_normal_(self.nets, c.init_std)
        self.nets.to(device)
        n = self.nets
        self.optimizers = autoencoder_optimizers(c, n["encoder"], n["decoder"], n["discriminator"])

    def _code(self, x: torch.Tensor) -> torch.Tensor:
        """A code z ~ q(z|x) (the mean for a Gaussian encoder in eval mode)."""
        c = self.config
        if c.encoder == "universal":
            x = torch.cat([x, torch.randn(len(x), c.noise_dim, device=x.device)], 1)
        out = self.nets["encoder"](x)
        if c.encoder != "gaussian":
            return out
        mean, log_var = out.chunk(2, dim=1)
        if not self.nets.training:
            return mean
        return mean + (0.5 * log_var).exp() * torch.randn_like(mean)

    def prior(self, n: int, labels: torch.Tensor | None = None, device="cpu", generator=None) -> torch.Tensor:
        c = self.config
        if c.prior == "gaussian":
            return priors.gaussian(n, c.z_dim, c.prior_std, device, generator)
        sampler = priors.gaussian_mixture_2d if c.prior == "mixture" else priors.swiss_roll
        return sampler(n, labels, device=device, generator=generator)

    def _with_labels(self, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        """z beside a one-hot label, the last slot meaning "unlabelled" (y is None)."""
        if not self.config.label_conditioned:
            return z
        slot = torch.full((len(z),), self.n_classes, device=z.device) if y is None else y
        return torch.cat([z, F.one_hot(slot, self.n_classes + 1).float()], 1)

    def update(self, batch):
        self.nets.train()
        x = batch["x"]
        recon = step(self.optimizers["reconstruction"],
                     F.binary_cross_entropy(self.nets["decoder"](self._code(x)), x), self.nets)
        noise = self.config.disc_noise  # on the codes, not on the label slots beside them
        codes = [self._with_labels(noisy(self._code(x), noise), None)]
        prior = [self._with_labels(noisy(self.prior(len(x), device=x.device), noise), None)]
        if self.config.label_conditioned:
            y = batch["y_lab"]
            codes.append(self._with_labels(noisy(self._code(batch["x_lab"]), noise), y))
            prior.append(self._with_labels(noisy(self.prior(len(y), labels=y, device=x.device), noise), y))
        codes, prior = torch.cat(codes), torch.cat(prior)
        d = self.nets["discriminator"]
        d_loss = step(self.optimizers["discriminator"], discriminator_loss(d, prior, codes), self.nets)
        with frozen(d):  # the encoder has not moved since `codes`: they serve the generator step too
            g_loss = step(self.optimizers["generator"], generator_loss(d, codes), self.nets)
        return {"loss": recon, "reconstruction": recon, "discriminator": d_loss, "generator": g_loss}

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images (pixel means) decoded from codes z."""
        self.nets.eval()
        return self.nets["decoder"](z.to(self.device))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n images decoded from prior samples (Table 1's Parzen centres)."""
        return self.decode(self.prior(n, generator=generator))

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Images decoded from their own codes (the reconstruction ceiling of Table 1)."""
        return self.decode(self.codes(x))

    @torch.no_grad()
    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """Codes of images, for the latent-space figures."""
        self.nets.eval()
        return self._code(x)

    @torch.no_grad()
    def matched_codes(self, x: torch.Tensor) -> list[MatchedCode]:
        """z against its prior, judged as an unlabelled code (aae/eval/matching.py)."""
        d, noise = self.nets["discriminator"], self.config.disc_noise
        return [MatchedCode("z", self.codes(x), lambda n, g: self.prior(n, device=self.device, generator=g),
                            lambda z, g: d(self._with_labels(noisy(z, noise, g), None)))]
