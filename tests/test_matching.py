"""How well codes match their prior (issue 31's measures): known answers for each measure, and
the curve every AAE-family run records without changing what it trains."""
import pytest
import torch

from aae.data import load_dataset
from aae.eval import EvalContext, evaluate
from aae.eval.matching import code_measures, std_ratio, usage
from aae.models import MatchedCode
from aae.models.base import DataInfo
from aae.models.registry import get_model
from aae.reporting.tables import Column
from benchmarks.recipes import recipe
from benchmarks.specs import grid

K = 16


def categorical_prior(n, generator):
    return torch.nn.functional.one_hot(torch.randint(K, (n,), generator=generator), K).float()


def gaussian_prior(n, generator):
    return torch.randn(n, 2, generator=generator)


def radius_judge(z, generator):
    """A fixed 'discriminator' that calls a point real when it lies inside radius 3."""
    return 3.0 - z.norm(dim=1)


def test_prior_samples_against_the_prior_score_as_matched():
    g = torch.Generator().manual_seed(0)
    y = MatchedCode("y", categorical_prior(5000, g), categorical_prior, lambda v, g: v[:, 0] - 0.5, categorical=True)
    z = MatchedCode("z", gaussian_prior(5000, g), gaussian_prior, lambda v, g: v[:, 0])
    found = code_measures(y, g) | code_measures(z, g)
    assert found["match_y_entropy"] > 0.99 and found["match_y_empty"] == 0 and found["match_y_confidence"] == 1.0
    assert found["match_z_energy"] < 0.05 and found["match_z_std_ratio"] == pytest.approx(1.0, abs=0.05)
    # a judge that cannot tell the two apart is right half the time, whatever rule it follows
    assert found["match_y_disc_acc"] == pytest.approx(0.5, abs=0.03)
    assert found["match_z_disc_acc"] == pytest.approx(0.5, abs=0.03)


def test_a_collapsed_categorical_code_is_flagged():
    q = torch.full((1000, K), 0.2 / (K - 1))
    q[:, 3] = 0.8
    entropy, empty = usage(q)
    assert entropy == 0.0 and empty == K - 1
    found = code_measures(MatchedCode("y", q, categorical_prior, lambda v, g: v.max(1).values - 0.9, categorical=True),
                          torch.Generator().manual_seed(0))
    assert found["match_y_confidence"] == pytest.approx(0.8)
    assert found["match_y_disc_acc"] == 1.0  # the prior is one-hot, these codes never are


def test_a_code_far_wider_than_its_prior_is_flagged():
    g = torch.Generator().manual_seed(1)
    wide = 30 * gaussian_prior(5000, g)
    found = code_measures(MatchedCode("z", wide, gaussian_prior, radius_judge), g)
    assert found["match_z_std_ratio"] == pytest.approx(30, rel=0.05)
    assert found["match_z_energy"] > 3
    assert found["match_z_disc_acc"] > 0.95


def test_half_the_categories_used_alike_is_an_entropy_of_one_half_in_base_k():
    q = torch.nn.functional.one_hot(torch.arange(4000) % 4, K).float()  # 4 of 16 categories, equally
    entropy, empty = usage(q)
    assert entropy == pytest.approx(0.5) and empty == 12
    assert std_ratio(torch.tensor([[0.0], [2.0]]), torch.tensor([[0.0], [1.0]])) == pytest.approx(2.0)


@pytest.fixture(scope="module")
def synthetic():
    return load_dataset("synthetic")


@pytest.mark.parametrize("model", ["aae", "ssaae", "clustering_aae", "dimred_aae", "supervised_aae"])
def test_every_aae_model_scores_its_codes_and_leaves_the_rng_alone(model, synthetic):
    data = synthetic
    torch.manual_seed(0)
    mean, std = data.pixel_stats()
    info = DataInfo(data.input_dim, data.n_classes, len(data.x_train), len(data.x_train), mean, std)
    net = get_model(model).cls(recipe(model, "smoke", overrides=["disc_noise=0.3"]).model, info, "cpu")
    ctx = EvalContext(data=data, device=torch.device("cpu"), seed=7)
    before = torch.get_rng_state()
    first = evaluate("matching", net, ctx)
    assert torch.equal(torch.get_rng_state(), before)  # the curve never shifts the training's draws
    assert first == evaluate("matching", net, ctx)  # its own draws come from the run's seed
    has_y = model in ("ssaae", "clustering_aae", "dimred_aae")
    assert {k.split("_")[1] for k in first} == ({"y", "z"} if has_y else {"z"})
    assert all(0.0 <= first[k] <= 1.0 for k in first if k.endswith(("disc_acc", "entropy", "confidence")))


def test_only_the_aae_family_records_the_matching_curve():
    specs = grid("table2", models=["ssaae", "nn_baseline"], columns=[Column("synthetic", "100", "100")], seeds=1,
                 budget="smoke", overrides=[], evals=("classification",), curve=("valid_error",))
    curves = {s.model: s.curve for s in specs}
    assert curves == {"ssaae": ("valid_error", "matching"), "nn_baseline": ("valid_error",)}
