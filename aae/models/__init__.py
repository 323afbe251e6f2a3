"""The AAE variants of the paper, one file each; importing this package registers them."""
from aae.models import aae, semisupervised, supervised  # noqa: F401
