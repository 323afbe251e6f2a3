"""The feature network of the sample-quality metrics: what the Inception network is to FID on
natural images, for 28x28 digits (Inception does not fit them). A small CNN classifier, trained
once per dataset by the harness on the training images from a fixed seed, and cached beside the
runs (`<runs>/cache/`) with its test accuracy, training time and the sha256 of its weights. Its
penultimate layer (128 ReLU units) gives the features. It must classify the test images well
before any metric reads it: a feature space that cannot tell the digits apart would make FID blind
to the errors that matter.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from aae import io
from aae.errors import UserError, line_of

SEED = 20260101  # fixed: every run, every machine, the same network for a dataset
EPOCHS = 6
BATCH = 128
MIN_ACCURACY = {"mnist": 0.99}  # checked before use; other datasets (the synthetic stand-in): 0.9
FEATURES = 128


class FeatureNet(nn.Module):
    """conv 32 - pool - conv 64 - pool - 128 - classes; `features` is the 128-D layer."""

    def __init__(self, image_shape: tuple[int, ...], n_classes: int):
        super().__init__()
        self.image_shape = tuple(image_shape)
        c, h, w = self.image_shape
        self.body = nn.Sequential(
            nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * (h // 4) * (w // 4), FEATURES), nn.ReLU())
        self.head = nn.Linear(FEATURES, n_classes)
        self.num_features = FEATURES  # what torchmetrics reads of a custom feature extractor

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.reshape(len(x), *self.image_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@torch.no_grad()
def features_of(net: FeatureNet, images: torch.Tensor, block: int = 2000) -> torch.Tensor:
    """Features of flattened images in [0, 1], float64 (FID's covariances are taken in float64)."""
    net.eval()
    device = next(net.parameters()).device
    return torch.cat([net.features(part.to(device).float()).double().cpu() for part in images.split(block)])


@torch.no_grad()
def predicted_labels(net: FeatureNet, images: torch.Tensor, block: int = 2000) -> torch.Tensor:
    """The network's class for each flattened image, on the CPU, in blocks (a convolution over
    10,000 images at once would hold about a gigabyte of activations)."""
    net.eval()
    device = next(net.parameters()).device
    return torch.cat([net(part.to(device)).argmax(1).cpu() for part in images.split(block)])


def accuracy(net: FeatureNet, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((predicted_labels(net, x) == y.cpu()).sum()) / len(y)


def train_feature_net(data, device="cpu") -> tuple[FeatureNet, dict]:
    """Train the network on the training images from SEED (its own generator: the caller's RNG
    state is untouched); returns it with its card (test accuracy, seconds)."""
    t0 = time.perf_counter()
    g = torch.Generator().manual_seed(SEED)
    with torch.random.fork_rng():  # initial weights and dropout from SEED, the caller's RNG untouched
        torch.manual_seed(SEED)
        net = FeatureNet(data.image_shape, data.n_classes).to(device)
        return _fit(net, data, g, device, t0)


def _fit(net: FeatureNet, data, g: torch.Generator, device, t0: float) -> tuple[FeatureNet, dict]:
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    x, y = data.floats("train", device), data.labels("train", device)
    for _ in range(EPOCHS):
        net.train()
        for idx in torch.randperm(len(x), generator=g).split(BATCH):
            idx = idx.to(device)
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
        schedule.step()
    card = {"dataset": data.name, "data_fingerprint": data.fingerprint(), "seed": SEED, "epochs": EPOCHS,
            "valid_accuracy": accuracy(net, data.floats("valid", device), data.labels("valid", device)),
            "test_accuracy": accuracy(net, data.floats("test", device), data.labels("test", device)),
            "train_seconds": round(time.perf_counter() - t0, 1)}
    return net, card


def _weights_sha256(net: FeatureNet) -> str:
    """Of the weights themselves (names, then bytes in order), not of a file format."""
    h = hashlib.sha256()
    for k, v in net.state_dict().items():
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _load_cached(weights: Path, card_file: Path, data, device) -> tuple[FeatureNet, dict] | None:
    """The cached network and its card, or None after setting aside a pair that cannot be read or
    does not match (a derived file, so it is trained again from its seed rather than failing every
    later command); one line names both files."""
    net = FeatureNet(data.image_shape, data.n_classes).to(device)
    try:
        net.load_state_dict(torch.load(weights, map_location=device, weights_only=True))
        card = json.loads(card_file.read_text())
        if not isinstance(card, dict) or card.get("sha256") != _weights_sha256(net):
            raise ValueError(f"the weights do not match the sha256 in {card_file.name}")
        if not isinstance(card.get("test_accuracy"), float):
            raise ValueError(f"{card_file.name} holds no test accuracy")
    except Exception as e:  # noqa: BLE001  (torch, zip, pickle and json each raise their own kinds)
        for path in (weights, card_file):
            path.replace(path.with_name(path.name + ".damaged"))
        print(f"feature network {weights} or its card {card_file} is damaged ({type(e).__name__}: "
              f"{line_of(e, last=False)[:120]}); set aside as *.damaged and trained again", file=sys.stderr, flush=True)
        return None
    return net, card


def feature_network(data, cache: Path | None, device="cpu") -> tuple[FeatureNet, dict]:
    """The dataset's feature network: loaded from `cache` (weights_only=True) or trained once and
    stored there, under a lock so that two workers do not both train it. Refused, with one line,
    if its test accuracy is below MIN_ACCURACY."""
    if cache is None:
        net, card = train_feature_net(data, device)
    else:
        stem = cache / f"feature_net-{data.name}-{data.fingerprint()[:16]}"
        weights, card_file = stem.with_suffix(".pt"), stem.with_suffix(".json")
        cache.mkdir(parents=True, exist_ok=True)
        with open(stem.with_suffix(".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or its owner dies
            loaded = _load_cached(weights, card_file, data, device) if weights.exists() and card_file.exists() else None
            if loaded is not None:
                net, card = loaded
            else:
                net, card = train_feature_net(data, device)
                card["sha256"] = _weights_sha256(net)
                io.torch_save(weights, net.state_dict())
                io.write_json(card_file, card)
    card.setdefault("sha256", _weights_sha256(net))
    floor = MIN_ACCURACY.get(data.name, 0.9)
    if card["test_accuracy"] < floor:
        raise UserError(f"the {data.name} feature network reaches {100 * card['test_accuracy']:.2f}% test accuracy, "
                        f"below the {100 * floor:.0f}% its metrics need")
    net.eval()
    return net, card
