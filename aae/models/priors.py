"""Priors p(z) the adversarial regularization imposes, as samplers.

During training they draw from the global torch RNG, which the training loop seeds per run and
saves in every checkpoint, so prior samples are reproduced exactly on resume; evaluation passes
its own `generator`. Draws happen on the CPU (the same numbers on every device) and move to `device`.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def gaussian(n: int, dim: int, std: float = 1.0, device="cpu", generator: torch.Generator | None = None) -> torch.Tensor:
    return std * torch.randn(n, dim, generator=generator).to(device)


def uniform(n: int, dim: int, device="cpu", generator: torch.Generator | None = None) -> torch.Tensor:
    """U(-1, 1)^dim: the noise the GAN's and GMMN's generators start from."""
    return (torch.rand(n, dim, generator=generator) * 2 - 1).to(device)


def swiss_roll_point(u: torch.Tensor) -> torch.Tensor:
    """The Swiss roll at positions u in [0, 1]: r = 3 sqrt(u), theta = 4 pi sqrt(u) (section 2.3, u)."""
    r, theta = 3 * u.sqrt(), 4 * torch.pi * u.sqrt()
    return torch.stack([r * theta.cos(), r * theta.sin()], 1)


def categorical(n: int, n_classes: int, device="cpu", generator: torch.Generator | None = None) -> torch.Tensor:
    """One-hot vectors of uniformly drawn classes: the prior of the AAE's label head."""
    return F.one_hot(torch.randint(n_classes, (n,), generator=generator), n_classes).float().to(device)


def _components(n: int, labels: torch.Tensor | None, n_components: int, device, generator=None) -> torch.Tensor:
    if labels is None:
        return torch.randint(n_components, (n,), generator=generator).to(device)
    return labels.to(device)


def gaussian_mixture_2d(n: int, labels: torch.Tensor | None = None, n_components: int = 10,
                        device="cpu", generator: torch.Generator | None = None) -> torch.Tensor:
    """Section 2.3's mixture of 10 2-D Gaussians (u): component k draws (N(0, 0.5^2), N(0, 0.05^2)),
    rotates it by 2 pi k / 10 and shifts it by 1.4 (cos, sin) of that angle. `labels` pick the
    component of each point (the label-conditioned prior); otherwise components are uniform."""
    k = _components(n, labels, n_components, device, generator)
    angle = 2 * torch.pi * k.float() / n_components
    local = torch.randn(len(k), 2, generator=generator).to(device) * torch.tensor([0.5, 0.05], device=device)
    cos, sin = angle.cos(), angle.sin()
    rotated = torch.stack([local[:, 0] * cos - local[:, 1] * sin, local[:, 0] * sin + local[:, 1] * cos], 1)
    return rotated + 1.4 * torch.stack([cos, sin], 1)


def swiss_roll(n: int, labels: torch.Tensor | None = None, n_components: int = 10, device="cpu",
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Section 2.3's Swiss roll (u): u = (U(0, 1) + k) / 10, r = 3 sqrt(u), theta = 4 pi sqrt(u),
    point r (cos theta, sin theta); label k owns the k-th tenth of the roll."""
    k = _components(n, labels, n_components, device, generator)
    u = (torch.rand(len(k), generator=generator).to(device) + k.float()) / n_components
    return swiss_roll_point(u)


def _mixture_component_log_probs(z: torch.Tensor, n_components: int = 10) -> torch.Tensor:
    """log p(z | component k) of `gaussian_mixture_2d`, shape (n, K)."""
    k = torch.arange(n_components, device=z.device, dtype=z.dtype)
    angle = 2 * torch.pi * k / n_components
    cos, sin = angle.cos(), angle.sin()
    centred = z[:, None, :] - 1.4 * torch.stack([cos, sin], 1)  # (n, K, 2)
    # rotate back by -angle: the component's own axes, where it is N(0, diag(0.5^2, 0.05^2))
    u = centred[..., 0] * cos + centred[..., 1] * sin
    v = -centred[..., 0] * sin + centred[..., 1] * cos
    scale = torch.tensor([0.5, 0.05], device=z.device, dtype=z.dtype)
    return -0.5 * ((u / scale[0]) ** 2 + (v / scale[1]) ** 2) - scale.log().sum() - math.log(2 * math.pi)


def gaussian_mixture_2d_log_prob(z: torch.Tensor, n_components: int = 10) -> torch.Tensor:
    """log p(z) of `gaussian_mixture_2d` with uniform components: what a VAE with that prior
    needs for its Monte Carlo KL term (Figure 2)."""
    return torch.logsumexp(_mixture_component_log_probs(z, n_components), dim=1) - math.log(n_components)


def mixture_part(z: torch.Tensor, n_components: int = 10) -> torch.Tensor:
    """The component of `gaussian_mixture_2d` most likely to have drawn each point: the label
    whose part of the label-conditioned prior it lies in (Figure 4's claim, as a number)."""
    return _mixture_component_log_probs(z, n_components).argmax(dim=1)


def swiss_roll_part(z: torch.Tensor, n_components: int = 10, resolution: int = 4000) -> torch.Tensor:
    """The label owning the nearest point of the Swiss roll (label k owns u in [k/10, (k+1)/10)),
    found on `resolution` points spread evenly in u."""
    u = (torch.arange(resolution, dtype=z.dtype) + 0.5) / resolution
    nearest = torch.cdist(z, swiss_roll_point(u).to(z.device)).argmin(dim=1).cpu()
    return (u[nearest] * n_components).long().clamp(max=n_components - 1)
