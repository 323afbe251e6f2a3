"""Minibatch order, a pure function of (seed, epoch): a run resumed at an epoch boundary draws
exactly the batches the uninterrupted run would have drawn, with no sampler state to save."""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from aae.seeds import derive_seed


def epoch_steps(training, n_train: int) -> int:
    """Updates per epoch: the training config's steps_per_epoch, or 0 = one pass over the training images."""
    return training.steps_per_epoch or n_train // training.batch_size


def loop_plan(training, n_train: int) -> dict[str, int]:
    """The training loop's plan as DataInfo's fields, for a model whose stages are counted in
    epochs (GMMN+AE): the epochs, and the updates in each."""
    return {"epochs": training.epochs, "updates_per_epoch": epoch_steps(training, n_train)}


def _stream(pool: np.ndarray, n_batches: int, batch_size: int, seed: int) -> np.ndarray:
    """n_batches x batch_size indices from `pool`: successive shuffles of it, cut into batches.
    A pool smaller than a batch (100 labels, batch 100) is simply reshuffled as often as needed."""
    rng = np.random.default_rng(seed)
    need = n_batches * batch_size
    order = np.concatenate([rng.permutation(pool) for _ in range(-(-need // len(pool)))])
    return order[:need].reshape(n_batches, batch_size)


def epoch_batches(streams, x: torch.Tensor, y: torch.Tensor, labelled: np.ndarray, batch_size: int,
                  steps: int, seed: int, epoch: int) -> Iterator[dict[str, torch.Tensor]]:
    """`steps` minibatches: "x" from every training image, "x_lab"/"y_lab" from the labelled ones."""
    # the epoch's indices go to the data's device once: a host index per step would be a copy from
    # pageable memory each update, which makes the host wait for the device (a sync per step)
    unl = torch.from_numpy(_stream(np.arange(len(x)), steps, batch_size,
                                   derive_seed(seed, "unlabelled", epoch))).to(x.device) \
        if "unlabelled" in streams else None
    lab = torch.from_numpy(_stream(labelled, steps, batch_size, derive_seed(seed, "labelled", epoch))).to(x.device) \
        if "labelled" in streams else None
    for i in range(steps):
        batch = {}
        if unl is not None:
            batch["x"] = x[unl[i]]
        if lab is not None:
            batch["x_lab"], batch["y_lab"] = x[lab[i]], y[lab[i]]
        yield batch
