"""Performance: the training step of every Table 1 and Table 2 model and the Parzen evaluator,
each as a ratio against a reference measured in the same run (this machine's GEMM rates, the
code's earlier approach), median of several repeats. Writes results/perf_native_bf16.md on a CPU
with native bfloat16 and results/perf_without_bf16.md on one without: the two kinds' pages sit side by side.

    python -m benchmarks.machine.perf                      # 14-18 min on 2 cores with native bf16, 68 without
    python -m benchmarks.machine.perf --quick              # seconds: tiny sizes, to check the script runs

Measure on an idle machine: a second process on the cores halves every rate.

Training step: one `update()` of each model at the paper's sizes (the cpu budget's config, batch
as configured) on random MNIST-shaped batches, with the levers of the performance issue:
  before    the optimizers as they were (a Python loop per tensor: foreach and fused off)
  fused     fused Adam/SGD kernels (the default now)
  bf16      fused + bfloat16 autocast (`--set precision=bf16`; float32 master weights)
  1 thread  fused, torch.set_num_threads(1), alone on the machine
  2 workers two one-thread processes stepping at once (fp32 and bf16): the machine's rate as a
            table's `--workers 2` uses it
FLOPs per step are counted from the matrix products' shapes (torch.utils.flop_counter).
"""
from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import os
import resource
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from scipy.special import logsumexp
from tabulate import tabulate

from aae import io
from aae.eval.parzen import DEFAULT_SIGMAS, parzen_evaluate
from aae.experiment.batches import epoch_steps, loop_plan
from aae.experiment.train import precision_context
from aae.models.adversarial import noisy, real_fake_loss
from aae.models.base import DataInfo
from aae.models.registry import get_model
from aae.precision import DEVICE_ENV, PRECISION_ENV, Choice, device_choice
from aae.provenance import cpu_features, device_name, git_sha
from baselines.gmmn import mmd_squared
from benchmarks.cli import OneLineParser, check_writable, guarded, positive_int
from benchmarks.recipes import asks_auto, recipe

# "gmmn_ae:generator": GMMN+AE's second stage (each step: `gen_updates_per_step` generator updates
# on the MMD to the frozen encoder's codes), most of its run's time; "gmmn_ae" alone is stage one
MODELS = ("aae", "vae", "gan", "gmmn_ae", "gmmn_ae:generator", "nn_baseline", "m2", "ssaae", "clustering_aae",
          "dimred_aae")
# the modules whose regularization phase calls discriminator_loss (the one-pass lever patches them)
DISCRIMINATOR_USERS = ("aae.models.aae", "aae.models.semisupervised", "aae.models.supervised", "baselines.gan")
MNIST_TRAIN = 50_000


def timed(fn, repeats: int) -> float:
    """Median seconds of fn() over repeats (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# -- this machine's matrix-product rates ---------------------------------------------------------

def gemm_rate(dtype: torch.dtype, m: int, k: int, n: int, repeats: int) -> float:
    """FLOP/s of (m x k) @ (k x n) in dtype, the shapes of a step or of Parzen's distances."""
    a, b = torch.randn(m, k).to(dtype), torch.randn(k, n).to(dtype)
    reps = max(1, int(2e9 // (2 * m * k * n)))
    seconds = timed(lambda: [a @ b for _ in range(reps)], repeats)
    return 2 * m * k * n * reps / seconds


# -- the training step ---------------------------------------------------------------------------

def fresh_model(name: str, fused: bool = True, device: str = "cpu"):
    """A fresh model of `name` (the cpu budget's config, precision=auto resolved for `device`; "gmmn_ae:generator":
    GMMN+AE's second stage) on `device`, and a random MNIST-shaped batch there."""
    torch.manual_seed(0)
    name, _, stage = name.partition(":")
    with mock.patch.dict(os.environ, {DEVICE_ENV: device}):
        r = recipe(name, "cpu")
    info = DataInfo(784, 10, MNIST_TRAIN, 100, torch.full((784,), 0.13), torch.full((784,), 0.31),
                    **loop_plan(r.training, MNIST_TRAIN))
    model = get_model(name).cls(r.model, info, device)
    if stage:  # GMMN+AE's generator: past the autoencoder's updates, with training images to encode
        model.enter_stage(stage, torch.rand(MNIST_TRAIN, 784, device=device))
    if not fused:  # the optimizers as they were before: a loop of small ops per tensor
        for opt in model.optimizers.values():
            for group in opt.param_groups:
                group["fused"], group["foreach"] = None, False
            opt.defaults["fused"], opt.defaults["foreach"] = None, False
    n = r.training.batch_size
    batch = {"x": torch.rand(n, 784, device=device), "x_lab": torch.rand(n, 784, device=device),
             "y_lab": torch.randint(0, 10, (n,), device=device)}
    return model, r, batch


def _stepper(name: str, fused: bool, precision: str, steps: int):
    """A function making `steps` updates of a fresh model."""
    model, _, batch = fresh_model(name, fused)

    def run():
        for _ in range(steps):
            with precision_context(precision, "cpu"):
                model.update(batch)

    return run


def step_seconds(name: str, fused: bool, precision: str, steps: int, repeats: int) -> float:
    return timed(_stepper(name, fused, precision, steps), repeats) / steps


def _worker_steps(name: str, precision: str, steps: int, repeats: int, barrier, queue) -> None:
    torch.set_num_threads(1)
    run = _stepper(name, True, precision, steps)
    run()  # warm-up before the common start
    barrier.wait()
    queue.put(timed(run, repeats) / steps)


def two_worker_steps_per_second(name: str, precision: str, steps: int, repeats: int) -> float:
    """Steps per second of the whole machine with two one-thread workers training at once, as a
    table's `--workers 2` runs: they share the memory bandwidth and caches, so each is slower than
    one thread alone."""
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=_worker_steps, args=(name, precision, steps, repeats, barrier, queue))
               for _ in range(2)]
    for w in workers:
        w.start()
    seconds = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    return sum(1 / t for t in seconds)


def step_flops(name: str) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    model, _, batch = fresh_model(name, True)
    model.update(batch)  # past any first-step special case
    with FlopCounterMode(display=False) as counter:
        model.update(batch)
    return float(counter.get_total_flops())


def stage_epochs(name: str, r) -> int:
    """The cpu budget's epochs of what a row times: GMMN+AE's stages split its epochs."""
    if name == "gmmn_ae":
        return r.model.ae_epochs
    if name == "gmmn_ae:generator":
        return r.training.epochs - r.model.ae_epochs
    return r.training.epochs


def mmd_joint_cdist(a: torch.Tensor, b: torch.Tensor, bandwidths) -> torch.Tensor:
    """GMMN+AE's MMD^2 as it was: torch.cdist over the joint (a, b) matrix, every exp unclamped."""
    both = torch.cat([a, b])
    sq = torch.cdist(both, both).pow(2)
    k = sum(torch.exp(-sq / (2.0 * s * s)) for s in bandwidths)
    n = len(a)
    return k[:n, :n].mean() + k[n:, n:].mean() - 2.0 * k[:n, n:].mean()


def mmd_rows(repeats: int, n: int) -> list[list]:
    """One MMD^2 and its gradient (a generator update's loss) at the cpu budget's sizes (n
    generated and n real 32-D codes, three bandwidths): the earlier form against ours, same value."""
    config = recipe("gmmn_ae", "cpu").model
    g = torch.Generator().manual_seed(0)
    fake = torch.rand(n, config.code_dim, generator=g).requires_grad_()
    real = torch.rand(n, config.code_dim, generator=g)
    forms = {"torch.cdist, joint matrix (before)": mmd_joint_cdist, "three blocks, matrix products (ours)": mmd_squared}

    def update(fn):
        fake.grad = None
        fn(fake, real, config.bandwidths).clamp_min(1e-12).sqrt().backward()

    seconds = {label: timed(lambda: update(fn), repeats) for label, fn in forms.items()}
    ours = seconds["three blocks, matrix products (ours)"]
    return [[label, f"{seconds[label] * 1000:.1f}", f"{seconds[label] / ours:.1f}x",
             f"{fn(fake, real, config.bandwidths).item():.8f}"] for label, fn in forms.items()]


def page_name(quick: bool, choice: Choice) -> str:
    """One page per kind of CPU (the choice precision=auto makes there), so that a measurement on
    one kind never replaces the other's."""
    if quick:
        return "perf-quick.md"
    return "perf_native_bf16.md" if choice.precision == "bf16" else "perf_without_bf16.md"


def auto_models(models) -> list[str]:
    """The timed models whose cpu budget leaves the precision to the machine (precision=auto)."""
    names = dict.fromkeys(name.partition(":")[0] for name in models)
    return [name for name in names if asks_auto(name, "cpu")]


# -- the precision the cpu budget uses here -------------------------------------------------------

def cpu_budget_on(name: str, precision: str):
    """The model's cpu-budget recipe on a machine whose precision=auto resolves to `precision`."""
    with mock.patch.dict(os.environ, {PRECISION_ENV: precision}):
        return recipe(name, "cpu")


def training_seconds(r, steps_per_second: dict[str, float]) -> float:
    """A run's training seconds at the measured rate of each of its stages (each stage's epochs x
    the loop's updates per epoch)."""
    return sum(stage_epochs(stage, r) * epoch_steps(r.training, MNIST_TRAIN) / steps_per_second[stage]
               for stage in steps_per_second)


def precision_rows(models, pair_rates: dict[str, dict[str, float]], one_pass: dict[str, float]) -> list[list]:
    """A row per model: the precision its cpu budget computes in on this machine and why, the
    two-worker step rates behind the choice, and a run's training time in the fp32 budget over the
    bf16 budget's (an auto model trains fewer epochs where it resolves to fp32: recipes.FP32_CPU_EPOCHS)."""
    choice = device_choice()
    rows = []
    for name in dict.fromkeys(m.partition(":")[0] for m in models):
        stages = {m: r for m, r in pair_rates.items() if m.partition(":")[0] == name}
        auto = asks_auto(name, "cpu")
        here = choice.precision if auto else recipe(name, "cpu").training.precision
        why = f"auto: {choice.reason}" if auto else f"its cpu budget fixes {here} (benchmarks/recipes.py)"
        fp32, bf16 = (cpu_budget_on(name, p) for p in ("fp32", "bf16"))
        seconds = {p: training_seconds(c, {m: r[p] for m, r in stages.items()}) for p, c in (("fp32", fp32), ("bf16", bf16))}
        fp32_rate, bf16_rate = (sum(r[p] for r in stages.values()) for p in ("fp32", "bf16"))
        gain = one_pass.get(name)
        rows.append([name, "auto" if auto else here, here, why, f"{bf16.training.epochs} / {fp32.training.epochs}",
                     f"{fp32_rate:.1f}", f"{bf16_rate:.1f}", f"{bf16_rate / fp32_rate:.2f}x",
                     f"{seconds['fp32'] / seconds['bf16']:.2f}x" if auto else "-",
                     f"{2 * seconds[here] / 60:.1f}", f"{gain:.2f}x" if gain else "-"])  # a worker gets half the machine's rate
    return rows


def one_pass_discriminator_loss(d, prior, codes, noise: float = 0.0):
    """discriminator_loss with prior samples and codes in one batch through D (the lever measured):
    one pass of twice the rows instead of two."""
    both = d(noisy(torch.cat([prior, codes.detach()]), noise))
    return real_fake_loss(both[: len(prior)], both[len(prior):])


def one_pass_speedups(models, precision: str, steps: int, repeats: int) -> dict[str, float]:
    """Two-pass step time over one-pass step time, in this machine's precision, for each model
    whose update has an adversarial discriminator."""
    import importlib

    users = [importlib.import_module(m) for m in DISCRIMINATOR_USERS]
    out = {}
    for name in models:
        if name.partition(":")[1] or importlib.import_module(get_model(name).cls.__module__) not in users:
            continue
        two = step_seconds(name, True, precision, steps, repeats)
        with contextlib.ExitStack() as patches:
            for module in users:
                patches.enter_context(mock.patch.object(module, "discriminator_loss", one_pass_discriminator_loss))
            one = step_seconds(name, True, precision, steps, repeats)
        out[name] = two / one
        print(f"perf: {name}: one-pass discriminator {two / one:.2f}x the two-pass step ({precision})", file=sys.stderr)
    return out


def training_rows(models, steps: int, repeats: int, rates: dict) -> tuple[list[list], dict]:
    """The step table's rows, and each model's two-worker steps/s per precision."""
    rows, pairs = [], {}
    for name in models:
        r = recipe(name.partition(":")[0], "cpu")
        steps_per_epoch = epoch_steps(r.training, MNIST_TRAIN)
        epochs = stage_epochs(name, r)
        flops = step_flops(name)
        t = {"before": step_seconds(name, False, "fp32", steps, repeats),
             "fused": step_seconds(name, True, "fp32", steps, repeats),
             "bf16": step_seconds(name, True, "bf16", steps, repeats)}
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            t["1 thread"] = step_seconds(name, True, "fp32", steps, repeats)
        finally:
            torch.set_num_threads(threads)
        pair = pairs[name] = {p: two_worker_steps_per_second(name, p, steps, repeats) for p in ("fp32", "bf16")}
        best = min(t["fused"], t["bf16"])
        rows.append([name, f"{flops / 1e9:.2f}", f"{1 / t['before']:.1f}", f"{1 / t['fused']:.1f}",
                     f"{1 / t['bf16']:.1f}", f"{t['before'] / t['fused']:.2f}x", f"{t['before'] / t['bf16']:.2f}x",
                     f"{flops / t['fused'] / rates['fp32 step']:.2f}", f"{flops / t['bf16'] / rates['bf16 step']:.2f}",
                     f"{1 / t['1 thread']:.1f}", f"{pair['fp32']:.1f}", f"{pair['bf16']:.1f}",
                     f"{pair['bf16'] / pair['fp32']:.2f}x", f"{steps_per_epoch * t['before']:.0f} / {steps_per_epoch * best:.0f}",
                     f"{epochs}: {epochs * steps_per_epoch * t['before'] / 60:.1f} / "
                     f"{epochs * steps_per_epoch * best / 60:.1f}"])
        print(f"perf: {name}: " + ", ".join(f"{k} {1 / v:.1f} steps/s" for k, v in t.items()) +
              ", two workers " + ", ".join(f"{k} {v:.1f}" for k, v in pair.items()), file=sys.stderr)
    return rows, pairs


# -- Parzen ---------------------------------------------------------------------------------------

def parzen_two_pass_float64(samples: np.ndarray, valid: np.ndarray, test: np.ndarray, sigmas) -> float:
    """The straightforward reference: float64 numpy, every sigma on the validation images, then the
    chosen sigma on the test images (scipy's logsumexp)."""
    def ll(x, sigma_list):
        d2 = (x ** 2).sum(1)[:, None] + (samples ** 2).sum(1)[None, :] - 2 * x @ samples.T
        return np.stack([logsumexp(-d2 / (2 * s * s), axis=1) - math.log(len(samples))
                         - x.shape[1] * math.log(s * math.sqrt(2 * math.pi)) for s in sigma_list], 1)

    best = sigmas[int(ll(valid, sigmas).mean(0).argmax())]
    return float(ll(test, [best])[:, 0].mean())


def parzen_one_pass_float64(samples: torch.Tensor, valid: torch.Tensor, test: torch.Tensor, sigmas) -> float:
    """The harness's approach before: one pass, float64, every sigma for the validation and test
    images alike (a running log-sum-exp per image and sigma)."""
    x = torch.cat([valid, test]).double()
    mu = samples.double()
    inv = [1.0 / (2 * s * s) for s in sigmas]
    run_max = torch.full((len(x), len(sigmas)), -math.inf, dtype=torch.float64)
    run_sum = torch.zeros_like(run_max)
    x_sq, mu_sq = x.pow(2).sum(1, keepdim=True), mu.pow(2).sum(1)
    for i in range(0, len(x), 2000):
        rows = slice(i, i + 2000)
        dist = (x_sq[rows] + mu_sq - 2.0 * x[rows] @ mu.T).clamp_min_(0.0)
        for j in range(len(sigmas)):
            a = dist * -inv[j]
            new_max = torch.maximum(run_max[rows, j], a.max(1).values)
            run_sum[rows, j] = run_sum[rows, j] * torch.exp(run_max[rows, j] - new_max) + \
                torch.exp(a - new_max[:, None]).sum(1)
            run_max[rows, j] = new_max
    log_norm = torch.tensor([x.shape[1] * math.log(s * math.sqrt(2 * math.pi)) for s in sigmas], dtype=torch.float64)
    ll = run_max + run_sum.log() - math.log(len(mu)) - log_norm
    best = int(ll[: len(valid)].mean(0).argmax())
    return float(ll[len(valid):, best].mean())


def parzen_images(n_samples: int, n_valid: int, n_test: int):
    """MNIST's validation and test images when cached (and its training images as the 'samples':
    a realistic spread of distances); uniform noise otherwise."""
    try:
        from aae.data import load_dataset

        data = load_dataset("mnist")
        if len(data.x_train) >= n_samples:
            return (data.floats("train")[:n_samples], data.floats("valid")[:n_valid], data.floats("test")[:n_test],
                    "MNIST (training images as samples)")
    except Exception:  # noqa: BLE001  (no MNIST here: the timing does not depend on the pixels)
        pass
    g = torch.Generator().manual_seed(0)
    return (torch.rand(n_samples, 784, generator=g), torch.rand(n_valid, 784, generator=g),
            torch.rand(n_test, 784, generator=g), "uniform noise")


def parzen_rows(n_samples: int, n_valid: int, n_test: int, repeats: int, rates: dict) -> tuple[list, str]:
    samples, valid, test, what = parzen_images(n_samples, n_valid, n_test)
    sigmas = list(DEFAULT_SIGMAS)
    ours = parzen_evaluate([samples], valid, test, sigmas)
    t_ours = timed(lambda: parzen_evaluate([samples], valid, test, sigmas), repeats)
    t_two = timed(lambda: parzen_two_pass_float64(samples.double().numpy(), valid.double().numpy(),
                                                  test.double().numpy(), sigmas), max(1, repeats // 2))
    t_one = timed(lambda: parzen_one_pass_float64(samples, valid, test, sigmas), max(1, repeats // 2))
    exact = parzen_one_pass_float64(samples, valid, test, sigmas)
    gemm_flops = 2 * (n_valid + n_test) * n_samples * 784
    rows = [["float32, two passes (ours)", f"{t_ours:.2f}", "1.00x", f"{gemm_flops / t_ours / rates['fp32 parzen']:.2f}",
             f"{ours.test_mean:.4f}"],
            ["float64 numpy, two passes (reference)", f"{t_two:.2f}", f"{t_two / t_ours:.1f}x", "-", "-"],
            ["float64, one pass, every sigma on both sets (before)", f"{t_one:.2f}", f"{t_one / t_ours:.1f}x", "-",
             f"{exact:.4f}"]]
    note = (f"{n_samples:,} samples x ({n_valid:,} valid + {n_test:,} test images) x 784, {len(sigmas)} sigmas, on "
            f"{what}; ours minus the float64 path: {ours.test_mean - exact:+.5f} nats")
    return rows, note


def _parzen_child(n_samples: int, queue) -> None:
    _, valid, test, _ = parzen_images(10, 1000, 10_000)

    def blocks():
        g = torch.Generator().manual_seed(0)
        return (torch.rand(min(10_000, n_samples - i), 784, generator=g) for i in range(0, n_samples, 10_000))

    t0 = time.perf_counter()
    parzen_evaluate(blocks, valid, test)
    queue.put((time.perf_counter() - t0, peak_resident_mb()))


def peak_resident_mb() -> float:
    """This process's own high-water mark (VmHWM). Not getrusage's ru_maxrss, which a spawned
    child inherits from its parent's size at fork time."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parzen_scaling(counts: list[int]) -> list[list]:
    """Wall time and peak resident memory of a whole evaluation (fresh process each), model
    sampling replaced by uniform noise; the last two counts give the slope to 10M."""
    ctx = multiprocessing.get_context("spawn")
    rows, points = [], []
    for n in counts:
        queue = ctx.Queue()
        p = ctx.Process(target=_parzen_child, args=(n, queue))
        p.start()
        seconds, peak_mb = queue.get()
        p.join()
        points.append((n, seconds))
        rows.append([f"{n:,}", f"{seconds:.1f}", f"{peak_mb:.0f}"])
        print(f"perf: parzen at {n:,} samples: {seconds:.1f} s, peak {peak_mb:.0f} MB", file=sys.stderr)
    (n0, t0), (n1, t1) = points[-2], points[-1]
    slope = (t1 - t0) / (n1 - n0)
    rows.append(["10,000,000 (extrapolated)", f"{t1 + slope * (10_000_000 - n1):.0f}",
                 f"(slope {slope * 1e6:.1f} s per million samples)"])
    return rows


def main(argv=None) -> int:
    p = OneLineParser(prog="benchmarks.machine.perf", description=__doc__,
                      formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny sizes and one repeat: checks the script, measures nothing")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--repeats", type=positive_int, default=5)
    p.add_argument("--steps", type=positive_int, default=10, help="updates per timed repeat")
    p.add_argument("--results-dir", type=Path, default=Path("results"))
    args = p.parse_args(argv)
    return guarded(p.prog, lambda: measure_all(args, argv))


def measure_all(args, argv) -> int:
    check_writable(args.results_dir, "results directory")  # before minutes of measuring, not after
    started = time.time()
    repeats, steps = (1, 1) if args.quick else (args.repeats, args.steps)
    models = args.models[:1] if args.quick else args.models
    n_samples, n_valid, n_test = (500, 50, 100) if args.quick else (10_000, 1000, 10_000)

    rates = {"fp32 step": gemm_rate(torch.float32, 100, 1000, 1000, repeats),
             "bf16 step": gemm_rate(torch.bfloat16, 100, 1000, 1000, repeats),
             "fp32 parzen": gemm_rate(torch.float32, 2000, 784, 10_000 if not args.quick else 500, repeats)}
    print("perf: GEMM " + ", ".join(f"{k} {v / 1e9:.0f} GFLOP/s" for k, v in rates.items()), file=sys.stderr)
    train, pairs = training_rows(models, steps, repeats, rates)
    one_pass = one_pass_speedups(models, device_choice().precision, steps, repeats)
    precision_table = precision_rows(models, pairs, one_pass)
    mmd = mmd_rows(repeats, 100 if args.quick else recipe("gmmn_ae", "cpu").training.batch_size)
    parzen, parzen_note = parzen_rows(n_samples, n_valid, n_test, repeats, rates)
    scaling = parzen_scaling([20_000, 40_000] if args.quick else [100_000, 1_000_000])

    lines = ["# Performance on this machine", "",
             "Generated by `aae-bench`; do not edit by hand: re-run the command below to change it.", "",
             tabulate([["command", f"`python -m benchmarks.machine.perf {' '.join(argv if argv is not None else sys.argv[1:])}`"],
                       ["git sha", git_sha()], ["date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")],
                       ["device", device_name("cpu")], ["torch", torch.__version__],
                       ["CPU features", cpu_features()], ["precision=auto here", device_choice().line()],
                       ["GEMM rates measured now", ", ".join(f"{k} {v / 1e9:.0f} GFLOP/s" for k, v in rates.items())],
                       ["this command's wall time", f"{(time.time() - started) / 60:.1f} min"]],
                      headers=["", ""], tablefmt="github"), "",
             "## Training step (cpu budget's config, paper's layer sizes)", "",
             tabulate(train, headers=["Model", "GFLOP/step", "steps/s before", "steps/s fused", "steps/s bf16",
                                      "fused / before", "bf16 / before", "fused rate / fp32 GEMM",
                                      "bf16 rate / bf16 GEMM", "steps/s 1 thread", "steps/s 2 workers fp32",
                                      "steps/s 2 workers bf16", "bf16 / fp32, 2 workers", "s/epoch before / best",
                                      "cpu epochs: min/run before / best"], tablefmt="github",
                      disable_numparse=True), "",
             f"Median of {repeats} repeats of {steps} updates. `fused` is the default; `bf16` (`precision=bf16`) is "
             "what the cpu budget's precision=auto computes in where the CPU has native bfloat16, for the models "
             f"whose 5-seed tables under it matched fp32's within the seed spread ({', '.join(auto_models(models))}); "
             "`--set precision=bf16` forces it for the others. "
             "`1 thread`: one worker alone on one thread; `2 workers`: the machine's steps/s with two one-thread "
             "workers training at once (a table's `--workers 2`). Rates / GEMM: the step's FLOP rate over this machine's matrix-product "
             "rate at a step's shapes (1 = every cycle in GEMMs).", "",
             "## Precision of the cpu budget on this machine", "",
             tabulate(precision_table, headers=["Model", "cpu budget asks", "computes in here", "why",
                                                "epochs: bf16 / fp32 budget", "steps/s 2 workers fp32",
                                                "steps/s 2 workers bf16", "bf16 / fp32",
                                                "a run's training: fp32 budget / bf16 budget",
                                                "a run's training here, min (one of 2 workers)", "one-pass D / two-pass"],
                      tablefmt="github", disable_numparse=True), "",
             "`auto` resolves to bf16 on a CPU with amx_bf16 or avx512_bf16 and to fp32 on one without them "
             "(aae/precision.py); an auto model's fp32 budget trains fewer epochs (`FP32_CPU_EPOCHS` in benchmarks/recipes.py), sized by "
             "time so every table fits 90 minutes on two workers on the slowest CPU without bf16 measured: "
             "`fp32 budget / bf16 budget` is the time of a run's training "
             "updates in the fp32 budget on this CPU over the bf16 budget's, both at the two-worker rates measured "
             "here. `a run's training here`: the minutes of a run's training updates in the precision chosen here, on one "
             "of two workers training at once (half the two-worker rate; a table of N runs takes about N/2 of them, "
             "plus each epoch's validation curve and the final evaluations). `one-pass D`: the discriminator "
             "reads prior samples and codes in one batch instead of two (a lever measured here, not adopted: "
             "it changes every adversarial run's numbers), in the precision chosen here.", "",
             "GMMN+AE's generator loss, MMD^2 of 1,000 generated vs 1,000 real 32-D codes on three kernels, "
             "forward and backward (`baselines/gmmn.py`):", "",
             tabulate(mmd, headers=["Implementation", "ms", "slower than ours", "MMD^2"], tablefmt="github",
                      disable_numparse=True), "",
             "## Parzen window", "",
             tabulate(parzen, headers=["Implementation", "seconds", "slower than ours", "GEMM rate / fp32 GEMM",
                                       "test mean (nats)"], tablefmt="github", disable_numparse=True), "",
             parzen_note, "",
             "Whole evaluations in a fresh process (sampling replaced by noise; 1,000 valid + 10,000 test images):", "",
             tabulate(scaling, headers=["samples", "seconds", "peak resident MB"], tablefmt="github",
                      disable_numparse=True), ""]
    out = args.results_dir / page_name(args.quick, device_choice())
    io.write_text(out, "\n".join(lines))
    print("\n".join(lines))
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
