"""The recipes table (benchmarks/recipes.py) and the two configs of a run: every model has a valid
recipe at every budget, each setting lands in the config that owns it, and a run's identity does
not depend on whether its record holds the configs apart or as one flat dict."""
import dataclasses

import pytest

from aae.errors import UserError
from aae.experiment.spec import JobSpec
from aae.experiment.training_config import FIELDS, TrainingConfig
from aae.models.registry import model_names
from benchmarks.recipes import BUDGETS, RECIPES, recipe


@pytest.mark.parametrize("budget", BUDGETS)
def test_every_registered_model_has_a_valid_recipe_at_every_budget(budget):
    assert set(RECIPES) == set(model_names())
    for name in model_names():
        r = recipe(name, budget)  # validated inside: a bad field would be one UserError
        assert isinstance(r.training, TrainingConfig)
        assert not {f.name for f in dataclasses.fields(r.model)} & set(FIELDS), name  # nothing set in two places


def test_each_change_lands_in_the_config_that_has_its_field():
    r = recipe("ssaae", "smoke", changes={"z_dim": 4}, overrides=["epochs=7", "disc_noise=0.3"])
    assert (r.model.z_dim, r.model.disc_noise, r.training.epochs) == (4, 0.3, 7)
    assert recipe("ssaae", "smoke", dataset="svhn").model.z_dim == 20  # the dataset's change (DATASET_CHANGES)
    assert recipe("ssaae", "smoke", dataset="svhn", overrides=["z_dim=5"]).model.z_dim == 5  # the user's comes last
    with pytest.raises(UserError, match="bad override 'nonsense=1': use key=value with key one of hidden, .*epochs"):
        recipe("ssaae", "smoke", overrides=["nonsense=1"])
    with pytest.raises(UserError, match="ae_epochs=5 must not exceed epochs=2"):  # a check across the two configs
        recipe("gmmn_ae", "smoke", overrides=["ae_epochs=5"])


def test_a_record_with_one_flat_config_is_the_same_run_as_one_with_the_configs_apart():
    r = recipe("clustering_aae", "cpu", changes={"n_clusters": 16}, overrides=["precision=bf16"])
    spec = JobSpec("table3", "clustering_aae", r.model, r.training, "mnist", "none", 0, 7, "cpu", variant="16")
    apart = spec.to_dict()
    flat = {k: v for k, v in apart.items() if k != "training"} | {"config": {**apart["config"], **apart["training"]}}
    assert JobSpec.from_dict(apart) == spec == JobSpec.from_dict(flat)
    assert "lr_schedule" not in spec.settings()  # a late field at its default is no setting of the run
    assert JobSpec.from_dict(flat).run_id == spec.run_id
    scheduled = dataclasses.replace(spec, training=dataclasses.replace(spec.training, lr_schedule="cosine"))
    assert scheduled.run_id != spec.run_id and scheduled.settings()["lr_schedule"] == "cosine"
