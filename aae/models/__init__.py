"""The AAE variants of the paper, one file each, and Table 1's sanity rows as pseudo-models
(sanity.py); importing this package registers them (it is a plugin of aae/registry.py's model
registry, named in pyproject.toml).

The model API other packages build on (the baselines, a model of one's own) is what this package
exports: the contract (`Model`, `DataInfo`, `CAPABILITIES`, `MatchedCode`), the building blocks (`mlp`,
`init_normal_`, `make_optimizer`, `params_of`, `OPTIMIZERS`, one phase's optimizer `step`,
`frozen` networks) and the adversarial losses (`discriminator_loss`, `generator_loss`, `noisy`).
"""
from aae.models.adversarial import discriminator_loss, generator_loss, noisy, real_fake_loss
from aae.models.base import CAPABILITIES, DataInfo, MatchedCode, Model
from aae.models.networks import OPTIMIZERS, frozen, init_normal_, make_optimizer, mlp, params_of, step
from aae.models import aae, sanity, semisupervised, supervised  # noqa: F401,E402  (importing registers them)

__all__ = ["CAPABILITIES", "DataInfo", "MatchedCode", "Model", "OPTIMIZERS", "discriminator_loss", "frozen", "generator_loss",
           "init_normal_", "make_optimizer", "mlp", "noisy", "params_of", "real_fake_loss", "step"]
