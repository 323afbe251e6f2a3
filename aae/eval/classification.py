"""Classification error (%) of argmax p(y|x): Table 2's metric."""
from __future__ import annotations

import torch


@torch.no_grad()
def probabilities(predict_proba, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """p(y|x) of every image, on the CPU, computed in batches."""
    return torch.cat([predict_proba(x[i: i + batch_size]).cpu() for i in range(0, len(x), batch_size)])


@torch.no_grad()
def error_rate(predict_proba, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> float:
    """Percentage of images whose most probable class is not the true one."""
    wrong = 0
    for i in range(0, len(x), batch_size):
        wrong += (predict_proba(x[i: i + batch_size]).argmax(dim=1) != y[i: i + batch_size]).sum().item()
    return 100.0 * wrong / len(x)
