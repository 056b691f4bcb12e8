"""Training: a hybridized Gluon loop, deterministic for a seed, writing weights + model card."""

from __future__ import annotations

import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .augment import augment, get_preset
from .errors import LenetVizError

OPTIMIZERS = ("sgd", "adam")


@dataclass
class TrainConfig:
    """A training recipe. Every field lands in the model card."""

    variant: str = "lenet5"
    dataset: str = "mnist-5k"
    epochs: int = 10
    optimizer: str = "adam"
    lr: float = 0.003
    batch_size: int = 128
    seed: int = 0
    init: str | None = None
    augment: str = "none"  # an augmentation preset of lenet_viz.augment.PRESETS
    train_limit: int | None = None  # first N training images only (quick experiments, tests)

    def check(self) -> None:
        """Validate before any work starts."""
        from .model import INITS, VARIANTS

        if self.variant not in VARIANTS:
            raise LenetVizError(f"unknown variant {self.variant!r}; choose one of {', '.join(VARIANTS)}")
        if self.optimizer not in OPTIMIZERS:
            raise LenetVizError(f"unknown optimizer {self.optimizer!r}; choose sgd or adam")
        if self.init is not None and self.init not in INITS:
            raise LenetVizError(f"unknown init {self.init!r}; choose one of {', '.join(INITS)}")
        for name, low in (("epochs", 0), ("batch_size", 1)):
            if getattr(self, name) < low:
                raise LenetVizError(f"{name} must be at least {low}, got {getattr(self, name)}")
        if not (self.lr > 0 and np.isfinite(self.lr)):
            raise LenetVizError(f"learning rate must be a positive number, got {self.lr}")
        get_preset(self.augment)


@dataclass
class TrainResult:
    net: Any
    history: list = field(default_factory=list)
    train_accuracy: float = 0.0
    test_accuracy: float = 0.0
    seconds: float = 0.0


def fused(net: Any) -> Any:
    """A hybridized ``HybridSequential`` sharing ``net``'s layers (and so its parameters).

    A plain ``Sequential`` hybridizes child by child; one graph for the whole net is ~2x faster.
    """
    from ._mx import nn

    whole = nn.HybridSequential()
    whole.add(*net._children.values())
    whole.hybridize(static_alloc=True)
    return whole


def predictions(net: Any, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The label ``net`` gives each image of ``x`` (int64, one per image)."""
    from ._mx import mnp

    out = [net(mnp.array(x[i:i + batch_size])).argmax(axis=1).asnumpy() for i in range(0, len(x), batch_size)]
    return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)


def accuracy(net: Any, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> float:
    """Fraction of ``x`` that ``net`` labels as ``y``."""
    if len(y) == 0:
        return float("nan")
    return int((predictions(net, x, batch_size) == y).sum()) / len(y)


def train(cfg: TrainConfig, data: Any = None,
          progress: Callable[[dict], None] | None = None,
          epoch_hook: Callable[[int, Any], dict] | None = None) -> TrainResult:
    """Train a fresh net of ``cfg.variant`` on ``data`` (a :class:`~lenet_viz.data.Dataset`).

    Args:
        cfg: the recipe (validated first).
        data: the dataset; loaded from ``cfg.dataset`` when None.
        progress: called after every batch with a dict (epoch, batch, batches, loss, acc).
        epoch_hook: called as ``hook(epoch, net)`` at epoch 0 (before training) and after each
            epoch; its dict is merged into that epoch's history entry.
    Returns:
        a :class:`TrainResult` with the trained net and per-epoch history.
    """
    cfg.check()
    from ._mx import autograd, gluon, mnp, seed_all
    from .data import load_dataset
    from .model import build_net

    data = data if data is not None else load_dataset(cfg.dataset)
    x, y = data.train.x, data.train.y
    if cfg.train_limit:
        x, y = x[:cfg.train_limit], y[:cfg.train_limit]
    seed_all(cfg.seed)
    rng = np.random.RandomState(cfg.seed)
    preset = get_preset(cfg.augment)
    net = build_net(cfg.variant, cfg.init)
    fast = fused(net)
    trainer = gluon.Trainer(net.collect_params(), cfg.optimizer, {"learning_rate": cfg.lr})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    history: list[dict] = []
    if epoch_hook is not None:
        history.append({"epoch": 0, **epoch_hook(0, net)})
    t_start = time.perf_counter()
    n = len(y)
    batches = (n + cfg.batch_size - 1) // cfg.batch_size
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        perm = rng.permutation(n)
        loss_sum = mnp.zeros(1)
        correct = mnp.zeros(1)
        seen = 0
        for b in range(batches):
            idx = perm[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            xb = x[idx]
            if preset.name != "none":
                xb = augment(xb, rng, preset)  # same rng as the shuffle: one seed fixes the run
            xb, yb = mnp.array(xb), mnp.array(y[idx])
            with autograd.record():
                out = fast(xb)
                loss = loss_fn(out, yb)
            loss.backward()
            trainer.step(len(idx))
            loss_sum += loss.sum()
            correct += (out.argmax(axis=1) == yb.astype("int64")).sum()
            seen += len(idx)
            if progress is not None:
                progress({"epoch": epoch, "epochs": cfg.epochs, "batch": b + 1, "batches": batches,
                          "loss": float(loss_sum.item()) / seen, "acc": float(correct.item()) / seen})
        entry = {
            "epoch": epoch,
            "train_loss": round(float(loss_sum.item()) / n, 6),
            "train_acc": round(float(correct.item()) / n, 6),
            "test_acc": round(accuracy(fast, data.test.x, data.test.y), 6),
            "seconds": round(time.perf_counter() - t0, 3),
        }
        if epoch_hook is not None:
            entry.update(epoch_hook(epoch, net))
        history.append(entry)
    seconds = time.perf_counter() - t_start  # the epochs with their held-out passes, as d2l.Trainer.fit
    result = TrainResult(
        net=net, history=history,
        train_accuracy=accuracy(fast, x, y), test_accuracy=accuracy(fast, data.test.x, data.test.y),
        seconds=seconds,
    )
    with warnings.catch_warnings():  # Gluon suggests HybridSequential; `fused` already is one
        warnings.simplefilter("ignore", UserWarning)
        net.hybridize(active=False)  # hand back a plain imperative net: hooks see every layer
    return result


def model_card(cfg: TrainConfig, result: TrainResult, data: Any, command: str, why: str = "") -> dict:
    """The model card for a finished run (sha256 is added by ``save_model``)."""
    from .model import VARIANTS, count_params

    return {
        "variant": cfg.variant,
        "description": VARIANTS[cfg.variant].description,
        "dataset": data.name,
        "dataset_description": data.description,
        "split": {"train": int(min(len(data.train), cfg.train_limit or len(data.train))),
                  "test": int(len(data.test))},
        "optimizer": cfg.optimizer,
        "lr": cfg.lr,
        "epochs": cfg.epochs,
        "batch_size": cfg.batch_size,
        "seed": cfg.seed,
        "init": cfg.init or VARIANTS[cfg.variant].init,
        "augment": cfg.augment,
        "augment_recipe": get_preset(cfg.augment).to_dict(),
        "params": count_params(result.net),
        "train_accuracy": round(result.train_accuracy, 6),
        "test_accuracy": round(result.test_accuracy, 6),
        "train_seconds": round(result.seconds, 1),
        "history": result.history,
        "command": command,
        "why": why,
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
    }
