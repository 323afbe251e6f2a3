"""The paper's baselines, registered into the same registry and scored by the same aae.eval code."""
from baselines import gan, gmmn, m2, nn_baseline, vae  # noqa: F401  (importing registers the models)
