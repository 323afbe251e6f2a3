"""Parzen centres that are not model samples, to show how the metric behaves (Theis et al. 2016,
"A note on the evaluation of generative models"): the training images themselves, and k-means
centroids of the training set. A model that merely memorised its data would score like the
first; the second is blurry averages of images, yet Theis et al. found it scores higher than
the data itself in 784-D, which is why Table 1's numbers say little about sample quality.
"""
from __future__ import annotations

import numpy as np
import torch

KINDS = ("training_images", "kmeans_centroids")


def last_training_images(data, n: int) -> torch.Tensor:
    """The last n images of the training split (never the validation images that choose sigma)."""
    return data.floats("train")[-n:]


def kmeans_centroids(data, n: int, seed: int, max_iter: int = 10) -> torch.Tensor:
    """n k-means centroids of the training images (random initial centres, not k-means++, whose
    n sequential passes cost more than the iterations themselves at n = 10,000; 10 iterations:
    about 80 s for MNIST on 2 cores)."""
    from sklearn.cluster import KMeans  # here, not at the top: it costs every table1 command 1.5 s of import

    x = data.x_train.astype(np.float32) / 255.0
    fit = KMeans(n_clusters=n, init="random", n_init=1, max_iter=max_iter, random_state=seed).fit(x)
    return torch.from_numpy(fit.cluster_centers_.astype(np.float32))


def centres(kind: str, data, n: int, seed: int) -> torch.Tensor:
    if kind == "training_images":
        return last_training_images(data, n)
    if kind == "kmeans_centroids":
        return kmeans_centroids(data, n, seed)
    raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
