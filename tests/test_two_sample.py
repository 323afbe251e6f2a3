"""Energy distance against scipy's float64 reference, and what it must tell apart."""
import numpy as np
import pytest
import scipy.stats
import torch

from aae.eval.two_sample import energy_distance


def test_energy_distance_matches_scipy_in_one_dimension():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 700), rng.normal(0.5, 2, 900)
    expected = scipy.stats.energy_distance(a, b)
    assert energy_distance(torch.tensor(a)[:, None], torch.tensor(b)[:, None], block=128) == pytest.approx(expected, rel=1e-9)


def test_energy_distance_is_zero_for_one_set_and_grows_with_a_shift():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2000, 2, generator=g)
    assert energy_distance(x, x) == pytest.approx(0.0, abs=1e-6)
    same = energy_distance(x, torch.randn(2000, 2, generator=g))  # another sample of the same law: small
    shifted = [energy_distance(x, torch.randn(2000, 2, generator=g) + torch.tensor([s, 0.0])) for s in (0.5, 1.0, 2.0)]
    assert same < shifted[0] < shifted[1] < shifted[2]
    assert same < 0.1
