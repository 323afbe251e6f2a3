"""The performance levers compute the same function: one update from the same state, the fast
path against the plain one, parameters compared with a stated tolerance; and each is applied
where it is asked for and nowhere else."""
import copy

import numpy as np
import pytest
import torch

from aae.eval.parzen import parzen_evaluate
from aae.experiment.train import precision_context, run_job
from aae.models.base import DataInfo
from aae.models.registry import get_model
from aae.reporting.tables import Column
from baselines.m2 import M2
from benchmarks.machine.perf import parzen_one_pass_float64, parzen_two_pass_float64
from benchmarks.recipes import recipe
from benchmarks.specs import grid

INFO = DataInfo(784, 10, 600, 100, torch.full((784,), 0.13), torch.full((784,), 0.31), epochs=2, updates_per_epoch=5)


def model_and_batch(name):
    torch.manual_seed(0)
    r = recipe(name, "smoke", overrides=["hidden=[64, 64]"] if name != "gmmn_ae" else [])
    model = get_model(name).cls(r.model, INFO, "cpu")
    g = torch.Generator().manual_seed(1)
    batch = {"x": torch.rand(r.training.batch_size, 784, generator=g), "x_lab": torch.rand(32, 784, generator=g),
             "y_lab": torch.randint(0, 10, (32,), generator=g)}
    return model, batch


def one_step(model, batch, precision="fp32"):
    torch.manual_seed(2)  # the same noise and dropout draws on both paths
    with precision_context(precision, "cpu"):
        model.update(batch)
    return {k: v.clone() for k, v in model.nets.state_dict().items()}


@pytest.mark.parametrize("name", ["ssaae", "nn_baseline"])
def test_fused_optimizers_take_the_same_step_as_the_plain_loop(name):
    model, batch = model_and_batch(name)
    plain = copy.deepcopy(model)
    for opt in plain.optimizers.values():
        for group in opt.param_groups:
            group["fused"], group["foreach"] = None, False
    fast, slow = one_step(model, batch), one_step(plain, batch)
    for k in fast:  # float32 rounding only: a fused kernel orders its arithmetic differently
        torch.testing.assert_close(fast[k], slow[k], rtol=1e-5, atol=1e-6)


def test_a_bf16_step_stays_within_one_adam_step_of_the_fp32_step():
    """Adam's first step moves each weight by about lr whatever the gradient's size, so bfloat16
    matrix products can differ from float32 by at most the sum of the learning rates of the
    phases that touch a weight (twice, for a flipped sign); almost all weights agree far closer."""
    model, batch = model_and_batch("ssaae")
    twin = copy.deepcopy(model)
    fp32, bf16 = one_step(model, batch), one_step(twin, batch, "bf16")
    c = model.config
    bound = 2 * (c.recon_lr + c.adv_lr + c.cls_lr) + 1e-6
    diffs = torch.cat([(fp32[k] - bf16[k]).abs().flatten() for k in fp32 if fp32[k].is_floating_point()])
    assert float(diffs.max()) <= bound
    assert float(diffs.median()) < 0.05 * c.recon_lr


def test_the_benchmarks_reference_implementations_agree_with_ours():
    g = torch.Generator().manual_seed(0)
    samples, valid, test = (torch.rand(n, 784, generator=g) for n in (300, 40, 80))
    sigmas = list(np.logspace(-1, 0, 10))
    ours = parzen_evaluate([samples], valid, test, sigmas).test_mean
    two_pass = parzen_two_pass_float64(samples.double().numpy(), valid.double().numpy(), test.double().numpy(), sigmas)
    one_pass = parzen_one_pass_float64(samples, valid, test, sigmas)
    assert two_pass == pytest.approx(one_pass, abs=1e-9) and ours == pytest.approx(one_pass, abs=1e-3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_one_update_on_cuda_moves_the_weights():
    torch.manual_seed(0)
    model = get_model("ssaae").cls(recipe("ssaae", "smoke", overrides=["hidden=[64, 64]"]).model, INFO, "cuda")
    before = {k: v.clone() for k, v in model.nets.state_dict().items()}
    batch = {"x": torch.rand(100, 784, device="cuda"), "x_lab": torch.rand(32, 784, device="cuda"),
             "y_lab": torch.randint(0, 10, (32,), device="cuda")}
    losses = model.update(batch)
    assert all(np.isfinite(v) for v in losses.values())
    assert any(not torch.equal(before[k], v) for k, v in model.nets.state_dict().items())


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_device_cuda_without_one_is_a_one_line_error(tmp_path):
    from tests.conftest import run_cli, smoke_args

    ran = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--device", "cuda"))
    assert ran.returncode == 2 and ran.stderr.strip().splitlines() == [
        "benchmarks.table2: error: --device cuda: no CUDA device is available here"]


def test_device_cpu_is_what_the_runs_use(tmp_path):
    import json

    from tests.conftest import run_cli, smoke_args

    ran = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--device", "cpu", "--seeds", "1", "--models",
                                                   "nn_baseline"))
    assert ran.returncode == 0, ran.stderr
    records = list((tmp_path / "runs").glob("*/record.json"))
    assert records
    for record in records:
        machine = json.loads(record.read_text())["provenance"]
        assert machine["device"].startswith("cpu")
        # the CPU features are named: the same bf16 run gave other numbers on another machine
        assert machine["cpu_features"].startswith(torch.backends.cpu.get_cpu_capability() + "; ")


def subnormals_survive() -> bool:
    """Whether this thread keeps subnormal floats (1e-40 is one in float32): False under FTZ/DAZ."""
    return (torch.tensor([1e-40]) * 2.0).item() != 0.0


def test_a_model_that_asks_for_it_trains_with_subnormals_flushed_and_the_setting_is_restored(tmp_path, monkeypatch):
    """M2's saturated classifier underflows into subnormals (many times slower per operation):
    its updates run with them flushed to zero; every other model's, and the code after a run,
    keep IEEE arithmetic."""
    seen = {}
    for model in ("m2", "nn_baseline"):
        cls = get_model(model).cls
        original = cls.update

        def update(self, batch, original=original, model=model):
            seen[model] = subnormals_survive()
            return original(self, batch)

        monkeypatch.setattr(cls, "update", update)
        [spec] = grid("table2", models=[model], columns=[Column("synthetic", "100", "")], seeds=1, budget="smoke",
                      overrides=[], evals=())
        run_job(spec, tmp_path, progress=False)
        assert subnormals_survive(), f"{model}'s run left subnormals flushed"
    assert M2.flush_denormals and seen == {"m2": False, "nn_baseline": True}


@pytest.mark.parametrize("name", ["aae", "vae", "gan", "gmmn_ae", "gmmn_ae:generator", "nn_baseline", "m2", "ssaae",
                                  "clustering_aae", "dimred_aae", "supervised_aae"])
def test_an_update_never_reads_a_tensor_back_to_the_host(name, monkeypatch):
    """The step loop's only host-device synchronisations are its logging points (once an epoch):
    inside `update`, no Python-level read of a tensor's value (item, float, int, bool, tolist),
    which on a GPU would make the host wait for every step. The CPU shows them as Python calls."""
    import traceback

    model_name, _, stage = name.partition(":")
    info = DataInfo(784, 10, 1000, 100, torch.full((784,), 0.13), torch.full((784,), 0.31), epochs=2, updates_per_epoch=5)
    model = get_model(model_name).cls(recipe(model_name, "smoke").model, info, "cpu")
    model.set_training_images(torch.rand(1000, 784))
    if stage:
        model.enter_stage(stage, torch.rand(1000, 784))
    batch = {"x": torch.rand(100, 784), "x_lab": torch.rand(100, 784), "y_lab": torch.randint(0, 10, (100,))}
    model.update(batch)  # a first update may set things up
    reads = []
    for method in ("item", "__float__", "__int__", "__bool__", "__index__", "tolist"):
        original = getattr(torch.Tensor, method)

        def spy(self, *args, _original=original, _method=method, **kwargs):
            ours = [f for f in traceback.extract_stack()[:-1] if "/aae/" in f.filename or "/baselines/" in f.filename]
            if ours:
                reads.append(f"{_method} at {ours[-1].filename.rsplit('/', 1)[-1]}:{ours[-1].lineno}")
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, method, spy)
    model.update(batch)
    monkeypatch.undo()
    assert reads == []
