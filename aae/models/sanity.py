"""Table 1's sanity rows as pseudo-models (Theis et al. 2016, "A note on the evaluation of
generative models"): their "samples" are made from the training images, not learned, and they go
through the run store, the evaluation registry and the records like every row.

- `training_images`: the last N training images (never the validation images that choose sigma).
  A model that merely memorised its data would score like this row. One run: it has no seed.
- `kmeans_centroids`: N k-means centroids of the training images, fitted from the run's seed. They
  are blurry averages, yet in 784-D they outscore the data itself under Parzen (Theis et al.),
  which is why Table 1 shows FID and precision/recall beside it.

Their training is one empty step (the loop's checkpoint then holds what a later scoring needs:
the seed). `sample(n, generator)` ignores the generator: the centres depend only on the data and
the run's seed, the same set for Parzen and for FID.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from aae.errors import UserError
from aae.models.base import DataInfo, Model
from aae.models.registry import register_model


def kmeans_centroids(images: torch.Tensor, n: int, seed: int, max_iter: int = 10) -> torch.Tensor:
    """n k-means centroids of the images (random initial centres, not k-means++, whose n
    sequential passes cost more than the iterations themselves at n = 10,000; 10 iterations:
    about 80 s for MNIST on 2 cores)."""
    from sklearn.cluster import KMeans  # here, not at the top: its import costs every command 1.5 s

    fit = KMeans(n_clusters=n, init="random", n_init=1, max_iter=max_iter, random_state=seed)
    fit.fit(images.cpu().numpy())
    return torch.from_numpy(fit.cluster_centers_.astype("float32"))


@dataclass(frozen=True)
class CentresConfig:
    kmeans_iterations: int = 10  # k-means only: random initial centres, then this many Lloyd steps


class DataCentres(Model):
    """N centres made from the training images on first use, kept for the rest of a scoring."""
    capabilities = frozenset({"samples"})

    streams = ("unlabelled",)
    learns = False  # nothing is trained: the tests of learning and of the sampling noise skip it
    one_trial = False  # True where no seed changes the centres: one run is then the row

    def __init__(self, config: CentresConfig, info: DataInfo, device="cpu"):
        self.config, self._device = config, torch.device(device)
        self.nets, self.optimizers = nn.ModuleDict(), {}
        self.seed = int(torch.randint(0, 2**31 - 1, ()))  # from the run's seed: the loop seeds the RNGs first
        self._images: torch.Tensor | None = None
        self._made: dict[int, torch.Tensor] = {}

    @property
    def device(self) -> torch.device:
        return self._device

    def set_training_images(self, x: torch.Tensor) -> None:
        self._images = x

    def update(self, batch):
        return {}

    def state_dict(self) -> dict:
        return {"seed": self.seed}

    def load_state_dict(self, state: dict) -> None:
        self.seed, self._made = int(state["seed"]), {}

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        if self._images is None:
            raise RuntimeError("set_training_images() first: the centres are made from the training images")
        if n > len(self._images):
            raise UserError(f"{n:,} centres asked for: the training set has {len(self._images):,} images")
        if n not in self._made:
            self._made[n] = self.make(n)
        return self._made[n]

    def make(self, n: int) -> torch.Tensor:
        raise NotImplementedError


@register_model("training_images", CentresConfig, title="Training images (last N) ‡")
class TrainingImages(DataCentres):
    one_trial = True

    def make(self, n: int) -> torch.Tensor:
        return self._images[-n:]


@register_model("kmeans_centroids", CentresConfig, title="k-means centroids (N) ‡")
class KMeansCentroids(DataCentres):
    def make(self, n: int) -> torch.Tensor:
        return kmeans_centroids(self._images, n, self.seed, self.config.kmeans_iterations).to(self._device)
