"""Known answers for the baselines' own pieces: the GMMN's MMD, the GMMN's two stages."""
import math

import pytest
import torch

from aae.models.base import DataInfo
from aae.models.registry import get_model
from baselines.gmmn import mmd_squared
from benchmarks.recipes import recipe


def test_mmd_known_answers():
    a = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    assert mmd_squared(a, a, (1.0,)).item() == pytest.approx(0.0, abs=1e-6)
    # one point each at distance d: k(a,a) + k(b,b) - 2 k(a,b) = 2 - 2 exp(-d^2 / 2 s^2), per kernel
    p, q = torch.zeros(1, 2), torch.tensor([[3.0, 4.0]])
    expected = sum(2 - 2 * math.exp(-25 / (2 * s * s)) for s in (1.0, 5.0))
    assert mmd_squared(p, q, (1.0, 5.0)).item() == pytest.approx(expected, rel=1e-6)


def test_mmd_and_its_gradient_match_a_float64_pairwise_reference():
    """The fast form (three blocks, one matrix product each, clamped exponents) computes the
    textbook estimate: value and gradient against float64 cdist on the joint matrix."""
    g = torch.Generator().manual_seed(0)
    a = torch.rand(300, 32, generator=g).requires_grad_()
    b = torch.rand(200, 32, generator=g) * 0.9 + 0.05
    bandwidths = (0.25, 0.5, 1.0)

    def reference(a, b):
        both = torch.cat([a, b]).double()
        k = sum(torch.exp(-torch.cdist(both, both).pow(2) / (2.0 * s * s)) for s in bandwidths)
        n = len(a)
        return k[:n, :n].mean() + k[n:, n:].mean() - 2.0 * k[:n, n:].mean()

    ours, = torch.autograd.grad(mmd_squared(a, b, bandwidths), a)
    a64 = a.detach().double().requires_grad_()
    expected, = torch.autograd.grad(reference(a64, b), a64)
    assert mmd_squared(a, b, bandwidths).item() == pytest.approx(reference(a, b).item(), rel=1e-4)
    torch.testing.assert_close(ours.double(), expected, rtol=1e-3, atol=1e-9)


def test_mmd_is_float32_under_bfloat16_autocast():
    """The cpu budget trains GMMN+AE under bf16 autocast; distances of near codes through a bf16
    matrix product put MMD^2 of these codes 5% off. Value and gradient as in float32."""
    g = torch.Generator().manual_seed(0)
    a = torch.sigmoid(2 * torch.randn(1000, 32, generator=g)).requires_grad_()
    b = torch.sigmoid(2 * torch.randn(1000, 32, generator=g) + 0.05)
    bandwidths = (0.25, 0.5, 1.0)
    value = mmd_squared(a, b, bandwidths)
    grad, = torch.autograd.grad(value, a)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        value_bf16 = mmd_squared(a, b, bandwidths)
    grad_bf16, = torch.autograd.grad(value_bf16, a)
    assert value_bf16.dtype == torch.float32
    assert value_bf16.item() == pytest.approx(value.item(), rel=1e-5)
    torch.testing.assert_close(grad_bf16, grad, rtol=1e-4, atol=1e-9)


def test_gmmn_trains_the_autoencoder_then_only_the_generator():
    torch.manual_seed(0)
    plan = DataInfo(784, 10, 600, 600, epochs=2, updates_per_epoch=3)
    model = get_model("gmmn_ae").cls(recipe("gmmn_ae", "smoke", overrides=["ae_epochs=1"]).model, plan, "cpu")
    images = torch.rand(600, 784)
    model.set_training_images(images)
    x = {"x": images[:40]}
    assert [set(model.update(x)) for _ in range(3)] == [{"loss", "reconstruction"}] * 3
    encoder = [p.clone() for p in model.nets["encoder"].parameters()]
    assert set(model.update(x)) == {"loss", "mmd", "mmd_floor"}
    assert all(torch.equal(a, b) for a, b in zip(encoder, model.nets["encoder"].parameters()))
    restored = get_model("gmmn_ae").cls(model.config, plan, "cpu")
    restored.load_state_dict(model.state_dict())  # a resumed run continues in the generator's stage
    restored.set_training_images(images)
    assert set(restored.update(x)) == {"loss", "mmd", "mmd_floor"}
    # the codes a resumed run computes again are the ones the run had
    assert torch.equal(restored.training_codes(), model.training_codes())


def test_gmmn_autoencoder_steps_on_its_own_minibatch():
    """A loop minibatch of 1000 images is ten autoencoder updates of 100 (the original's size),
    and one generator update on all 1000 codes."""
    torch.manual_seed(0)
    model = get_model("gmmn_ae").cls(recipe("gmmn_ae", "smoke", overrides=["ae_epochs=1", "gen_updates_per_step=3"]).model,
                                     DataInfo(784, 10, 4000, 0, epochs=2, updates_per_epoch=1), "cpu")
    images = torch.rand(4000, 784)
    model.set_training_images(images)
    x = {"x": images[:1000]}
    model.update(x)
    steps = {int(s["step"]) for s in model.optimizers["autoencoder"].state_dict()["state"].values()}
    assert steps == {10}
    model.update(x)
    steps = {int(s["step"]) for s in model.optimizers["generator"].state_dict()["state"].values()}
    assert steps == {3}


def test_gmmn_generator_encodes_the_training_set_once_and_moves_towards_the_real_codes():
    torch.manual_seed(0)
    config = recipe("gmmn_ae", "smoke", overrides=["ae_epochs=1", "gen_updates_per_step=20", "gen_hidden=[64, 64]"]).model
    model = get_model("gmmn_ae").cls(config, DataInfo(784, 10, 1000, 0, epochs=2, updates_per_epoch=1), "cpu")
    images = torch.rand(1000, 784)
    model.set_training_images(images)
    model.update({"x": images[:100]})
    first = model.update({"x": images[:100]})
    codes = model.training_codes()
    assert codes.shape == (1000, config.code_dim)
    for _ in range(10):
        last = model.update({"x": images[:100]})
    assert model.training_codes() is codes  # not encoded again at every step
    assert float(last["mmd"]) < 0.5 * float(first["mmd"])
    assert float(last["mmd"]) > float(last["mmd_floor"]) > 0  # two real minibatches differ a little


def test_gan_starts_from_goodfellows_weights_and_gaussian_noise():
    torch.manual_seed(0)
    mean = torch.linspace(0.01, 0.9, 784)
    model = get_model("gan").cls(recipe("gan", "smoke").model, DataInfo(784, 10, 600, 600, mean, mean), "cpu")
    linears = {name: [m for m in model.nets[name].modules() if isinstance(m, torch.nn.Linear)]
               for name in ("generator", "discriminator")}
    for name, bound in (("generator", 0.05), ("discriminator", 0.005)):
        weights = torch.cat([m.weight.detach().flatten() for m in linears[name]])
        assert float(weights.abs().max()) <= bound and float(weights.abs().max()) > 0.9 * bound
    torch.testing.assert_close(linears["generator"][-1].bias, torch.logit(mean))  # pixel marginals
    assert all(float(m.bias.detach().abs().max()) == 0 for m in linears["generator"][:-1])
    noise = model.noise(20_000)
    assert abs(float(noise.std()) - 1.0) < 0.02 and float(noise.abs().max()) > 1.5  # Gaussian, not U(-1, 1)
    torch_init = get_model("gan").cls(recipe("gan", "smoke", overrides=["init=torch", "noise=uniform"]).model,
                                      DataInfo(784, 10, 600, 600, mean, mean), "cpu")
    assert float(torch_init.noise(1000).abs().max()) <= 1.0
    assert float(torch_init.nets["discriminator"][1].linear.weight.detach().abs().max()) > 0.01  # PyTorch's own scale
