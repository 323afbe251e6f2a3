"""VAE (M2) of Kingma et al. 2014 ("Semi-supervised learning with deep generative models"), with
the AAE's layer sizes, so that Table 2 has a measured VAE row beside the AAE's.

Generative model p(x | y, z) p(y) p(z); inference q(z | x, y) (Gaussian) and q(y | x) (softmax).
  labelled (x, y):  L(x, y) = -E_q(z|x,y) log p(x|y,z) + KL(q(z|x,y) || N(0, I))
  unlabelled x:     U(x) = sum_y q(y|x) L(x, y) - H(q(y|x))
  loss = mean L + mean U + alpha * cross-entropy of q(y|x) on the labelled batch,
with alpha = alpha_scale * n_train / n_labelled (u: Kingma et al. use alpha = 0.1 N; this
per-example form is the common re-implementation's). The constant -log p(y) is left out.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aae.models import DataInfo, Model, make_optimizer, mlp, step
from aae.models.registry import register_model


@dataclass(frozen=True)
class M2Config:
    hidden: tuple[int, ...] = (1000, 1000)  # the AAE's sizes
    z_dim: int = 10
    alpha_scale: float = 0.1
    lr: float = 3e-4  # Adam (u)


@register_model("m2", M2Config, title="VAE (M2)")
class M2(Model):
    capabilities = frozenset({"classifies"})
    streams = ("unlabelled", "labelled")
    # once q(y|x) saturates on the labelled images (classification loss ~1e-4 by epoch 2) its
    # gradients underflow into subnormal floats: MNIST (100), trial 0, one thread, the second
    # epoch took 174 s against the first's 93; flushed, 80 and 81 s, the same validation error
    # after each epoch (19.23, 16.55%)
    flush_denormals = True

    def __init__(self, config: M2Config, info: DataInfo, device="cpu"):
        c, h, d, k = config, list(config.hidden), info.input_dim, info.n_classes
        self.config, self.n_classes = c, k
        self.alpha = c.alpha_scale * info.n_train / info.n_labelled
        self.nets = nn.ModuleDict({
            "classifier": mlp([d, *h, k]),  # q(y|x)
            "encoder": mlp([d + k, *h, 2 * c.z_dim]),  # q(z|x,y): mean and log-variance
            "decoder": mlp([c.z_dim + k, *h, d]),  # p(x|y,z): Bernoulli logits
        }).to(device)
        self.optimizers = {"all": make_optimizer("adam", self.nets.parameters(), c.lr)}

    def _neg_elbo(self, x: torch.Tensor, y_onehot: torch.Tensor) -> torch.Tensor:
        """L(x, y) per example, one reparameterised sample of z."""
        mean, log_var = self.nets["encoder"](torch.cat([x, y_onehot], 1)).chunk(2, dim=1)
        z = mean + (0.5 * log_var).exp() * torch.randn_like(mean)
        logits = self.nets["decoder"](torch.cat([z, y_onehot], 1))
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
        kl = 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var).sum(1)
        return recon + kl

    def _unlabelled(self, x: torch.Tensor) -> torch.Tensor:
        n, k = len(x), self.n_classes
        probs = self.nets["classifier"](x).softmax(1)
        every_y = torch.eye(k, device=x.device).repeat_interleave(n, 0)  # class-major: [y=0]*n, [y=1]*n, ...
        losses = self._neg_elbo(x.repeat(k, 1), every_y).view(k, n).t()  # (n, k)
        entropy = -(probs * probs.clamp_min(1e-12).log()).sum(1)
        return (probs * losses).sum(1) - entropy

    def update(self, batch):
        self.nets.train()
        x_lab, y_lab = batch["x_lab"], batch["y_lab"]
        labelled = self._neg_elbo(x_lab, F.one_hot(y_lab, self.n_classes).float()).mean()
        unlabelled = self._unlabelled(batch["x"]).mean()
        classification = F.cross_entropy(self.nets["classifier"](x_lab), y_lab)
        loss = labelled + unlabelled + self.alpha * classification
        step(self.optimizers["all"], loss, self.nets)
        return {"loss": loss.detach(), "labelled": labelled.detach(), "unlabelled": unlabelled.detach(),
                "classification": classification.detach()}

    @torch.no_grad()
    def predict_proba(self, x):
        self.nets.eval()
        return self.nets["classifier"](x).softmax(1)
