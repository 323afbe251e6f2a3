"""`--estimate`: what a table's runs will cost, before any of them starts.

For each distinct model config of the table, a fresh process makes a few updates of a new model
on random batches of the dataset's shape, on the device and with the threads a run would get
(warm-up updates excluded), in the precision the run computes in. A model whose updates cost
differently in stages (GMMN+AE's autoencoder, then its generator) is timed per stage
(`Model.cost_stages`). Then, per run: epochs x updates per epoch / updates per second.

With several local workers, as many processes time their updates at once, since runs that share
the machine slow each other. What it leaves out, so it reads low: the per-epoch validation curve
and the final evaluations (Table 1's Parzen and sample metrics, minutes at 10M samples).
"""
from __future__ import annotations

import math
import multiprocessing
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

import torch
from tabulate import tabulate

from aae.experiment.batches import epoch_steps, loop_plan
from aae.experiment.spec import JobSpec
from aae.experiment.training_config import TrainingConfig

WARMUP_UPDATES = 3
TIMED_UPDATES = 20
SLURM_MARGIN = 1.25  # a job's time limit over the estimate: the estimate reads low (above)
SLURM_EXTRA_MIN = 10  # start-up, data loading, evaluations


@dataclass(frozen=True)
class Workload:
    """One thing to time: a model's config and its training config on a dataset's shape."""

    model: str
    config: Any
    training: TrainingConfig
    input_dim: int
    n_classes: int
    n_train: int


# (stage name, share of the run's updates, updates per second) for each stage of a workload
Rates = list[tuple[str, float, float]]


def _time_one(w: Workload, device: str, warmup: int, timed: int, barrier=None) -> Rates:
    from aae.models.base import DataInfo
    from aae.models.registry import get_model
    from aae.experiment.train import denormals_flushed, precision_context

    torch.manual_seed(0)
    pixels = torch.full((w.input_dim,), 0.5)
    info = DataInfo(w.input_dim, w.n_classes, w.n_train, min(w.n_train, 1000), pixels * 0.3, pixels * 0.6,
                    **loop_plan(w.training, w.n_train))
    bs = w.training.batch_size
    batch = {"x": torch.rand(bs, w.input_dim, device=device), "x_lab": torch.rand(bs, w.input_dim, device=device),
             "y_lab": torch.randint(0, w.n_classes, (bs,), device=device)}
    rates = []
    for stage, share in get_model(w.model).cls(w.config, info, device).cost_stages():
        model = get_model(w.model).cls(w.config, info, device)
        images = torch.rand(w.n_train, w.input_dim, device=device)
        model.set_training_images(images)  # as the training loop does before the first update
        model.enter_stage(stage, images)
        for n in (warmup, timed):
            if barrier is not None and n == timed:  # the workers' timed updates run at once, as in a table
                barrier.wait()
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            with denormals_flushed(model.flush_denormals):  # as the training loop runs them
                for _ in range(n):
                    with precision_context(w.training.precision, device):
                        model.update(batch)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
        rates.append((stage, share, timed / (time.perf_counter() - t0)))
    return rates


def _child(workloads: list[Workload], device: str, threads: int, warmup: int, timed: int, queue, barrier) -> None:
    torch.set_num_threads(threads)
    try:
        queue.put([_time_one(w, device, warmup, timed, barrier) for w in workloads])
    except BaseException as e:  # noqa: BLE001  (the parent says what failed, in one line)
        if barrier is not None:
            barrier.abort()  # the other workers stop waiting for this one
        queue.put(e)


def measure(workloads: list[Workload], device: str, threads: int, warmup: int = WARMUP_UPDATES,
            timed: int = TIMED_UPDATES, workers: int = 1) -> list[Rates]:
    """Each workload's rates (a run's own, not the machine's), timed in fresh processes (spawned:
    nothing of this one's state): `workers` of them stepping at once where a table's runs share
    the machine, since they slow each other (the memory bus, the caches); their mean."""
    ctx = multiprocessing.get_context("spawn")
    queue, barrier = ctx.Queue(), ctx.Barrier(workers) if workers > 1 else None
    children = [ctx.Process(target=_child, args=(workloads, device, threads, warmup, timed, queue, barrier))
                for _ in range(workers)]
    for child in children:
        child.start()
    results = [queue.get() for _ in children]
    for child in children:
        child.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [[(stage, share, sum(r[i][j][2] for r in results) / workers) for j, (stage, share, _) in enumerate(rates)]
            for i, rates in enumerate(results[0])]


@dataclass(frozen=True)
class Line:
    row: str
    dataset: str
    runs: int
    epochs: int
    updates_per_epoch: int
    updates_per_second: float  # over the run's stages
    hours_per_run: float

    @property
    def hours(self) -> float:
        return self.runs * self.hours_per_run


def plan(specs: list[JobSpec], n_train: Callable[[str], int], input_shape: Callable[[str], tuple[int, int]],
         rates_of: Callable[[list[Workload]], list[Rates]]) -> list[Line]:
    """One line per (row, dataset): its runs, and each run's hours at the timed rates."""
    groups: dict[tuple[str, str], list[JobSpec]] = {}
    for spec in specs:
        groups.setdefault((spec.row, spec.dataset), []).append(spec)
    workloads = []
    for (row, dataset), members in groups.items():
        dim, classes = input_shape(dataset)
        workloads.append(Workload(members[0].model, members[0].config, members[0].training, dim, classes, n_train(dataset)))
    lines = []
    for ((row, dataset), members), w, rates in zip(groups.items(), workloads, rates_of(workloads)):
        seconds_per_update = sum(share / rate for _, share, rate in rates)
        steps = epoch_steps(w.training, w.n_train)
        lines.append(Line(row, dataset, len(members), w.training.epochs, steps, 1 / seconds_per_update,
                          w.training.epochs * steps * seconds_per_update / 3600))
    return lines


def slurm_timeout_min(hours_per_run: float) -> int:
    """A job's --timeout-min: the estimate with a margin, rounded up to 10 minutes."""
    return int(math.ceil((hours_per_run * 60 * SLURM_MARGIN + SLURM_EXTRA_MIN) / 10) * 10)


def report(lines: list[Line], how: str, executor: str, workers: int, timeout_min: int | None) -> str:
    """The estimate as a table and its totals, for the terminal."""
    table = tabulate([[ln.row, ln.dataset, ln.runs, ln.epochs, ln.updates_per_epoch, f"{ln.updates_per_second:.1f}",
                       _hours(ln.hours_per_run), _hours(ln.hours), slurm_timeout_min(ln.hours_per_run)]
                      for ln in lines],
                     headers=["row", "dataset", "runs", "epochs", "updates/epoch", "updates/s", "per run", "all runs",
                              "--timeout-min"], tablefmt="github")
    total = sum(ln.hours for ln in lines)
    longest = max((ln.hours_per_run for ln in lines), default=0.0)
    out = [f"estimate ({how}; training updates only: curves and evaluations not counted)",
           table, f"total: {_hours(total)} of training in {sum(ln.runs for ln in lines)} runs"]
    if executor == "slurm":
        need = slurm_timeout_min(longest)
        if timeout_min and timeout_min < need:
            requeues = math.ceil(need / timeout_min) - 1
            out.append(f"slurm: the longest run needs about --timeout-min {need}; at --timeout-min {timeout_min} "
                       f"submitit requeues it about {requeues} time(s), each resuming from its last checkpoint")
        else:
            out.append(f"slurm: a job per run; --timeout-min {need} covers the longest run "
                       "(a partition with a shorter limit requeues it from its last checkpoint)")
    else:
        wall = max(total / workers, longest)
        out.append(f"{executor}, {workers} worker(s): about {_hours(wall)} of wall time")
    return "\n".join(out)


def _hours(h: float) -> str:
    if h < 1 / 60:
        return f"{h * 3600:.1f} s"
    return f"{h * 60:.1f} min" if h < 1 else f"{h:.2f} h"


def threads_per_run(executor: str, workers: int, cpus_per_task: int | None) -> int:
    """The threads a run trains with: a local worker's share of the cores, or the SLURM job's CPUs."""
    if executor == "slurm":
        return cpus_per_task or (os.cpu_count() or 1)
    return max(1, (os.cpu_count() or 1) // workers)
