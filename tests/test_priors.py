"""Priors produce the documented shapes."""
import math

import pytest
import torch

from aae.models import priors


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def test_gaussian_and_categorical():
    z = priors.gaussian(20_000, 8, std=5.0)
    assert z.shape == (20_000, 8) and abs(z.std().item() - 5.0) < 0.1 and abs(z.mean().item()) < 0.1
    y = priors.categorical(10_000, 10)
    assert y.shape == (10_000, 10) and torch.equal(y.sum(1), torch.ones(10_000))
    assert (y.mean(0) - 0.1).abs().max() < 0.02


@pytest.mark.parametrize("k", [0, 3, 7])
def test_mixture_component_means_and_spreads(k):
    pts = priors.gaussian_mixture_2d(20_000, labels=torch.full((20_000,), k))
    angle = 2 * math.pi * k / 10
    centre = torch.tensor([1.4 * math.cos(angle), 1.4 * math.sin(angle)])
    assert torch.allclose(pts.mean(0), centre, atol=0.02)
    along = torch.tensor([math.cos(angle), math.sin(angle)])  # the long axis points away from the origin
    across = torch.tensor([-math.sin(angle), math.cos(angle)])
    assert ((pts - centre) @ along).std().item() == pytest.approx(0.5, abs=0.02)
    assert ((pts - centre) @ across).std().item() == pytest.approx(0.05, abs=0.005)


def test_mixture_without_labels_uses_all_ten_components():
    pts = priors.gaussian_mixture_2d(10_000)
    angles = torch.atan2(pts[:, 1], pts[:, 0]) % (2 * math.pi)
    nearest = torch.round(angles / (2 * math.pi / 10)).long() % 10
    assert torch.bincount(nearest, minlength=10).min() > 800


@pytest.mark.parametrize("k", [0, 4, 9])
def test_swiss_roll_radius_range_per_label(k):
    pts = priors.swiss_roll(5_000, labels=torch.full((5_000,), k))
    r = pts.norm(dim=1)
    assert r.min() >= 3 * math.sqrt(k / 10) - 1e-5 and r.max() <= 3 * math.sqrt((k + 1) / 10) + 1e-5
    # on the spiral: theta = 4 pi sqrt(u) = 4 pi r / 3
    assert torch.allclose((4 * math.pi * r / 3).cos(), pts[:, 0] / r, atol=1e-4)
    assert torch.allclose((4 * math.pi * r / 3).sin(), pts[:, 1] / r, atol=1e-4)


def test_mixture_log_density_matches_a_float64_reference_and_integrates_to_one():
    from scipy.stats import multivariate_normal

    z = priors.gaussian_mixture_2d(50).double()
    ours = priors.gaussian_mixture_2d_log_prob(z)
    ref = 0.0
    for k in range(10):
        a = 2 * math.pi * k / 10
        rot = torch.tensor([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=torch.float64)
        cov = rot @ torch.diag(torch.tensor([0.25, 0.0025], dtype=torch.float64)) @ rot.T
        ref = ref + multivariate_normal([1.4 * math.cos(a), 1.4 * math.sin(a)], cov.numpy()).pdf(z.numpy()) / 10
    torch.testing.assert_close(ours, torch.from_numpy(ref).log(), rtol=1e-9, atol=1e-9)
    step = 0.005  # a Riemann sum over [-3.5, 3.5]^2, fine enough for the 0.05-wide components
    axis = torch.arange(-3.5, 3.5, step, dtype=torch.float64) + step / 2
    grid = torch.cartesian_prod(axis, axis)
    assert priors.gaussian_mixture_2d_log_prob(grid).exp().sum().item() * step ** 2 == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("prior, part, floor", [(priors.gaussian_mixture_2d, priors.mixture_part, 0.98),
                                                (priors.swiss_roll, priors.swiss_roll_part, 0.999)])
def test_a_label_conditioned_priors_own_draws_lie_in_their_labels_part(prior, part, floor):
    """Figure 4's number: codes drawn by the prior itself for given labels are read back as those
    labels (the mixture's arms overlap a little near the centre); shuffled labels score chance."""
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(10, (5000,), generator=g)
    z = prior(5000, labels, generator=g)
    assert (part(z) == labels).float().mean() >= floor
    assert abs((part(z) == labels[torch.randperm(5000, generator=g)]).float().mean() - 0.1) < 0.03
    # the roll's parts run 0 to 9 from its centre outwards, as its decoded strip in Figure 4 does
    if part is priors.swiss_roll_part:
        u = (torch.arange(10) + 0.5) / 10
        assert part(priors.swiss_roll_point(u)).tolist() == list(range(10))
