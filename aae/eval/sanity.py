"""Parzen centres that are not model samples, to show how the metric behaves (Theis et al. 2016):
the training images themselves, and k-means centroids of the training set. Table 1's sanity rows
(aae/models/sanity.py) are made of these.
"""
from __future__ import annotations

import torch


def last_training_images(data, n: int) -> torch.Tensor:
    """The last n images of the training split (never the validation images that choose sigma)."""
    return data.floats("train")[-n:]


def kmeans_centroids(images: torch.Tensor, n: int, seed: int, max_iter: int = 10) -> torch.Tensor:
    """n k-means centroids of the images (random initial centres, not k-means++, whose n
    sequential passes cost more than the iterations themselves at n = 10,000; 10 iterations:
    about 80 s for MNIST on 2 cores)."""
    from sklearn.cluster import KMeans  # here, not at the top: its import costs every command 1.5 s

    fit = KMeans(n_clusters=n, init="random", n_init=1, max_iter=max_iter, random_state=seed)
    fit.fit(images.cpu().numpy())
    return torch.from_numpy(fit.cluster_centers_.astype("float32"))
