"""What a run's TensorBoard events cost (aae/experiment/events.py), as a share of the epoch they log.

    python -m benchmarks.machine.events_cost            # about a minute on 2 cores
    python -m benchmarks.machine.events_cost --quick    # seconds: fewer steps, to check the script runs

For each AAE-family model of the tables, in the same run: one training epoch at the cpu budget
(steps/s of `update()` on MNIST-shaped batches, two threads, the precision this machine chooses,
times the epoch's steps: the reference), and the events of one epoch: opening the writer (import
included, once a run), the epoch's scalars, and the final image grid, the last two spread over
the run's epochs. The share is (events per epoch) / (epoch). Measure on an idle machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass

import torch
from tabulate import tabulate

from aae.experiment.batches import epoch_steps
from aae.experiment.events import RunEvents
from aae.precision import device_choice
from aae.provenance import cpu_features
from benchmarks.machine.perf import MNIST_TRAIN, fresh_model, step_seconds
from benchmarks.recipes import recipe

MODELS = ("aae", "ssaae", "clustering_aae", "dimred_aae")


@dataclass(frozen=True)
class StandInSpec:
    benchmark: str = "events_cost"
    row: str = "model"
    dataset: str = "mnist"
    setting: str = "all"
    trial: int = 0


class StandInData:
    image_shape = (1, 28, 28)

    def floats(self, split: str, device) -> torch.Tensor:
        return torch.rand(64, 784, device=device)


def events_seconds(name: str, epochs: int, folder: str) -> tuple[float, float, float]:
    """Seconds to open a run's writer, to write one epoch's scalars (median of 20), and to write the
    final grid of a fresh `name` model."""
    model, _, batch = fresh_model(name, fused=True)
    row = {"epoch": 1, **{k: float(v) for k, v in model.update(batch).items()}, "valid_error": 12.5}
    t0 = time.perf_counter()
    events = RunEvents(folder, StandInSpec(row=name), [])
    opened = time.perf_counter() - t0
    per_epoch = []
    for epoch in range(1, 21):
        t0 = time.perf_counter()
        events.epoch({**row, "epoch": epoch})
        per_epoch.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    events.final_images(model, StandInData(), seed=0, step=epochs)
    events.close()
    return opened, statistics.median(per_epoch), time.perf_counter() - t0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks.machine.events_cost", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="20 steps per timing instead of 100")
    args = p.parse_args(argv)
    torch.set_num_threads(2)
    choice, steps = device_choice(), 20 if args.quick else 100
    print(f"CPU: {cpu_features()}; {choice.line()}", file=sys.stderr)
    rows = []
    for name in MODELS:
        training = recipe(name, "cpu").training
        epoch = step_seconds(name, True, choice.precision, steps, repeats=3) * epoch_steps(training, MNIST_TRAIN)
        with tempfile.TemporaryDirectory() as folder:
            opened, scalars, grid = events_seconds(name, training.epochs, folder)
        per_epoch = scalars + (opened + grid) / training.epochs
        rows.append([name, f"{epoch:.1f}", f"{opened * 1e3:.0f}", f"{scalars * 1e3:.2f}", f"{grid * 1e3:.0f}",
                     training.epochs, f"{per_epoch / epoch:.3%}"])
    print(tabulate(rows, headers=["model", "epoch (s)", "open writer (ms, once)", "scalars (ms/epoch)",
                                  "final grid (ms, once)", "epochs", "events / epoch"], tablefmt="github"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
