"""aae/registry.py: one lookup pattern for models, evaluations, datasets and executors; models
declare their capabilities; the built-in models come from plugins, so aae/ never imports the
packages built on it."""
import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from aae.data import DATASETS
from aae.errors import UserError
from aae.eval import EVALUATIONS
from aae.experiment.executors import EXECUTORS
from aae.models import Model
from aae.models.registry import MODELS, register_model
from aae.registry import Registry

ROOT = Path(__file__).resolve().parent.parent


def test_a_registry_names_the_known_things_when_asked_for_an_unknown_one():
    loads = []
    things = Registry("widget", {"b": 2}, load=lambda: loads.append(1) or things.register("a", 1))
    assert things.lookup("a") == 1 and things.lookup("b") == 2 and loads == [1]  # loaded once, on first use
    with pytest.raises(UserError, match=r"^unknown widget 'c'; known: a, b$"):
        things.lookup("c")
    assert things.register("a", 1) == 1  # the same thing again is no conflict
    with pytest.raises(ValueError, match="widget 'a' is registered twice"):
        things.register("a", 3)


@pytest.mark.parametrize("registry, kind, known", [(MODELS, "model", "vae"), (EVALUATIONS, "evaluation", "parzen"),
                                                   (DATASETS, "dataset", "mnist"), (EXECUTORS, "executor", "slurm")])
def test_every_kind_is_looked_up_the_same_way(registry, kind, known):
    assert registry.lookup(known) is registry[known]
    with pytest.raises(UserError, match=f"unknown {kind} 'nope'; known: .*{known}"):
        registry.lookup("nope")


@dataclass(frozen=True)
class _Config:
    pass


def test_a_model_whose_capabilities_and_methods_disagree_is_refused():
    class Claims(Model):  # says it samples, has no sample()
        capabilities = frozenset({"samples"})

        def update(self, batch):
            return {}

    class Hides(Model):  # classifies, but does not say so
        def update(self, batch):
            return {}

        def predict_proba(self, x):
            return x

    with pytest.raises(TypeError, match="declared without their method: samples"):
        register_model("claims", _Config)(Claims)
    with pytest.raises(TypeError, match="methods not declared: classifies"):
        register_model("hides", _Config)(Hides)
    assert "claims" not in MODELS and "hides" not in MODELS


# aae's layers, lowest first (docs/ARCHITECTURE.md): a module imports only its own layer or lower ones
LAYERS = {"top": 0, "models": 1, "eval": 2, "data": 2, "experiment": 3, "reporting": 4, "baselines": 5, "benchmarks": 6}


def _layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "aae":
        return parts[0]
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "top"


def test_the_built_in_models_are_plugins_and_no_import_climbs_a_layer():
    assert {"aae", "ssaae", "vae", "gan", "m2", "nn_baseline", "gmmn_ae"} <= set(MODELS.names())
    climbing = []
    for path in (ROOT / "aae").rglob("*.py"):
        here = _layer(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            climbing += [f"{path.relative_to(ROOT)}: {n}" for n in names
                         if LAYERS.get(_layer(n), -1) > LAYERS[here]]
    assert climbing == []


def test_a_training_process_imports_no_reporting_or_scoring_library_it_does_not_use():
    """What a worker or a SLURM job imports to train any model: not pandas, matplotlib,
    scikit-learn or scipy (4.5 s of an 8 s start when aae.eval and aae.data imported them)."""
    import subprocess
    import sys

    probe = ("import sys, aae.experiment.job, aae.eval, aae.data\n"
             "from aae.models.registry import MODELS\n"
             "MODELS.load()\n"
             "print(' '.join(sorted(m for m in ('pandas', 'matplotlib', 'sklearn', 'scipy') if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr
