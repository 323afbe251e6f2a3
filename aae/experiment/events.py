"""TensorBoard event files for one run, in `runs/<hash>/tensorboard/<readable name>/`.

`tensorboard --logdir runs` then lists every run as `<hash>/tensorboard/table2-aae-mnist-100-trial0`
(table, row, dataset, labelled setting, trial), so a table's runs sit side by side and its
regex filter picks a table, a model or a trial.

What is logged: after every epoch, each value of the epoch's line in metrics.jsonl (losses under
`train/`, the validation curve's scores, whose names start with "valid", under `validation/`),
at step = epoch; at the end, a grid of samples (models that sample) or of test reconstructions.

The events are a copy of the run's history, never a source: they are rewritten from the
checkpoint's history whenever a run starts or resumes, so a run killed between its events and
its checkpoint leaves no duplicated step, and writing them draws no random number and changes
no loss, weight or run id. $AAE_TENSORBOARD=0 (the commands' --no-tensorboard) turns them off;
a writer that fails says so once and the run trains on without it.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import torch

TENSORBOARD_ENV = "AAE_TENSORBOARD"  # "0": no event files (inherited by workers and SLURM jobs)
FOLDER = "tensorboard"
GRID_IMAGES = 64  # 8 x 8 samples, or 32 test images above their 32 reconstructions


def enabled() -> bool:
    return os.environ.get(TENSORBOARD_ENV, "1") != "0"


def run_name(spec) -> str:
    """table-row-dataset-setting-trialN, in characters every filesystem and shell takes."""
    parts = [spec.benchmark, spec.row, spec.dataset, spec.setting, f"trial{spec.trial}"]
    return "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", str(p)) for p in parts)


def tag(key: str) -> str:
    return f"validation/{key}" if key.startswith("valid") else f"train/{key}"


class RunEvents:
    """One run's writer. Use as a context manager; every method is a no-op once disabled."""

    def __init__(self, run_path: Path, spec, history: list[dict]):
        self.folder = Path(run_path) / FOLDER
        self.log_dir = self.folder / run_name(spec)
        self.writer = None
        if not enabled():
            return
        self._guard(self._open, history)

    def _open(self, history: list[dict]) -> None:
        from torch.utils.tensorboard import SummaryWriter  # imported here: ~1 s, paid only by training

        shutil.rmtree(self.folder, ignore_errors=True)  # a copy of the history: rewritten, never appended to
        self.writer = SummaryWriter(log_dir=str(self.log_dir))
        for row in history:
            self._scalars(row)

    def _guard(self, write, *args) -> None:
        try:
            write(*args)
        except Exception as e:  # noqa: BLE001  (events are a view; the run never fails for them)
            print(f"TensorBoard events in {self.log_dir} stopped ({type(e).__name__}: {e}); the run goes on",
                  file=sys.stderr, flush=True)
            self.close()

    def _scalars(self, row: dict) -> None:
        for key, value in row.items():
            if key != "epoch":
                self.writer.add_scalar(tag(key), value, global_step=row["epoch"])

    def epoch(self, row: dict) -> None:
        """One epoch's line of metrics.jsonl, after its checkpoint."""
        if self.writer is not None:
            self._guard(self._scalars, row)
            self._guard(self.writer.flush)

    def final_images(self, model, data, seed: int, step: int) -> None:
        """A grid of the trained model's samples, or of test images above their reconstructions."""
        if self.writer is not None:
            self._guard(self._images, model, data, seed, step)

    def _images(self, model, data, seed: int, step: int) -> None:
        from torchvision.utils import make_grid

        shape = tuple(data.image_shape)
        with torch.no_grad(), torch.random.fork_rng(devices=[]):  # the global RNGs come back untouched
            if "samples" in model.capabilities:
                name, flat = "samples", model.sample(GRID_IMAGES, torch.Generator(model.device).manual_seed(seed))
            elif "reconstructs" in model.capabilities:
                x = data.floats("test", model.device)[:GRID_IMAGES // 2]
                name, flat = "test_reconstructions", torch.cat([x, model.reconstruct(x)])
            else:
                return
        images = flat.detach().float().cpu().clamp(0, 1).reshape(-1, *shape)
        self.writer.add_image(name, make_grid(images, nrow=8, padding=1), global_step=step)
        self.writer.flush()

    def close(self) -> None:
        writer, self.writer = self.writer, None
        if writer is not None:
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    def __enter__(self) -> "RunEvents":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
