"""How well an AAE's codes match the prior its discriminator imposes (section 2's one mechanism).

A model of the AAE family says which codes it regularizes (`matched_codes`): a continuous code
(the AAE's z, the semi-supervised models' style) or a categorical one (their q(y|x)), each with
its prior sampler and the discriminator that judges it. On validation images only, this scores:

- a continuous code: the energy distance of the codes to as many prior samples
  (aae/eval/two_sample.py, Figure 2's estimator) and the mean over dimensions of the codes' std
  over the prior's (1 = as wide as the prior; section 7's styles were 30-140x);
- a categorical code: the argmax usage as a normalised entropy (1 = every category used alike),
  the number of categories no image picks (the uniform prior wants none empty), and the mean of
  max_y q(y|x) (1 = one-hot, as the prior's samples are);
- either: the discriminator's accuracy telling these codes from fresh prior samples, with the
  input noise it trains with (0.5 = it cannot tell them apart; near 1 = the match failed).

Keys: "match_<code>_<measure>", e.g. match_z_energy, match_y_empty. Prior samples and noise come
from a generator seeded by the run's seed, so the measures draw nothing from the training RNG.
"""
from __future__ import annotations

import math

import torch

from aae.eval.two_sample import energy_distance
from aae.models.base import MatchedCode

MATCH_IMAGES = 5000  # validation images scored: energy distance on 5K points costs < 1 s at one thread
CONTINUOUS = ("energy", "std_ratio", "disc_acc")
CATEGORICAL = ("entropy", "empty", "confidence", "disc_acc")
CODE_NAMES = ("z", "y")  # the AAE family's codes: z (a continuous code or style), y (categories)


def matching_keys() -> tuple[str, ...]:
    """Every key the evaluation may return (a model scores the codes it has)."""
    return (*(f"match_z_{m}" for m in CONTINUOUS), *(f"match_y_{m}" for m in CATEGORICAL))


def usage(probabilities: torch.Tensor) -> tuple[float, int]:
    """(normalised entropy of the argmax counts, number of categories no row picks)."""
    k = probabilities.shape[1]
    counts = torch.bincount(probabilities.argmax(1), minlength=k).double()
    p = counts / counts.sum()
    entropy = float(-(p[p > 0] * p[p > 0].log()).sum()) / math.log(k)
    return entropy, int((counts == 0).sum())


def std_ratio(codes: torch.Tensor, prior: torch.Tensor) -> float:
    """Mean over dimensions of the codes' standard deviation over the prior samples'."""
    return float((codes.double().std(0) / prior.double().std(0)).mean())


@torch.no_grad()
def discriminator_accuracy(code: MatchedCode, prior: torch.Tensor, generator: torch.Generator) -> float:
    """Balanced accuracy of the discriminator calling prior samples real (logit > 0) and codes
    fake, each with the training noise (drawn from `generator`)."""
    real = (code.judge(prior, generator) > 0).double().mean()
    fake = (code.judge(code.codes, generator) <= 0).double().mean()
    return float((real + fake) / 2)


def code_measures(code: MatchedCode, generator: torch.Generator) -> dict[str, float]:
    """The measures of one code against as many fresh prior samples."""
    prior = code.prior(len(code.codes), generator)
    found = {"disc_acc": discriminator_accuracy(code, prior, generator)}
    if code.categorical:
        entropy, empty = usage(code.codes)
        found |= {"entropy": entropy, "empty": float(empty), "confidence": float(code.codes.max(1).values.mean())}
    else:
        found |= {"energy": energy_distance(code.codes.cpu(), prior.cpu()), "std_ratio": std_ratio(code.codes, prior)}
    return {f"match_{code.name}_{k}": v for k, v in found.items()}
