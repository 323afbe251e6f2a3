"""Sample-quality metrics on the feature network's features (aae/eval/features.py), computed by
well-kept libraries: FID and KID by torchmetrics (handed our features through an identity
"extractor"), precision, recall, density and coverage by prdc (Kynkaenniemi et al. 2019;
Naeem et al. 2020). The reference set is the test images, as Table 1's Parzen column reads them.

The features are divided by one constant per dataset, the root mean square of the test images'
features: KID's cubic kernel (x.y / d + 1)^3 assumes features of about unit size (Inception's
are); on raw ReLU features of this network its estimate was dominated by their scale (a KID of
the training images against the test images of 2.0 +- 7.4). FID scales with the square of the
constant, precision and recall not at all.

Keys, for N samples: "fid@N"; "kid@N" (KID x 10^3, the mean over 100 subsets of 1,000) and
"kid@N_sd"; "prdc@N_precision", "_recall", "_density", "_coverage" (5 nearest neighbours).
"""
from __future__ import annotations

import contextlib
import io
import warnings

import torch
from torch import nn

from aae.eval.features import feature_network, features_of
from aae.eval.sampling import sample_blocks
from aae.seeds import derive_seed

NEAREST_K = 5  # prdc's k: Naeem et al.'s default
KID_SUBSETS, KID_SUBSET_SIZE = 100, 1000


class _Given(nn.Module):
    """An identity "feature extractor": torchmetrics receives features we computed already."""

    def __init__(self, n: int):
        super().__init__()
        self.num_features = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def fid(real: torch.Tensor, fake: torch.Tensor) -> float:
    from torchmetrics.image.fid import FrechetInceptionDistance  # here: its import costs every command a second

    metric = FrechetInceptionDistance(feature=_Given(real.shape[1]), normalize=True)
    metric.update(real.double(), real=True)
    metric.update(fake.double(), real=False)
    return float(metric.compute())


def kid(real: torch.Tensor, fake: torch.Tensor, seed: int) -> tuple[float, float]:
    """KID's mean and sd over subsets, x 10^3; the subsets are drawn from `seed`, not from the
    caller's RNG (a later evaluation equals one made at the end of training)."""
    from torchmetrics.image.kid import KernelInceptionDistance

    size = min(KID_SUBSET_SIZE, len(real), len(fake))
    with warnings.catch_warnings():  # "will save all extracted features": 2 x 10K x 128, by design
        warnings.simplefilter("ignore", UserWarning)
        metric = KernelInceptionDistance(feature=_Given(real.shape[1]), subsets=KID_SUBSETS, subset_size=size,
                                         normalize=True)
    metric.update(real.double(), real=True)
    metric.update(fake.double(), real=False)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        mean, sd = metric.compute()
    return 1e3 * float(mean), 1e3 * float(sd)


def prdc(real: torch.Tensor, fake: torch.Tensor) -> dict[str, float]:
    from prdc import compute_prdc

    with contextlib.redirect_stdout(io.StringIO()):  # it prints the two set sizes
        out = compute_prdc(real_features=real.float().numpy(), fake_features=fake.float().numpy(), nearest_k=NEAREST_K)
    return {k: float(v) for k, v in out.items()}


_REFERENCE: dict = {}  # (dataset fingerprint, cache folder) -> (network, scaled test features, scale)


def reference(ctx) -> tuple:
    """The feature network, the test images' scaled features and the scale, once per process."""
    key = (ctx.data.fingerprint(), str(ctx.cache))
    if key not in _REFERENCE:
        net, _ = feature_network(ctx.data, ctx.cache, ctx.device)
        real = features_of(net, ctx.data.floats("test", ctx.device))
        scale = float(real.square().mean().sqrt())
        _REFERENCE[key] = (net, real / scale, scale)
    return _REFERENCE[key]


def scaled_features(images: torch.Tensor, ctx) -> torch.Tensor:
    """A set of images (model samples, or a sanity row's centres) as the metrics read it: the
    feature network's features, divided by the test features' scale."""
    net, _, scale = reference(ctx)
    return features_of(net, images) / scale


# each metric's keys, after "<kind>@<N>"
KEY_SUFFIXES = {"fid": ("",), "kid": ("", "_sd"), "prdc": ("_precision", "_recall", "_density", "_coverage")}


def quality_keys(kind: str, n: int) -> tuple[str, ...]:
    return tuple(f"{kind}@{n}{suffix}" for suffix in KEY_SUFFIXES[kind])


def quality_of_features(kind: str, fake: torch.Tensor, ctx) -> dict[str, float]:
    """One of the metrics ("fid", "kid", "prdc") of a set's scaled features against the test
    images'; its keys are `quality_keys(kind, len(fake))`."""
    _, real, _ = reference(ctx)
    if kind == "fid":
        values = (fid(real, fake),)
    elif kind == "kid":
        values = kid(real, fake, derive_seed(ctx.seed, "kid subsets"))
    elif kind == "prdc":
        out = prdc(real, fake)
        values = tuple(out[suffix.lstrip("_")] for suffix in KEY_SUFFIXES["prdc"])
    else:
        raise ValueError(f"unknown sample-quality metric {kind!r}")
    return dict(zip(quality_keys(kind, len(fake)), values))


def model_features(model, ctx, n: int) -> torch.Tensor:
    """The scaled features of n samples of the model: the same samples for every metric and every
    later evaluation (drawn from the run's seed), drawn and featured once per scoring (ctx.memo)."""
    key = ("quality features", n)
    if key not in ctx.memo:
        generator = torch.Generator().manual_seed(derive_seed(ctx.seed, "quality samples"))
        samples = torch.cat([block.cpu() for block in sample_blocks(model, n, generator)])
        ctx.memo[key] = scaled_features(samples, ctx)
    return ctx.memo[key]
