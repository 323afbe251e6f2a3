"""Table 2's "NN Baseline": the MLP 784-1000-1000-10 (ReLU) trained on the labelled images alone.

The paper quotes the baseline (25.80 / 8.73 / 1.25 / 47.50) without its training recipe; ours
is a plain one, stated here and in every table: Adam, lr 1e-3, batch 100, cross-entropy, no
regularisation, final model after a fixed number of updates (nothing chosen on the test set).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aae.models import DataInfo, Model, make_optimizer, mlp
from aae.models.registry import register_model


@dataclass(frozen=True)
class NNBaselineConfig:
    hidden: tuple[int, ...] = (1000, 1000)
    lr: float = 1e-3


@register_model("nn_baseline", NNBaselineConfig, title="NN Baseline")
class NNBaseline(Model):
    capabilities = frozenset({"classifies"})
    streams = ("labelled",)

    def __init__(self, config: NNBaselineConfig, info: DataInfo, device="cpu"):
        self.nets = nn.ModuleDict({"classifier": mlp([info.input_dim, *config.hidden, info.n_classes])}).to(device)
        self.optimizers = {"classifier": make_optimizer("adam", self.nets.parameters(), config.lr)}

    def update(self, batch):
        net, opt = self.nets["classifier"], self.optimizers["classifier"]
        net.train()
        logits = net(batch["x_lab"])
        loss = F.cross_entropy(logits, batch["y_lab"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"loss": loss.detach(),
                "train_error": 100.0 * (logits.argmax(1) != batch["y_lab"]).float().mean()}

    @torch.no_grad()
    def predict_proba(self, x):
        net = self.nets["classifier"]
        net.eval()
        return net(x).softmax(dim=1)
