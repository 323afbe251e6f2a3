"""Parzen window estimator: closed-form known answers, a float64 reference, block-size invariance."""
import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from aae.eval.parzen import parzen_evaluate, parzen_log_likelihoods


def reference(samples: np.ndarray, x: np.ndarray, sigma: float) -> np.ndarray:
    """The textbook formula, all at once, in float64 (no blocking, no shortcuts)."""
    diff = x[:, None, :] - samples[None, :, :]
    a = -(diff ** 2).sum(-1) / (2 * sigma ** 2)
    d = x.shape[1]
    return logsumexp(a, axis=1) - math.log(len(samples)) - d * math.log(sigma * math.sqrt(2 * math.pi))


def blocks(t: torch.Tensor, size: int) -> list:
    return [t[i: i + size] for i in range(0, len(t), size)]


@pytest.fixture
def images():
    g = torch.Generator().manual_seed(0)
    return torch.rand(300, 784, generator=g), torch.rand(120, 784, generator=g)  # samples, test images


def test_matches_a_float64_reference(images):
    samples, x = images
    sigmas = [0.1, 0.25, 1.0]
    ours = parzen_log_likelihoods(blocks(samples, 300), x, sigmas).numpy()
    for j, s in enumerate(sigmas):
        np.testing.assert_allclose(ours[:, j], reference(samples.double().numpy(), x.double().numpy(), s), rtol=1e-6)


# float32: other block shapes run other GEMM kernels, whose sums may differ in the last bits; on
# some CPUs of this kind by 2 ulp (relative 2.1e-7, over float32's epsilon of 1.2e-7). A block
# dropped or counted twice moves a log-likelihood by log(2) or more.
@pytest.mark.parametrize("dtype, rtol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_result_does_not_depend_on_block_sizes(images, dtype, rtol):
    samples, x = images
    sigmas = np.logspace(-1, 0, 10)
    centre = samples[:70].mean(0)  # the same centre whatever the blocks
    a = parzen_log_likelihoods(blocks(samples, 300), x, sigmas, x_block=120, dtype=dtype, centre=centre)
    b = parzen_log_likelihoods(blocks(samples, 70), x, sigmas, x_block=45, dtype=dtype, centre=centre)  # uneven too
    torch.testing.assert_close(a, b, rtol=rtol, atol=0)


def test_float32_distances_cost_under_a_hundredth_of_a_nat_on_images():
    """The fast path (float32, centred) against float64 on image-like data: 600 synthetic digits as
    centres, 200 others as test images, every sigma of the paper's grid."""
    from aae.data.synthetic import make_synthetic

    data = make_synthetic()
    centres, x = data.floats("train"), data.floats("test")
    sigmas = np.logspace(-1, 0, 10)
    fast = parzen_log_likelihoods([centres], x, sigmas)
    exact = parzen_log_likelihoods([centres], x, sigmas, dtype=torch.float64, centre=torch.zeros(784))
    worst = float((fast - exact).abs().max())
    assert worst < 0.01, worst
    assert float((fast - exact).mean(0).abs().max()) < 0.002  # the table reports means


def test_sigma_is_the_grid_point_a_brute_force_search_picks(images):
    samples, x = images
    valid, test = x[:60], x[60:]
    sigmas = np.logspace(-1, 0, 10)
    result = parzen_evaluate(lambda: iter(blocks(samples, 50)), valid, test, sigmas, dtype=torch.float64)
    brute = [reference(samples.double().numpy(), valid.double().numpy(), s).mean() for s in sigmas]
    assert result.sigma == sigmas[int(np.argmax(brute))]
    chosen = reference(samples.double().numpy(), test.double().numpy(), result.sigma)
    assert result.test_mean == pytest.approx(chosen.mean(), rel=1e-9)
    assert result.test_se == pytest.approx(chosen.std(ddof=1) / math.sqrt(len(test)), rel=1e-9)
    fast = parzen_evaluate(blocks(samples, 50), valid, test, sigmas)  # float32, the default
    assert fast.sigma == result.sigma and fast.test_mean == pytest.approx(result.test_mean, abs=1e-3)
    assert result.n_samples == 300


def test_estimate_approaches_the_true_log_density_as_samples_grow():
    """Samples and test points from N(0, s^2 I) in 2-D, whose log-density is known in closed form."""
    d, s = 2, 0.5
    g = torch.Generator().manual_seed(1)
    valid, test = s * torch.randn(300, d, generator=g), s * torch.randn(1000, d, generator=g)
    # the true average log-density of these very test points, so test-set noise does not enter
    truth = float((-0.5 * d * math.log(2 * math.pi * s * s) - test.double().pow(2).sum(1) / (2 * s * s)).mean())
    sigmas = np.logspace(-2, 0, 12)
    errors = []
    for n in (100, 1000, 20_000):
        samples = s * torch.randn(n, d, generator=g)
        errors.append(abs(parzen_evaluate(blocks(samples, 4096), valid, test, sigmas).test_mean - truth))
    assert errors[0] > errors[1] > errors[2] and errors[2] < 0.03, errors


def test_far_samples_add_nothing_although_their_exponentials_are_clamped():
    """Every far sample's exponential is clamped up to exp(EXP_FLOOR) for speed; the bound in
    parzen.py says that adds under 1e-30: one sample on the image and 20,000 far ones give exactly
    log(1 / N) minus the normaliser, as the textbook formula does."""
    g = torch.Generator().manual_seed(1)
    x = torch.rand(3, 784, generator=g)
    far = x[0] + 5.0 + torch.rand(20_000, 784, generator=g)  # squared distance > 2e4: arguments < -1e5
    samples = torch.cat([x[:1], far])
    sigma = 0.2
    ours = parzen_log_likelihoods(blocks(samples, 5000), x[:1], [sigma])[0, 0].item()
    expected = -math.log(len(samples)) - 784 * math.log(sigma * math.sqrt(2 * math.pi))
    assert ours == pytest.approx(expected, abs=1e-9)
