"""The AAE variants of the paper, one file each, and Table 1's sanity rows as pseudo-models
(sanity.py); importing this package registers them."""
from aae.models import aae, sanity, semisupervised, supervised  # noqa: F401
