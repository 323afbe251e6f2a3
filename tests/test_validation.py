"""aae/validation.py on its own: the rules by field name every config gets, a config's own
cross-field checks, and the one line that names every bad field; and a run's identity
(aae/experiment/spec.py): what changes its id and what does not."""
import dataclasses
from typing import ClassVar

import pytest

from aae.errors import UserError
from aae.experiment.spec import JobSpec
from aae.validation import check_config, problems_of
from benchmarks.recipes import recipe


@dataclasses.dataclass(frozen=True)
class Toy:
    epochs: int = 2
    steps_per_epoch: int = 0
    lr: float = 1e-3
    momentum: float = 0.9
    disc_noise: float = 0.0
    hidden: tuple = (8, 8)
    prior: str = "gaussian"
    z_dim: int = 2
    choices: ClassVar[dict] = {"prior": ("gaussian", "mixture")}

    def problems(self):
        return ["a mixture needs z_dim=2"] if self.prior == "mixture" and self.z_dim != 2 else []


@pytest.mark.parametrize("change, says", [
    ({"epochs": 0}, "epochs=0 must be at least 1"),
    ({"steps_per_epoch": -1}, "steps_per_epoch=-1 must be at least 0"),
    ({"lr": float("nan")}, "lr=nan is not a finite number"),
    ({"lr": 0.0}, "lr=0.0 must be positive"),
    ({"momentum": 1.0}, "momentum=1.0 must lie in [0, 1)"),
    ({"disc_noise": -0.1}, "disc_noise=-0.1 must be at least 0"),
    ({"hidden": ()}, "hidden=[] needs at least one entry"),
    ({"hidden": (8, 0)}, "hidden=[8, 0]: every entry must be a positive integer"),
    ({"prior": "uniform"}, "prior='uniform' is not one of gaussian, mixture"),
])
def test_each_rule_names_the_field_and_its_value(change, says):
    assert problems_of(Toy()) == [] and problems_of(dataclasses.replace(Toy(), **change)) == [says]


def test_cross_field_checks_run_only_once_every_field_is_valid_alone():
    assert problems_of(Toy(prior="mixture", z_dim=3)) == ["a mixture needs z_dim=2"]
    assert problems_of(Toy(prior="mixture", z_dim=3, lr=-1.0)) == ["lr=-1.0 must be positive"]


def test_check_config_is_one_line_naming_every_bad_field_of_both_configs():
    r = recipe("ssaae", "smoke")
    with pytest.raises(UserError) as e:
        check_config("ssaae", dataclasses.replace(r.model, z_dim=0), dataclasses.replace(r.training, epochs=0))
    assert str(e.value) == "invalid config for ssaae: z_dim=0 must be at least 1; epochs=0 must be at least 1"


def test_a_run_id_follows_what_trains_the_model_and_nothing_else():
    r = recipe("ssaae", "smoke")
    spec = JobSpec("table2", "ssaae", r.model, r.training, "mnist", "100", 0, 7, "smoke")
    same = [dataclasses.replace(spec, evals=("classification", "parzen@100")),  # scored later, same model
            dataclasses.replace(spec, curve=("valid_error",))]
    other = [dataclasses.replace(spec, seed=8), dataclasses.replace(spec, setting="1000"),
             dataclasses.replace(spec, config=dataclasses.replace(r.model, z_dim=3)),
             dataclasses.replace(spec, training=dataclasses.replace(r.training, epochs=3)),
             dataclasses.replace(spec, variant="16")]
    assert all(s.run_id == spec.run_id for s in same)
    assert len({spec.run_id, *(s.run_id for s in other)}) == 1 + len(other)
    assert JobSpec.from_dict(spec.to_dict()) == spec
