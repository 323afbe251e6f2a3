"""The paper's baselines, registered into the same registry and scored by the same aae.eval code."""
from baselines import m2, nn_baseline  # noqa: F401  (importing registers the models)
