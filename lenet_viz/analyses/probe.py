"""Saturation of every activation layer on a fixed held-out probe batch, per training epoch: the
measuring instrument of the dynamics and init analyses and of ``lenet-viz train``'s model cards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import LenetVizError
from ..fmt import rounded as _r

PROBE_SIZE = 256
PROBE_SEED = 0
#: The seed's recipe (d2l's sigmoid LeNet): plain SGD at a large learning rate, batch 128.
SEED_RECIPE = {"optimizer": "sgd", "lr": 0.9, "batch_size": 128}


def probe_batch(data: Any, n: int = PROBE_SIZE, seed: int = PROBE_SEED) -> tuple[np.ndarray, np.ndarray]:
    """``n`` held-out digits chosen by ``seed``, in a fixed order: the probe batch of the analyses.

    Args:
        data: a :class:`~lenet_viz.data.Dataset` (its test split is used).
        n: how many digits (at most the size of the split).
        seed: chooses which digits.
    Returns:
        ``(x, y)``: images (n,1,28,28) float32 and labels (n,).
    Raises:
        LenetVizError: ``n`` is not between 1 and the split size.
    """
    total = len(data.test)
    if not 1 <= n <= total:
        raise LenetVizError(f"probe size must be 1..{total} (the held-out split), got {n}")
    idx = np.sort(np.random.RandomState(seed).choice(total, n, replace=False))
    return data.test.x[idx], data.test.y[idx]


def probe_stats(net: Any, probe_x: np.ndarray, low: float = 0.05, high: float = 0.95,
                histograms: bool = True) -> dict:
    """Saturation statistics of every activation layer of ``net`` on ``probe_x``.

    Computed with :func:`lenet_viz.stats.layer_stats` on one trace of the probe batch.

    Args:
        net: a Gluon net (or anything :func:`~lenet_viz.capture.trace` accepts).
        probe_x: images (N,1,28,28).
        low, high: sigmoid saturation thresholds.
        histograms: also keep each layer's 50-bin output histogram (``hist``, ``hist_range``).
    Returns:
        ``{layer: {"saturated", "mean_dsigmoid", "dead", "spread"[, "hist", "hist_range"]}}`` in net
        order. ``saturated`` is the fraction of unit values in the flat tails (ReLU: exactly zero),
        ``mean_dsigmoid`` the mean of σ'(z) = s(1−s) (None for ReLU), ``dead`` the fraction of ReLU
        units that are zero for every probe digit (None for sigmoid), and ``spread`` the mean over
        units of the standard deviation across probe digits: how much the layer's output depends on
        the input at all.
    """
    return _probe(net, probe_x, low, high, histograms)[0]


def _probe(net: Any, probe_x: np.ndarray, low: float, high: float, histograms: bool) -> tuple:
    """:func:`probe_stats` and the probe's trace, from one forward pass."""
    from ..capture import trace
    from ..stats import layer_stats

    t = trace(net, probe_x)
    stats = layer_stats(t, low, high)
    out = {}
    for s in stats:
        rec = t[s.name]
        entry = {"saturated": _r(s.saturated_fraction), "mean_dsigmoid": _r(s.mean_dsigmoid),
                 "dead": _r(s.dead_fraction),
                 "spread": _r(rec.output.reshape(len(rec.output), -1).std(axis=0, dtype=np.float64).mean())}
        if histograms:
            entry["hist"] = [int(c) for c in s.post_counts]
            entry["hist_range"] = [_r(s.post_edges[0]), _r(s.post_edges[-1])]
        out[s.name] = entry
    return out, t


def weight_gradients(net: Any, x: np.ndarray, y: np.ndarray, names: list | None = None) -> dict:
    """Root-mean-square gradient of the mean cross-entropy on ``(x, y)`` for each layer's weight.

    Overwrites the parameters' ``.grad`` buffers, which a training step rewrites anyway before use.

    Args:
        net: a Gluon Sequential (hybridized children are run imperatively).
        x, y: a batch of images and labels.
        names: the layer names in :func:`~lenet_viz.capture.leaves` order (from a trace of ``net``).
    Returns:
        ``{layer: rms}`` for every layer with a ``weight``.
    """
    from .._mx import autograd, gluon, mnp
    from ..capture import imperative, leaves

    blocks = leaves(net)
    names = names or [f"layer{i}" for i in range(len(blocks))]
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    # MXNet's (MKLDNN) BatchNorm backward moves the running statistics even in inference mode
    # (measured: a probe with gradients changed a trained `modern` net); put them back after.
    aux = [(p, p.data().copy()) for p in net.collect_params().values() if p.grad_req == "null"]
    with imperative(net):
        with autograd.record(train_mode=False):
            loss = loss_fn(net(mnp.array(x)), mnp.array(y)).mean()
        loss.backward()
    for p, value in aux:
        p.set_data(value)
    out = {}
    for block, name in zip(blocks, names):
        w = getattr(block, "weight", None)
        if w is not None and w.grad_req != "null":
            g = w.grad().asnumpy().astype(np.float64)
            out[name] = _r(float(np.sqrt((g * g).mean())), 9)
    return out


def saturation_probe(probe_x: np.ndarray, probe_y: np.ndarray | None = None, low: float = 0.05,
                     high: float = 0.95, histograms: bool = True,
                     hist_epochs: set | None = None) -> Callable[[int, Any], dict]:
    """An ``epoch_hook`` for :func:`lenet_viz.train.train` recording saturation on a fixed probe batch.

    Args:
        probe_x: the probe images (N,1,28,28), e.g. from :func:`probe_batch`.
        probe_y: their labels; when given, the hook also records ``probe_acc`` and ``grad_rms``
            (per layer, the RMS gradient of the probe's mean loss w.r.t. the weights).
        low, high: sigmoid saturation thresholds.
        histograms: keep the 50-bin output histograms (50 integers per layer and epoch).
        hist_epochs: keep them only at these epochs (e.g. ``{0, 1, epochs}`` for a model card).
    Returns:
        ``hook(epoch, net) -> dict``: ``{"layers": probe_stats(...)}`` (plus ``probe_acc``), merged
        by ``train`` into that epoch's history entry.
    Raises:
        CaptureError: bad probe images (checked now, before training starts).
    """
    from ..capture import check_input

    probe_x = np.array(check_input(probe_x), dtype=np.float32)
    if probe_y is not None and len(probe_y) != len(probe_x):
        raise LenetVizError(f"probe_y has {len(probe_y)} labels for {len(probe_x)} probe images")

    def hook(epoch: int, net: Any) -> dict:
        keep = histograms and (hist_epochs is None or epoch in hist_epochs)
        layers, t = _probe(net, probe_x, low, high, keep)
        out: dict = {"layers": layers}
        if probe_y is not None:
            out["probe_acc"] = _r(float((t.predictions == probe_y).mean()))
            out["grad_rms"] = weight_gradients(net, probe_x, probe_y, t.names)
        return out

    return hook


def _strip(history: list, keep_hist: set) -> list:
    """History without timings (not reproducible) and with histograms only at ``keep_hist`` epochs."""
    out = []
    for h in history:
        e = {k: v for k, v in h.items() if k != "seconds"}
        if "layers" in e:
            e["layers"] = {name: {k: v for k, v in s.items()
                                  if h["epoch"] in keep_hist or k not in ("hist", "hist_range")}
                           for name, s in e["layers"].items()}
        out.append(e)
    return out


def takeoff_epoch(history: list, threshold: float = 0.5) -> int | None:
    """First epoch whose held-out accuracy reaches ``threshold`` (None if none does)."""
    for h in history:
        if h.get("test_acc") is not None and h["test_acc"] >= threshold:
            return int(h["epoch"])
    return None


def plateau_epochs(history: list, tolerance: float = 0.05) -> int:
    """Epochs (from 1) during which held-out accuracy stays within ``tolerance`` of its epoch-1 value."""
    accs = [h["test_acc"] for h in history if h["epoch"] >= 1 and h.get("test_acc") is not None]
    n = 0
    for a in accs:
        if abs(a - accs[0]) > tolerance:
            break
        n += 1
    return n


def peak_saturation(history: list) -> dict:
    """The epoch and layer with the largest saturated fraction (first one on ties)."""
    best = {"epoch": 0, "layer": None, "saturated": -1.0}
    for h in history:
        for name, st in h.get("layers", {}).items():
            if st["saturated"] is not None and st["saturated"] > best["saturated"]:
                best = {"epoch": int(h["epoch"]), "layer": name, "saturated": st["saturated"]}
    return best


def _run(variant: str, init: str | None, recipe: dict, epochs: int, seed: int, data: Any,
         probe: tuple, train_limit: int | None) -> list:
    """Train once with a saturation probe; the history with test accuracy also at epoch 0."""
    from ..capture import imperative
    from ..train import TrainConfig, accuracy, train

    cfg = TrainConfig(variant=variant, epochs=epochs, seed=seed, init=init, train_limit=train_limit,
                      dataset=data.name, **recipe)
    hook = saturation_probe(*probe)

    def epoch_hook(epoch: int, net: Any) -> dict:
        out = hook(epoch, net)
        if epoch == 0:  # train() measures held-out accuracy after each epoch only
            with imperative(net):  # the children are hybridized inside train's fused graph
                out["test_acc"] = _r(accuracy(net, data.test.x, data.test.y))
        return out

    return train(cfg, data, epoch_hook=epoch_hook).history


def _meta(data: Any, recipe: dict, seed: int, probe: tuple, train_limit: int | None, command: str) -> dict:
    return {"dataset": data.name, "train_images": int(min(len(data.train), train_limit or len(data.train))),
            "test_images": int(len(data.test)), "probe_images": int(len(probe[0])),
            "probe_seed": PROBE_SEED, "seed": seed, "recipe": dict(recipe),
            "thresholds": {"low": 0.05, "high": 0.95}, "command": command}
