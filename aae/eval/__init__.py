"""Evaluations by name. Every model is scored by the same code here: no second evaluation path."""
from __future__ import annotations

from aae.eval.classification import error_rate


def classification(model, data, device) -> dict[str, float]:
    """Test error from the final model; valid error beside it (the test set selects nothing)."""
    return {f"{split}_error": error_rate(model.predict_proba, data.floats(split, device), data.labels(split, device))
            for split in ("valid", "test")}


EVALUATORS = {"classification": classification}
