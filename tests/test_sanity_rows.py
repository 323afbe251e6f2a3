"""Table 1's sanity rows as pseudo-models: centres made from the training images, the same for
every evaluation of a run, run and scored like any model."""
import pytest
import torch

from aae.data.synthetic import make_synthetic
from aae.errors import UserError
from aae.models.base import DataInfo
from aae.models.registry import get_model
from benchmarks import table1
from benchmarks.recipes import recipe


def built(name, seed, x):
    torch.manual_seed(seed)  # as the training loop does before building a model
    model = get_model(name).cls(recipe(name, "cpu").model, DataInfo(784, 10, len(x), 0), "cpu")
    model.set_training_images(x)
    return model


def test_the_training_images_row_is_the_last_n_images_whatever_the_noise():
    x = make_synthetic().floats("train")
    model = built("training_images", 0, x)
    a = model.sample(50, torch.Generator().manual_seed(1))
    assert torch.equal(a, x[-50:]) and torch.equal(a, model.sample(50, torch.Generator().manual_seed(2)))


def test_kmeans_centroids_come_from_the_runs_seed_and_survive_a_checkpoint():
    x = make_synthetic().floats("train")
    a = built("kmeans_centroids", 0, x).sample(40)
    assert a.shape == (40, 784) and torch.equal(a, built("kmeans_centroids", 0, x).sample(40))
    assert not torch.equal(a, built("kmeans_centroids", 1, x).sample(40))
    loaded = built("kmeans_centroids", 1, x)
    loaded.load_state_dict(built("kmeans_centroids", 0, x).state_dict())
    assert torch.equal(loaded.sample(40), a)
    # each centroid is the mean of the images nearest it: inside their range (to rounding), and
    # mostly none of them
    assert a.min() > -1e-6 and a.max() < 1 + 1e-6 and (torch.cdist(a, x).min(dim=1).values > 1e-3).float().mean() > 0.5


def test_more_centres_than_training_images_is_a_clear_error():
    x = make_synthetic().floats("train")
    with pytest.raises(UserError, match=f"the training set has {len(x)} images"):
        built("training_images", 0, x).sample(len(x) + 1)


def test_a_sanity_row_is_not_applicable_beyond_the_training_set_size():
    ten_k, ten_m = table1.parzen_column("mnist", 10_000), table1.parzen_column("mnist", 10_000_000)
    specs = table1.make_specs(models=["kmeans_centroids", "aae"], columns=[ten_k, ten_m], seeds=2, budget="smoke",
                              overrides=[])
    kmeans = [s for s in specs if s.model == "kmeans_centroids"]
    assert len(kmeans) == 2 and all(s.evals == ("parzen@10000",) for s in kmeans)
    assert all(s.evals == ("parzen@10000", "parzen@10000000") for s in specs if s.model == "aae")
    assert table1.applies("kmeans_centroids", ten_k) and not table1.applies("kmeans_centroids", ten_m)
    images = table1.make_specs(models=["training_images"], columns=[ten_k], seeds=5, budget="smoke", overrides=[])
    assert len(images) == 1  # one run: it has no seed to vary
