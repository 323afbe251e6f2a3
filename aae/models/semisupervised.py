"""The semi-supervised AAE of section 5 (Figure 8), Table 2's "Adversarial Autoencoders" row.

Encoder q(y, z | x): a shared trunk with a softmax head y (one per class) and a linear style
head z. Decoder p(x | y, z). Two discriminators: one imposes a categorical distribution on y
(its real samples are one-hot vectors), one a Gaussian on z.
The same model serves section 6 (clustering: `n_clusters` categories, no labelled phase) and
section 7 (dimensionality reduction: with `cluster_heads` the decoder reads the n-D
representation W_c·y + z, z_dim = n, and every pair of cluster heads closer than `head_eta`
is penalised).
Every minibatch runs three phases, in this order:
  1. reconstruction on unlabelled images (encoder + decoder);
  2. regularization: both discriminators, then the encoder as generator against both;
  3. semi-supervised classification: cross-entropy of q(y|x) on a labelled minibatch.
Settings marked (u) come from re-implementations, not the paper's text. SVHN's changes (u):
batch norm in the encoder and decoder, a 20-D style, inputs standardised per dimension (the
decoder then outputs standardised pixels under a squared error instead of sigmoid + BCE);
benchmarks/recipes.py applies them on SVHN (DATASET_CHANGES).
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
from aae.models.networks import OPTIMIZERS, Standardize, frozen, init_normal_, make_optimizer, mlp, params_of, step
from aae.models.registry import register_model


def head_penalty(heads: torch.Tensor, eta: float) -> torch.Tensor:
    """Section 7: sum over pairs of cluster heads (rows of `heads`) of eta - distance where the
    distance is below eta; zero, with zero gradient, at eta and beyond."""
    return F.relu(eta - torch.pdist(heads)).sum()


# the most categories y may have: each cluster is labelled by one validation image, and a K-wide head and
# discriminator input are allocated before the first step (a typo such as 10**9 is refused, not allocated)
MAX_CLUSTERS = 1000


@dataclass(frozen=True)
class SemiSupervisedAAEConfig:
    hidden: tuple[int, ...] = (1000, 1000)  # encoder and decoder (u)
    disc_hidden: tuple[int, ...] = (1000, 1000)  # both discriminators (u)
    z_dim: int = 10  # style (u)
    input_noise: float = 0.3  # std of Gaussian noise on the encoder's input while training (u)
    input_dropout: float = 0.0  # dropout on the encoder's input while training (clustering: 0.2, u)
    n_clusters: int = 0  # 0: y has one category per class, learned with the labels; K: K clusters, no labels
    encoder_batch_norm: bool = False  # batch norm in the encoder only (clustering, u)
    style_std: float = 1.0  # std of the Gaussian prior on the style z
    cluster_heads: bool = False  # section 7: the decoder reads W_c·y + z instead of [y, z]
    head_eta: float = 1.0  # section 7: heads closer than this are pushed apart (ours: the paper gives none)
    init_std: float = 0.01  # weights ~ N(0, init_std^2) (u)
    disc_noise: float = 0.0  # std of Gaussian noise on both discriminators' inputs (u: "stabilises training")
    batch_norm: bool = False  # in the encoder and decoder (SVHN, u)
    standardize: bool = False  # per-dimension standardised inputs and targets (SVHN, u)
    # "adam" is the cpu recipe (it shows the method within minutes, see docs/PAPER.md's calibration);
    # "sgd" is the paper's: reconstruction and classification lr 0.01 momentum 0.9 (the
    # reconstruction's for a per-image sum: see the paper budget), regularization lr 0.1 momentum 0.1 (u).
    optimizer: str = "adam"
    recon_lr: float = 1e-3
    recon_momentum: float = 0.9
    adv_lr: float = 2e-4
    adv_momentum: float = 0.5
    cls_lr: float = 1e-3
    cls_momentum: float = 0.9
    choices: ClassVar[dict] = {"optimizer": OPTIMIZERS}
    late_fields: ClassVar[tuple] = ("disc_noise",)  # counted only when set (aae/experiment/spec.py defining_fields)
    ours_fields: ClassVar[tuple] = ("disc_noise",)  # not the paper's: its settings line says "(ours)" (describe_config)

    def problems(self) -> list[str]:
        if self.n_clusters > MAX_CLUSTERS:
            return [f"n_clusters={self.n_clusters}: at most {MAX_CLUSTERS} (each cluster is labelled by a validation image)"]
        return ["n_clusters=1: a clustering needs at least 2 clusters (0 = one per class, with labels)"] \
            if self.n_clusters == 1 else []


@register_model("ssaae", SemiSupervisedAAEConfig, title="Adversarial Autoencoders")
class SemiSupervisedAAE(Model):
    capabilities = frozenset({"classifies", "reconstructs", "encodes", "matches_priors", "has_cluster_heads"})

    def __init__(self, config: SemiSupervisedAAEConfig, info: DataInfo, device="cpu"):
        c, h, input_dim = config, list(config.hidden), info.input_dim
        n_classes = c.n_clusters or info.n_classes  # categories of y: clusters (section 6) or classes (5)
        self.config, self.n_classes = c, n_classes
        self.streams = ("unlabelled",) if c.n_clusters else ("unlabelled", "labelled")
        # standardising: (x - mean) / std, with a floor on std so constant pixels stay finite
        inputs = Standardize(info.pixel_mean, info.pixel_std.clamp_min(0.05)) if c.standardize else nn.Identity()
        bn = c.batch_norm
        self.nets = nn.ModuleDict({
            "inputs": inputs,
            "trunk": nn.Sequential(mlp([input_dim, *h], batch_norm=bn or c.encoder_batch_norm),
                                   *([nn.BatchNorm1d(h[-1])] if bn or c.encoder_batch_norm else []), nn.ReLU()),
            "y_head": nn.Linear(h[-1], n_classes),
            "z_head": nn.Linear(h[-1], c.z_dim),
            # section 7's cluster heads: the columns of W_c, one n-D point per category
            "heads": nn.Linear(n_classes, c.z_dim, bias=False) if c.cluster_heads else nn.Identity(),
            "decoder": nn.Sequential(mlp([(0 if c.cluster_heads else n_classes) + c.z_dim, *h, input_dim],
                                         batch_norm=bn),
                                     nn.Identity() if c.standardize else nn.Sigmoid()),
            "d_y": mlp([n_classes, *c.disc_hidden, 1]),
            "d_z": mlp([c.z_dim, *c.disc_hidden, 1]),
        })
        init_normal_(self.nets, c.init_std)
        if c.cluster_heads:
            # heads start at the scale of their spacing: from N(0, 0.01^2) the penalty, whose gradient
            # has a fixed size, would take thousands of Adam steps to spread them (measured: the
            # closest pair 0.09 apart after 400 steps of 1e-3, eta 1)
            nn.init.normal_(self.nets["heads"].weight, 0.0, c.head_eta)
        self.nets.to(device)
        n = self.nets
        encoder = params_of(n["trunk"], n["y_head"], n["z_head"])
        self.optimizers = {
            "reconstruction": make_optimizer(c.optimizer, encoder + params_of(n["heads"], n["decoder"]), c.recon_lr,
                                             c.recon_momentum),
            "discriminators": make_optimizer(c.optimizer, params_of(n["d_y"], n["d_z"]), c.adv_lr, c.adv_momentum),
            "generator": make_optimizer(c.optimizer, encoder, c.adv_lr, c.adv_momentum),
            "classifier": make_optimizer(c.optimizer, params_of(n["trunk"], n["y_head"]), c.cls_lr, c.cls_momentum),
        }

    def encode(self, x: torch.Tensor, noisy: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits of q(y|x), style z) of images in [0, 1]."""
        x = self.nets["inputs"](x)
        if noisy and self.config.input_noise:
            x = x + self.config.input_noise * torch.randn_like(x)
        if noisy and self.config.input_dropout:
            x = F.dropout(x, self.config.input_dropout, training=True)
        h = self.nets["trunk"](x)
        return self.nets["y_head"](h), self.nets["z_head"](h)

    def representation(self, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """What the decoder reads: [y, z], or section 7's W_c·y + z."""
        return self.nets["heads"](y) + z if self.config.cluster_heads else torch.cat([y, z], 1)

    def reconstruction_phase(self, x: torch.Tensor) -> float:
        logits, z = self.encode(x, noisy=True)
        x_hat = self.nets["decoder"](self.representation(logits.softmax(1), z))
        # the mean over pixels, not the per-image sum: see the paper budget in benchmarks/recipes.py
        if self.config.standardize:
            loss = F.mse_loss(x_hat, self.nets["inputs"](x))
        else:
            loss = F.binary_cross_entropy(x_hat, x)
        if self.config.cluster_heads:
            loss = loss + head_penalty(self.nets["heads"].weight.T, self.config.head_eta)
        return step(self.optimizers["reconstruction"], loss, self.nets)

    def regularization_phase(self, x: torch.Tensor) -> tuple[float, float]:
        logits, z = self.encode(x, noisy=True)
        y = logits.softmax(1)
        n = len(x)
        c = self.config
        d_loss = discriminator_loss(self.nets["d_y"], priors.categorical(n, self.n_classes, x.device), y, c.disc_noise) + \
            discriminator_loss(self.nets["d_z"], priors.gaussian(n, c.z_dim, c.style_std, x.device), z, c.disc_noise)
        d_loss = step(self.optimizers["discriminators"], d_loss, self.nets)
        # The discriminator step left the encoder unchanged, so the same codes serve the generator
        # step (scored by the updated discriminators); frozen discriminators skip their weight grads.
        with frozen(self.nets["d_y"], self.nets["d_z"]):
            g_loss = generator_loss(self.nets["d_y"], y, c.disc_noise) + generator_loss(self.nets["d_z"], z, c.disc_noise)
            g_loss = step(self.optimizers["generator"], g_loss, self.nets)
        return d_loss, g_loss

    def classification_phase(self, x_lab: torch.Tensor, y_lab: torch.Tensor) -> float:
        logits, _ = self.encode(x_lab, noisy=True)
        return step(self.optimizers["classifier"], F.cross_entropy(logits, y_lab), self.nets)

    def update(self, batch):
        self.nets.train()
        recon = self.reconstruction_phase(batch["x"])
        d_loss, g_loss = self.regularization_phase(batch["x"])
        losses = {"loss": recon, "reconstruction": recon, "discriminator": d_loss, "generator": g_loss}
        if not self.config.n_clusters:  # section 6 (clustering) has no labelled phase
            losses["classification"] = self.classification_phase(batch["x_lab"], batch["y_lab"])
        return losses

    @torch.no_grad()
    def category_heads(self) -> torch.Tensor:
        """The image each category of y decodes to with the style at the prior's mean (z = 0):
        Figure 9's cluster heads."""
        self.nets.eval()
        y = torch.eye(self.n_classes, device=self.device)
        return self.nets["decoder"](self.representation(y, torch.zeros(len(y), self.config.z_dim, device=self.device)))

    @torch.no_grad()
    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """The representation of images (section 7's W_c·y + z with cluster heads; else [y, z])."""
        self.nets.eval()
        logits, z = self.encode(x, noisy=False)
        return self.representation(logits.softmax(1), z)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Images decoded from their own codes, as pixels in [0, 1] (a run's final TensorBoard grid)."""
        self.nets.eval()
        x_hat = self.nets["decoder"](self.codes(x))
        inputs = self.nets["inputs"]
        return x_hat * inputs.std + inputs.mean if self.config.standardize else x_hat

    @torch.no_grad()
    def matched_codes(self, x: torch.Tensor) -> list[MatchedCode]:
        """q(y|x) against the categorical prior and the style z against N(0, style_std^2), each
        with its own discriminator (aae/eval/matching.py)."""
        self.nets.eval()
        logits, z = self.encode(x, noisy=False)
        c, k, device, d_y, d_z = self.config, self.n_classes, self.device, self.nets["d_y"], self.nets["d_z"]
        return [MatchedCode("y", logits.softmax(1), lambda n, g: priors.categorical(n, k, device, g),
                            lambda y, g: d_y(noisy(y, c.disc_noise, g)), categorical=True),
                MatchedCode("z", z, lambda n, g: priors.gaussian(n, c.z_dim, c.style_std, device, g),
                            lambda z, g: d_z(noisy(z, c.disc_noise, g)))]

    @torch.no_grad()
    def head_distances(self) -> torch.Tensor:
        """Distances between every pair of cluster heads (section 7)."""
        return torch.pdist(self.nets["heads"].weight.T.float())

    @torch.no_grad()
    def predict_proba(self, x):
        self.nets.eval()
        return self.encode(x, noisy=False)[0].softmax(1)


@dataclass(frozen=True)
class ClusteringAAEConfig(SemiSupervisedAAEConfig):
    """Section 6: the semi-supervised AAE without labels; y has n_clusters categories. The paper
    budget is docs/PAPER.md's (u): 3000 hidden units, 5-D style, input dropout 0.2, batch norm in the
    encoder, SGD (reconstruction lr 0.01 momentum 0.9 for a per-image sum, here 1.0 for our per-pixel
    mean, as the semi-supervised AAE's paper budget; adversarial lr 0.1 momentum 0.1). The cpu
    budget keeps the layer recipe at the semi-supervised sizes (2 x 1000) and trains with Adam,
    1e-3 for both phases (untuned: the adversarial phase is what makes the clusters)."""

    hidden: tuple[int, ...] = (3000, 3000)
    z_dim: int = 5
    input_noise: float = 0.0
    input_dropout: float = 0.2
    n_clusters: int = 16
    encoder_batch_norm: bool = True
    optimizer: str = "sgd"
    # MNIST, trial 0, 2 x 150 steps of the paper budget: reconstruction loss 0.692, 0.688 at lr 0.01
    # (every pixel about 0.5), 0.337, 0.247 at 1.0
    recon_lr: float = 1.0
    recon_momentum: float = 0.9
    adv_lr: float = 0.1
    adv_momentum: float = 0.1

    def problems(self) -> list[str]:
        return ["n_clusters must be at least 2 (with n_clusters=0 the model is the semi-supervised ssaae)"] \
            if self.n_clusters < 2 else super().problems()


register_model("clustering_aae", ClusteringAAEConfig, title="Adversarial Autoencoder (clustering)")(SemiSupervisedAAE)


@dataclass(frozen=True)
class DimReductionAAEConfig(SemiSupervisedAAEConfig):
    """Section 7: the n-D representation W_c·y + z (n = z_dim: 2, or 10 for the paper's 10-D
    setting), K = one category per class with labels, or n_clusters without. The paper gives
    neither eta nor the style prior's scale; ours: style N(0, 0.25^2 I) and eta = 1, so two
    neighbouring heads' style clouds touch at about two standard deviations; the heads start
    from N(0, eta^2 I). Other settings are the semi-supervised AAE's, budget by budget. Its cpu
    budget's adversarial rate, 2e-4, was chosen on MNIST validation images over 1e-3 (trial 0, 3
    epochs, 2-D: validation error 6.69% vs 7.90% with 1000 labels, 21.4% vs 26.3% with 100), though
    at 2e-4 the style stays wider than its prior on synthetic data (std 3.5-4.3 vs 0.25 after 400
    steps; 0.14-0.18 at 1e-3). On MNIST too the 2-D style was 30-140x its prior at 2e-4, so section
    7's 2-D row trains at 1e-3 with noise of std 0.3 on the discriminators' inputs (ours;
    benchmarks/dimreduction.py TWO_D_MATCH): style 0.89-0.98x its prior, validation error within
    the seeds' noise of the rate alone."""

    z_dim: int = 2
    cluster_heads: bool = True
    style_std: float = 0.25
    head_eta: float = 1.0
    # the paper gives neither the style's prior scale nor eta, and has no discriminator noise
    ours_fields: ClassVar[tuple] = ("disc_noise", "style_std", "head_eta")

    def problems(self) -> list[str]:
        return super().problems() + ([] if self.cluster_heads else
                                     ["cluster_heads=false: section 7's model is defined by its cluster heads"])


register_model("dimred_aae", DimReductionAAEConfig, title="Adversarial Autoencoder (dimensionality reduction)")(
    SemiSupervisedAAE)
