"""Known answers for Table 1's sample-quality metrics and their feature network (issue 14)."""
import pytest
import torch

from aae.data import load_dataset
from aae.errors import UserError
from aae.eval import EvalContext, evaluate
from aae.eval import features as feature_module
from aae.eval import quality as quality_module
from aae.eval.features import feature_network, train_feature_net
from aae.eval.quality import fid, kid, prdc, quality_of_features, scaled_features


def gaussian_features(n=2000, d=16, seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_fid_of_a_set_against_itself_is_zero_and_grows_with_added_noise():
    real = gaussian_features()
    assert fid(real, real) == pytest.approx(0.0, abs=1e-6)
    noise = gaussian_features(seed=1)
    scores = [fid(real, real + s * noise) for s in (0.1, 0.3, 1.0)]
    assert scores[0] > 1e-5 and scores == sorted(scores)
    # closed form for N(0, I) against N(0, (1 + s^2) I) in d dimensions: d (sqrt(1 + s^2) - 1)^2
    assert scores[2] == pytest.approx(16 * (2 ** 0.5 - 1) ** 2, rel=0.15)


def test_kid_is_near_zero_for_one_distribution_and_clearly_positive_for_another():
    a, b = gaussian_features(seed=0), gaussian_features(seed=1)
    same, _ = kid(a, b, seed=0)
    shifted, _ = kid(a, b + 1.0, seed=0)
    assert abs(same) < 0.2 * shifted and shifted > 1.0
    assert kid(a, b, seed=0) == kid(a, b, seed=0)  # the subsets come from the seed, not the caller's RNG


def test_precision_and_recall_of_identical_sets_are_one():
    real = gaussian_features(n=500)
    out = prdc(real, real.clone())
    assert out["precision"] == pytest.approx(1.0) and out["recall"] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def synthetic_ctx(tmp_path_factory):
    data = load_dataset("synthetic")
    return EvalContext(data=data, device=torch.device("cpu"), seed=0, cache=tmp_path_factory.mktemp("cache"))


def test_a_set_of_a_few_classes_has_high_precision_and_low_recall(synthetic_ctx):
    data = synthetic_ctx.data
    test = data.floats("test")
    few = test[torch.as_tensor(data.y_test) < 3]
    out = quality_of_features("prdc", scaled_features(few, synthetic_ctx), synthetic_ctx)
    key = f"prdc@{len(few)}"
    assert out[f"{key}_precision"] > 0.9 and out[f"{key}_recall"] < 0.5
    everything = quality_of_features("prdc", scaled_features(data.floats("train")[-len(test):], synthetic_ctx),
                                     synthetic_ctx)
    assert everything[f"prdc@{len(test)}_recall"] > 0.8


def test_the_feature_network_is_trained_once_deterministically_and_checked(synthetic_ctx, monkeypatch, capsys):
    data, cache = synthetic_ctx.data, synthetic_ctx.cache
    net, card = feature_network(data, cache)
    assert card["test_accuracy"] >= 0.9 and len(card["sha256"]) == 64
    assert len(list(cache.glob("feature_net-synthetic-*.pt"))) == 1
    again, _ = train_feature_net(data)  # from the fixed seed: the same weights
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), again.state_dict().values()))

    def no_training(*args, **kwargs):
        raise AssertionError("trained again instead of loading the cached network")

    monkeypatch.setattr(feature_module, "train_feature_net", no_training)
    loaded, loaded_card = feature_network(data, cache)
    assert loaded_card == card
    monkeypatch.setitem(feature_module.MIN_ACCURACY, "synthetic", 1.01)
    with pytest.raises(UserError, match="below the 101% its metrics need"):
        feature_network(data, cache)
    monkeypatch.undo()
    weights = next(cache.glob("feature_net-synthetic-*.pt"))
    state = torch.load(weights, weights_only=True)
    state["head.bias"] += 1.0
    torch.save(state, weights)
    card_file = weights.with_suffix(".json")
    for damage in ("weights changed", "card not json"):  # a derived file: set aside, trained again from its seed
        if damage == "card not json":
            card_file.write_text("{not json")
        retrained, retrained_card = feature_network(data, cache)
        assert retrained_card["sha256"] == card["sha256"], damage
        err = capsys.readouterr().err
        assert f"feature network {weights} or its card {card_file} is damaged" in err, damage
        assert weights.with_name(weights.name + ".damaged").exists()
    weights.unlink()  # the other tests of this module train it again


def fresh(ctx: EvalContext) -> EvalContext:
    """The same run's context in a later process: nothing memoised."""
    return EvalContext(data=ctx.data, device=ctx.device, seed=ctx.seed, cache=ctx.cache)


class Copier:  # "samples" = training images, drawn by the generator it is given; counts its calls
    def __init__(self, data):
        self.data, self.calls = data, 0

    def sample(self, n, generator):
        self.calls += 1
        x = self.data.floats("train")
        return x[torch.randint(len(x), (n,), generator=generator)]


def test_sample_quality_evaluations_score_a_model_and_the_same_samples_later(synthetic_ctx):
    data = synthetic_ctx.data
    first = evaluate("fid@100", Copier(data), fresh(synthetic_ctx))
    assert set(first) == {"fid@100"} and first == evaluate("fid@100", Copier(data), fresh(synthetic_ctx))
    assert set(evaluate("kid@100", Copier(data), fresh(synthetic_ctx))) == {"kid@100", "kid@100_sd"}


def test_fid_kid_and_prdc_of_one_scoring_draw_and_feature_the_samples_once(synthetic_ctx, monkeypatch):
    data, names = synthetic_ctx.data, ("fid@100", "kid@100", "prdc@100")
    apart = {}
    for name in names:  # each in its own scoring, as before the memo
        apart.update(evaluate(name, Copier(data), fresh(synthetic_ctx)))
    featured = []
    monkeypatch.setattr(quality_module, "features_of",
                        lambda net, x: featured.append(len(x)) or feature_module.features_of(net, x))
    model, ctx = Copier(data), fresh(synthetic_ctx)
    together = {}
    for name in names:
        together.update(evaluate(name, model, ctx))
    assert model.calls == 1 and featured == [100]
    assert together == apart  # the same samples, so the same numbers
