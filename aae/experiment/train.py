"""One job, start to finish: build the model, train epoch by epoch with a checkpoint after each,
evaluate, write the record. Killed at any point, it resumes from the last checkpoint and ends
with the same numbers (bit-identical on CPU) as a run never interrupted. A finished run asked
for an evaluation its record lacks is scored from its final checkpoint, not trained again.
"""
from __future__ import annotations

import contextlib
import math
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from aae import io
from aae.data import load_dataset
from aae.data.subsets import labelled_indices, parse_setting
from aae.errors import DiskFull, EvaluationFailed, UserError, line_of
from aae.eval import EVALUATIONS, EvalContext, evaluate, is_curve
from aae.experiment import checkpoints
from aae.experiment.batches import epoch_batches, epoch_steps, loop_plan
from aae.experiment.events import RunEvents
from aae.experiment.run_dir import DamagedRunFile, RunDir, damaged
from aae.experiment.schedules import apply_schedule
from aae.experiment.spec import JobSpec
from aae.models.base import DataInfo
from aae.models.registry import get_model
from aae.precision import device_choice, device_type
from aae.provenance import provenance
from aae.seeds import subset_seed

# Test hook: SIGKILL this process right after the checkpoint of this epoch (kill-and-resume tests).
KILL_AFTER_EPOCH_ENV = "AAE_KILL_AFTER_EPOCH"


def default_device() -> torch.device:
    """The device every run, evaluation and figure of a command uses: $AAE_DEVICE (the commands'
    --device, inherited by worker processes and SLURM jobs) if set, else cuda when available."""
    return torch.device(device_type())


def _rng_state() -> dict:
    """Every RNG's state as tensors, ints and tuples: what torch.load(weights_only=True) accepts."""
    kind, key, pos, has_gauss, cached = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "python": random.getstate(),
             "numpy": {"kind": kind, "key": torch.from_numpy(key.astype(np.int64)), "pos": int(pos),
                       "has_gauss": int(has_gauss), "cached_gaussian": float(cached)}}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["kind"], n["key"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached_gaussian"]))
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def precision_context(precision: str, device):
    """bf16: matrix products in bfloat16 under autocast, weights and optimizer state in float32.
    The cast cache is off: an update steps several optimizers, and a cached bfloat16 copy would
    keep the weights from before an earlier phase's step."""
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=precision == "bf16",
                          cache_enabled=False)


@contextlib.contextmanager
def denormals_flushed(enabled: bool):
    """Subnormal floats read and written as zero while inside (x86 FTZ/DAZ of the calling thread,
    which is all of a run's arithmetic at one thread a worker, as the tables train), then the
    default again: only for the models that ask for it (Model.flush_denormals), so every other
    model trains bit for bit as before."""
    if not enabled:
        yield
        return
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


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
    info = DataInfo(data.input_dim, data.n_classes, len(data.x_train), len(labelled), mean, std,
                    **loop_plan(spec.training, len(data.x_train)))
    return get_model(spec.model).cls(spec.config, info, device), labelled


def _load_final(spec: JobSpec, run: RunDir, data, device):
    missing = run.missing_weights()
    if missing:
        raise UserError(missing)
    model, _ = build_model(spec, data, device)
    _load_weights(model, checkpoints.load(run.checkpoint, device)["model"], run.checkpoint, spec.model)
    model.set_training_images(data.floats("train", device))  # as in training (the sanity rows' centres need them)
    return model


def load_trained(spec: JobSpec, runs_root: Path, data_dir=None):
    """The final model of a finished run (for figures), with its dataset."""
    run = RunDir(runs_root, spec)
    if not run.is_done():
        raise UserError(f"{spec.describe()} has not finished (state: {run.state}) in {run.path}")
    data = load_dataset(spec.dataset, data_dir)
    return _load_final(spec, run, data, default_device()), data


def _context(spec: JobSpec, run: RunDir, data, device) -> EvalContext:
    """An evaluation's context; derived artefacts go to `cache/` beside the run directories."""
    return EvalContext(data=data, device=device, seed=spec.seed, cache=run.path.parent / "cache")


def _evaluate(ctx: EvalContext, model, names) -> tuple[dict, dict[str, float], dict[str, str]]:
    """The metrics of every evaluation named, each one's wall time (s; a table's header shows what
    an expensive one, Parzen at 10M samples, cost), and why each failed one failed. A failure stays
    with its own evaluation: a damaged feature network fails FID's columns, not Parzen's."""
    metrics, seconds, errors = {}, {}, {}
    for name in names:
        t0 = time.perf_counter()
        try:
            found = evaluate(name, model, ctx)
            bad = [k for k, v in found.items() if not math.isfinite(v)]
            if bad:  # a NaN is never a result: the evaluation fails and says so
                raise FloatingPointError(f"non-finite {', '.join(bad)} in the evaluation")
        except (DiskFull, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001  (any evaluation's own failure)
            errors[name] = failure_reason(e)
            continue
        metrics.update(found)
        seconds[name] = time.perf_counter() - t0
    return metrics, seconds, errors


def _keep_failures(run: RunDir, errors: dict[str, str]) -> None:
    """Each failed evaluation's cause beside the finished run (its columns show it; the next
    command tries it again); then EvaluationFailed, so the job reports it."""
    for name, reason in errors.items():
        run.fail_evaluations([name], reason)
    if errors:
        raise EvaluationFailed("; ".join(f"evaluation {name}: {reason}" for name, reason in errors.items()))


def _add_evaluations(spec: JobSpec, run: RunDir, data_dir) -> dict:
    """Score a finished run under the evaluations its record lacks; the record is replaced
    atomically, so a failed evaluation leaves the finished run as it was."""
    record, done, missing = run.read_record(), run.evaluated(), run.missing_evaluations()
    if not missing:
        return record
    device = default_device()
    data = load_dataset(spec.dataset, data_dir)
    try:
        model = _load_final(spec, run, data, device)
    except Exception as e:
        run.fail_evaluations(missing, failure_reason(e))
        raise
    metrics, seconds, errors = _evaluate(_context(spec, run, data, device), model, missing)
    if seconds:
        record = {**record, "metrics": {**record["metrics"], **metrics}, "evaluated": [*done, *seconds],
                  "eval_wall_time_s": record["eval_wall_time_s"] + sum(seconds.values()),
                  "eval_seconds": {**record.get("eval_seconds", {}), **seconds}}  # absent in runs made before it
        run.finish(record)
    _keep_failures(run, errors)
    return record


def _curve_point(spec: JobSpec, model, ctx: EvalContext) -> dict[str, float]:
    """The learning curve's scores after an epoch (validation images only; no RNG is drawn, so
    the training that follows is the same with or without a curve)."""
    point = {}
    for name in spec.curve:
        if not is_curve(name):
            raise UserError(f"{name!r} cannot be a learning curve: it reads test images; use one of "
                            f"{', '.join(k for k, e in EVALUATIONS.items() if e.curve)}")
        point.update(evaluate(name, model, ctx))
    return point


def failure_reason(e: BaseException) -> str:
    """The one line a table shows for a failed run. A NaN that reached a loss's input check reads
    as the divergence it is, not as a complaint about the input."""
    last = line_of(e)
    if "should be between 0 and 1" in last:  # binary_cross_entropy's check, tripped by NaN outputs
        return f"diverged: non-finite values in training ({type(e).__name__}: {last})"
    return f"{type(e).__name__}: {last}"


def run_job(spec: JobSpec, runs_root: Path, data_dir=None, progress: bool = True) -> dict:
    """Train and evaluate one spec in runs_root/<hash>/; returns its record. A finished run is not
    trained again: it returns at once, or after the evaluations its record lacks. Raises RunBusy
    when another process holds the run."""
    run = RunDir(runs_root, spec)
    problem = run.folder_problem()
    if problem:  # never written into, never claimed: the user moves it away
        raise DamagedRunFile(problem)
    if run.is_complete():
        return run.read_record()
    with run.claim():
        if run.is_done():  # checked again under the lock: another process may have finished it
            return _add_evaluations(spec, run, data_dir)
        run.warn_if_damaged()
        try:
            return _train(spec, run, data_dir, progress)
        except (DiskFull, EvaluationFailed):
            raise  # not the run's fault (marking it would need the disk) / the run finished: only its evaluation failed
        except Exception as e:
            run.fail(failure_reason(e), traceback.format_exc())  # under the lock: no other owner yet
            raise


def _load_weights(model, state: dict, path: Path, name: str) -> None:
    """A checkpoint's weights into `model`; a DamagedRunFile naming `path` when they are another
    model's (the right file format, the wrong weights: the model may then be half filled)."""
    try:
        model.load_state_dict(state)
    except (KeyError, RuntimeError, ValueError, TypeError) as e:
        raise damaged(path, f"its weights do not fit {name} ({type(e).__name__})") from None


def _epoch_problem(ckpt: dict, epochs: int) -> str | None:
    """Why a checkpoint's epoch and history cannot be this run's (None when they can)."""
    epoch, history = ckpt["epoch"], ckpt["history"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch <= epochs:
        return f"its epoch {epoch!r} is not one of this run's 1-{epochs}"
    if not isinstance(history, list) or len(history) != epoch:
        return f"its history does not hold one line per epoch up to {epoch}"
    return None


def _resume_point(spec: JobSpec, run: RunDir, model, device, data_fingerprint: str) -> dict | None:
    """The checkpoint to resume from, its weights already in `model`, or None to start afresh.
    A damaged checkpoint, or one that is not this run's, is set aside (kept as
    checkpoint.pt.damaged for inspection) and the run starts again from its seed."""
    if not run.checkpoint.exists():
        return None
    try:
        ckpt = checkpoints.load(run.checkpoint, device)
        problem = _epoch_problem(ckpt, spec.training.epochs)
        if problem:
            raise damaged(run.checkpoint, problem)
        _load_weights(model, ckpt["model"], run.checkpoint, spec.model)
    except DamagedRunFile as e:
        print(f"{e}; {spec.describe()} starts again from epoch 0", file=sys.stderr, flush=True)
        checkpoints.set_aside(run.checkpoint)
        return None
    if ckpt.get("data", data_fingerprint) != data_fingerprint:
        raise UserError(f"the {spec.dataset} data differ from those {run.checkpoint} was trained on "
                        f"(fingerprint {ckpt['data']} != {data_fingerprint}); delete {run.path} to train afresh")
    threads, before = torch.get_num_threads(), ckpt.get("thread_history", [None])[-1]
    if before not in (None, threads):  # CPU float sums depend on the thread count
        print(f"{spec.describe()}: resuming with {threads} threads after {before}: the result will "
              "match neither uninterrupted run bit for bit", file=sys.stderr, flush=True)
    return ckpt


def _one_epoch(spec: JobSpec, model, x, y, labelled, steps: int, epoch: int, device) -> dict[str, float]:
    """One epoch of updates at this epoch's rates; the mean of each loss over its steps."""
    cfg = spec.training
    sums: dict[str, torch.Tensor] = {}  # on the device: read once per epoch, not once per step
    apply_schedule(model.optimizers, cfg.lr_schedule, epoch, cfg.epochs)
    with denormals_flushed(model.flush_denormals):  # once an epoch: the curve after it keeps IEEE
        for batch in epoch_batches(model.streams, x, y, labelled, cfg.batch_size, steps, spec.seed, epoch):
            with precision_context(cfg.precision, device):
                losses = model.update(batch)
            for k, v in losses.items():  # float64, as Python floats summed them before
                v = torch.as_tensor(v).detach().to(torch.float64)
                sums[k] = sums[k] + v if k in sums else v
    return {k: float(v) / steps for k, v in sums.items()}


def _record(spec: JobSpec, data, labelled, metrics, eval_seconds, wall, threads, fingerprint, origin) -> dict:
    """A finished run's record.json: what it trained, scored, took, and ran on."""
    return {
        "spec": spec.to_dict(),
        "metrics": metrics,
        "evaluated": list(eval_seconds),
        "epochs": spec.training.epochs,
        "train_wall_time_s": wall,
        "eval_wall_time_s": sum(eval_seconds.values()),
        "eval_seconds": eval_seconds,
        "labelled_indices": "all" if spec.setting == "all" else labelled.tolist(),
        "data": {"name": data.name, "fingerprint": fingerprint, "n_train": len(data.x_train),
                 "n_valid": len(data.x_valid), "n_test": len(data.x_test)},
        "threads": sorted(set(threads)),
        "provenance": origin,
    }


def _train(spec: JobSpec, run: RunDir, data_dir, progress: bool) -> dict:
    run.start()
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = default_device()
    origin = provenance(device)  # now, not at the end: the code that trains is the code loaded now
    data = load_dataset(spec.dataset, data_dir)
    model, labelled = build_model(spec, data, device)
    cfg = spec.training
    choice = device_choice()
    if cfg.precision == "bf16" and choice.precision == "fp32":  # forced, or a spec built on another machine
        print(f"{spec.describe()}: computes in bf16 as its spec says, though this device would choose "
              f"{choice.line()}", file=sys.stderr, flush=True)
    x, y = data.floats("train", device), data.labels("train", device)
    steps = epoch_steps(cfg, len(x))

    fingerprint = data.fingerprint()
    start_epoch, history, wall, threads = 0, [], 0.0, [torch.get_num_threads()]
    had_checkpoint = run.checkpoint.exists()
    ckpt = _resume_point(spec, run, model, device, fingerprint)
    if ckpt is None and had_checkpoint:  # set aside: a failed load may have half-filled the model
        model, labelled = build_model(spec, data, device)
    if ckpt is not None:
        _set_rng_state(ckpt["rng"])
        start_epoch, history, wall = ckpt["epoch"], ckpt["history"], ckpt["wall_time"]
        threads = [*ckpt.get("thread_history", []), torch.get_num_threads()]
        # one line in the job's log (a requeued SLURM job's only trace of where it picked up)
        print(f"{spec.describe()}: resuming after epoch {start_epoch} of {cfg.epochs}", file=sys.stderr, flush=True)

    model.set_training_images(x)
    with RunEvents(run.path, spec, history) as events:  # rewritten from the history: a resume duplicates no step
        bar = tqdm(range(start_epoch, cfg.epochs), initial=start_epoch, total=cfg.epochs, leave=False,
                   desc=spec.describe(), disable=not progress, unit="epoch")
        for epoch in bar:
            t0 = time.perf_counter()
            losses = _one_epoch(spec, model, x, y, labelled, steps, epoch, device)
            wall += time.perf_counter() - t0
            history.append({"epoch": epoch + 1, **losses, **_curve_point(spec, model, _context(spec, run, data, device))})
            bad = [k for k, v in history[-1].items() if not math.isfinite(v)]
            if bad:  # a diverged run must fail, not end in a number
                raise FloatingPointError(f"non-finite {', '.join(bad)} in epoch {epoch + 1}")
            checkpoints.save(run.checkpoint, {"epoch": epoch + 1, "model": model.state_dict(), "rng": _rng_state(),
                                           "history": history, "wall_time": wall, "data": fingerprint,
                                           "thread_history": threads})
            io.write_jsonl(run.metrics, history)
            events.epoch(history[-1])
            bar.set_postfix({k: f"{v:.3g}" for k, v in history[-1].items() if k != "epoch"})
            if os.environ.get(KILL_AFTER_EPOCH_ENV) == str(epoch + 1):
                os.kill(os.getpid(), signal.SIGKILL)

        if start_epoch == cfg.epochs:  # re-scoring a finished run (its log may be why): the log comes back
            io.write_jsonl(run.metrics, history)
        metrics, eval_seconds, eval_errors = _evaluate(_context(spec, run, data, device), model, spec.evals)
        events.final_images(model, data, spec.seed, cfg.epochs)
    record = _record(spec, data, labelled, metrics, eval_seconds, wall, threads, fingerprint, origin)
    run.finish(record)
    _keep_failures(run, eval_errors)
    return record
