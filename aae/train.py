"""One job, start to finish: build the model, train epoch by epoch with a checkpoint after each,
evaluate, write the record. Killed at any point, it resumes from the last checkpoint and ends
with the same numbers (bit-identical on CPU) as a run never interrupted. A finished run asked
for an evaluation its record lacks is scored from its final checkpoint, not trained again.
"""
from __future__ import annotations

import math
import os
import random
import signal
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from aae import io
from aae.data import load_dataset
from aae.data.subsets import labelled_indices, parse_setting
from aae.eval import evaluate
from aae.batches import epoch_batches
from aae.provenance import provenance
from aae.models.base import DataInfo
from aae.registry import get_model
from aae.runs import RunDir
from aae.seeds import subset_seed
from aae.spec import JobSpec

# Test hook: SIGKILL this process right after the checkpoint of this epoch (kill-and-resume tests).
KILL_AFTER_EPOCH_ENV = "AAE_KILL_AFTER_EPOCH"


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def build_model(spec: JobSpec, data, device):
    """The spec's model, freshly initialised from its seed, and the labelled indices it trains on."""
    labelled = labelled_indices(data.y_train, parse_setting(spec.setting), data.n_classes,
                                subset_seed(spec.dataset, spec.setting, spec.trial))
    _seed_everything(spec.seed)  # model init, dropout and noise draw from the global RNGs, saved in checkpoints
    mean, std = data.pixel_stats()
    info = DataInfo(data.input_dim, data.n_classes, len(data.x_train), len(labelled), mean, std)
    return get_model(spec.model).cls(spec.config, info, device), labelled


def _load_final(spec: JobSpec, run: RunDir, data, device):
    model, _ = build_model(spec, data, device)
    model.load_state_dict(torch.load(run.checkpoint, map_location=device, weights_only=False)["model"])
    return model


def load_trained(spec: JobSpec, runs_root: Path, data_dir=None):
    """The final model of a finished run (for figures), with its dataset."""
    run = RunDir(runs_root, spec)
    if not run.is_done():
        raise RuntimeError(f"{spec.describe()} has not finished (state: {run.state}) in {run.path}")
    data = load_dataset(spec.dataset, data_dir)
    return _load_final(spec, run, data, default_device()), data


def _evaluate(spec: JobSpec, model, data, device, names) -> tuple[dict, float]:
    t0 = time.perf_counter()
    metrics = {}
    for name in names:
        metrics.update(evaluate(name, model, data, device, spec.seed))
    return metrics, time.perf_counter() - t0


def _add_evaluations(spec: JobSpec, run: RunDir, data_dir) -> dict:
    """Score a finished run under the evaluations its record lacks; the record is replaced
    atomically, so a failed evaluation leaves the finished run as it was."""
    record, done, missing = run.read_record(), run.evaluated(), run.missing_evaluations()
    if not missing:
        return record
    device = default_device()
    data = load_dataset(spec.dataset, data_dir)
    metrics, seconds = _evaluate(spec, _load_final(spec, run, data, device), data, device, missing)
    record = {**record, "metrics": {**record["metrics"], **metrics}, "evaluated": [*done, *missing],
              "eval_wall_time_s": record["eval_wall_time_s"] + seconds}
    run.finish(record)
    return record


def run_job(spec: JobSpec, runs_root: Path, data_dir=None, progress: bool = True) -> dict:
    """Train and evaluate one spec in runs_root/<hash>/; returns its record. A finished run is not
    trained again: it returns at once, or after the evaluations its record lacks."""
    run = RunDir(runs_root, spec)
    if run.is_done():
        return _add_evaluations(spec, run, data_dir)
    run.start()
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = default_device()
    origin = provenance(device)  # now, not at the end: the code that trains is the code loaded now
    data = load_dataset(spec.dataset, data_dir)
    model, labelled = build_model(spec, data, device)
    cfg = spec.config
    x, y = data.floats("train", device), data.labels("train", device)
    steps = cfg.steps_per_epoch or len(x) // cfg.batch_size

    start_epoch, history, wall = 0, [], 0.0
    if run.checkpoint.exists():
        ckpt = torch.load(run.checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        _set_rng_state(ckpt["rng"])
        start_epoch, history, wall = ckpt["epoch"], ckpt["history"], ckpt["wall_time"]
        # one line in the job's log (a requeued SLURM job's only trace of where it picked up)
        print(f"{spec.describe()}: resuming after epoch {start_epoch} of {cfg.epochs}", file=sys.stderr, flush=True)

    bar = tqdm(range(start_epoch, cfg.epochs), initial=start_epoch, total=cfg.epochs, leave=False,
               desc=spec.describe(), disable=not progress, unit="epoch")
    for epoch in bar:
        t0 = time.perf_counter()
        sums: dict[str, float] = defaultdict(float)
        for batch in epoch_batches(model.streams, x, y, labelled, cfg.batch_size, steps, spec.seed, epoch):
            for k, v in model.update(batch).items():
                sums[k] += v
        wall += time.perf_counter() - t0
        history.append({"epoch": epoch + 1, **{k: v / steps for k, v in sums.items()}})
        bad = [k for k, v in history[-1].items() if not math.isfinite(v)]
        if bad:  # a diverged run must fail, not end in a number
            raise FloatingPointError(f"non-finite {', '.join(bad)} in epoch {epoch + 1}")
        io.torch_save(run.checkpoint, {"epoch": epoch + 1, "model": model.state_dict(), "rng": _rng_state(),
                                       "history": history, "wall_time": wall})
        io.write_jsonl(run.metrics, history)
        bar.set_postfix({k: f"{v:.3g}" for k, v in history[-1].items() if k != "epoch"})
        if os.environ.get(KILL_AFTER_EPOCH_ENV) == str(epoch + 1):
            os.kill(os.getpid(), signal.SIGKILL)

    metrics, eval_seconds = _evaluate(spec, model, data, device, spec.evals)
    record = {
        "spec": spec.to_dict(),
        "metrics": metrics,
        "evaluated": list(spec.evals),
        "epochs": cfg.epochs,
        "train_wall_time_s": wall,
        "eval_wall_time_s": eval_seconds,
        "labelled_indices": "all" if spec.setting == "all" else labelled.tolist(),
        "provenance": origin,
    }
    run.finish(record)
    return record
