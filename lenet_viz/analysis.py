"""Analyses beyond one forward pass: training dynamics, init comparison, model comparison, top
activating examples and occlusion sensitivity. Computation only: numbers and arrays, no matplotlib.

The two expensive analyses (training runs) are shipped as JSON records in ``lenet_viz/records/`` and
regenerated deterministically with ``python -m lenet_viz.analysis --write-records``; the gallery
pages read those records and compute the cheap analyses live.

Record rules: no wall-clock times and no machine-dependent fields inside a record (a regenerated
record must be byte-identical), floats rounded to 6 digits, keys sorted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .errors import LenetVizError

RECORDS = ("dynamics", "init")
PROBE_SIZE = 256
PROBE_SEED = 0
#: The seed's recipe (d2l's sigmoid LeNet): plain SGD at a large learning rate, batch 128.
SEED_RECIPE = {"optimizer": "sgd", "lr": 0.9, "batch_size": 128}
DYNAMICS_EPOCHS = 60
INIT_EPOCHS = 40
INIT_NAMES = ("xavier", "default", "normal")
OCCLUSION_VALUE = 0.0  # MNIST's background (see occlusion_map for why not gray)


# ---------------------------------------------------------------- small helpers

def _r(v: Any, digits: int = 6) -> Any:
    """A JSON-ready number: rounded float, NaN → None."""
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else round(v, digits)


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


# ---------------------------------------------------------------- 1. training dynamics

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
    from .capture import trace
    from .stats import layer_stats

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
    from ._mx import autograd, gluon, mnp
    from .capture import imperative, leaves

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
    from .capture import check_input

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
    from .capture import imperative
    from .train import TrainConfig, accuracy, train

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


def dynamics_record(epochs: int = DYNAMICS_EPOCHS, seed: int = 0, recipe: dict | None = None,
                    data: Any = None, probe_n: int = PROBE_SIZE, train_limit: int | None = None) -> dict:
    """Train the seed net (``lenet5``, Xavier) with the seed's recipe and record every epoch.

    Args:
        epochs: training epochs.
        seed: the training seed.
        recipe: optimizer, lr and batch size; :data:`SEED_RECIPE` (SGD lr 0.9, batch 128) by default.
        data: a Dataset; mnist-5k when None.
        probe_n: probe batch size (held-out digits chosen with :data:`PROBE_SEED`).
        train_limit: train on the first N images only (tests).
    Returns:
        the ``dynamics`` record: ``meta``, ``history`` (per epoch: ``test_acc``, ``train_loss``,
        ``layers`` with saturation per activation layer, ``grad_rms``; histograms at epoch 0, 1, the
        epoch of peak saturation, the take-off epoch and the last), ``summary`` (``plateau_epochs``,
        ``takeoff_epoch``, ``peak_saturation``, final accuracy).
    """
    from .data import load_dataset

    recipe = dict(SEED_RECIPE if recipe is None else recipe)
    data = data if data is not None else load_dataset("mnist-5k")
    probe = probe_batch(data, probe_n)
    history = _run("lenet5", "xavier", recipe, epochs, seed, data, probe, train_limit)
    takeoff = takeoff_epoch(history)
    peak = peak_saturation(history)
    keep = {0, 1, epochs, peak["epoch"]} | ({takeoff} if takeoff else set())
    cmd = f"python -m lenet_viz.analysis --write-records --only dynamics  # epochs={epochs} seed={seed}"
    return {"kind": "dynamics", "variant": "lenet5", "init": "xavier",
            "meta": _meta(data, recipe, seed, probe, train_limit, cmd),
            "history": _strip(history, keep),
            "summary": {"plateau_epochs": plateau_epochs(history), "takeoff_epoch": takeoff,
                        "peak_saturation": peak, "hist_epochs": sorted(keep),
                        "final_test_acc": history[-1].get("test_acc")}}


# ---------------------------------------------------------------- 2. the init claim

def compare_init(inits: Sequence[str] = INIT_NAMES, epochs: int = INIT_EPOCHS, seed: int = 0,
                 recipe: dict | None = None, data: Any = None, probe_n: int = PROBE_SIZE,
                 train_limit: int | None = None,
                 progress: Callable[[str, float], Any] | None = None) -> dict:
    """Train the seed net once per initialiser, same seed and recipe, recording saturation per epoch.

    Tests the seed's claim "Xavier init keeps the sigmoid layers from saturating early in training".

    Args:
        inits: initialisers of :data:`lenet_viz.model.INITS` (validated first).
        epochs: epochs per run.
        seed: one seed for every run (same batches, same probe).
        recipe: optimizer, lr, batch size; :data:`SEED_RECIPE` by default.
        data: a Dataset; mnist-5k when None.
        probe_n: probe batch size.
        train_limit: train on the first N images only (tests).
        progress: called as ``progress(init, seconds)`` after each run.
    Returns:
        the ``init`` record: ``meta``, ``runs`` (init → per-epoch ``test_acc``, ``train_loss`` and
        per-layer ``saturated``/``mean_dsigmoid``/``spread``; histograms at epoch 0 and 1) and
        ``summary`` (per init: saturation at epoch 0 and 1, best and final accuracy, take-off epoch).
    Raises:
        LenetVizError: unknown or repeated init, epochs < 1.
    """
    from .data import load_dataset
    from .model import INITS

    inits = list(inits)
    bad = [i for i in inits if i not in INITS]
    if bad or not inits or len(set(inits)) != len(inits):
        raise LenetVizError(f"inits must be distinct names from {', '.join(INITS)}; got {', '.join(inits)}")
    if epochs < 1:
        raise LenetVizError(f"epochs must be at least 1, got {epochs}")
    recipe = dict(SEED_RECIPE if recipe is None else recipe)
    data = data if data is not None else load_dataset("mnist-5k")
    probe = probe_batch(data, probe_n)
    runs, summary = {}, {}
    for name in inits:
        t0 = time.perf_counter()
        history = _run("lenet5", name, recipe, epochs, seed, data, probe, train_limit)
        runs[name] = _strip(history, {0, 1})
        summary[name] = _init_summary(history)
        if progress is not None:
            progress(name, time.perf_counter() - t0)
    cmd = (f"python -m lenet_viz.analysis --write-records --only init  "
           f"# inits={','.join(inits)} epochs={epochs} seed={seed}")
    return {"kind": "init", "variant": "lenet5", "inits": inits, "epochs": epochs,
            "meta": _meta(data, recipe, seed, probe, train_limit, cmd), "runs": runs, "summary": summary}


def _init_summary(history: list) -> dict:
    layers = list(history[0]["layers"])
    accs = [h["test_acc"] for h in history]

    def sat(e: int) -> dict:
        h = next((h for h in history if h["epoch"] == e), None)
        return {n: h["layers"][n]["saturated"] for n in layers} if h else {}

    early = [h for h in history if 1 <= h["epoch"] <= 5]
    return {"saturated_epoch0": sat(0), "saturated_epoch1": sat(1),
            "mean_saturated_epochs1to5": {n: _r(np.mean([h["layers"][n]["saturated"] for h in early]))
                                          for n in layers} if early else {},
            "test_acc_epoch0": accs[0], "final_test_acc": accs[-1], "best_test_acc": max(accs),
            "takeoff_epoch": takeoff_epoch(history)}


def format_init_summary(record: dict) -> str:
    """A plain-text table of an ``init`` record: per init, saturation after one epoch and accuracy."""
    runs = record["runs"]
    layers = list(next(iter(runs.values()))[0]["layers"])
    head = (f"{'init':<10}" + "".join(f"{'sat@1 ' + n:>14}" for n in layers)
            + f"{'>=50% at':>9}{'final acc':>11}")
    lines = [head, "-" * len(head)]
    for name in record["inits"]:
        s = record["summary"][name]
        sat = s["saturated_epoch1"]
        lines.append(f"{name:<10}" + "".join(f"{sat[n] * 100:>13.1f}%" for n in layers)
                     + f"{str(s['takeoff_epoch'] or '-'):>9}{s['final_test_acc'] * 100:>10.1f}%")
    r = record["meta"]["recipe"]
    meta = record["meta"]
    lines.append(f"lenet5, {r['optimizer']} lr {r['lr']:g}, batch {r['batch_size']}, {record['epochs']} "
                 f"epochs, seed {meta['seed']}; saturation (sat@1: after epoch 1) on {meta['probe_images']} "
                 f"probe digits")
    return "\n".join(lines)


# ---------------------------------------------------------------- records on disk

def records_dir() -> Path:
    """The folder of the shipped records (``lenet_viz/records``)."""
    return Path(str(resources.files("lenet_viz") / "records"))


def load_record(name: str) -> dict:
    """A shipped record by name (``dynamics`` or ``init``).

    Raises:
        LenetVizError: unknown name, missing or unreadable file (naming the regenerating command).
    """
    if name not in RECORDS:
        raise LenetVizError(f"unknown record {name!r}; choose one of {', '.join(RECORDS)}")
    path = records_dir() / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise LenetVizError(f"record {path} cannot be read ({e}); regenerate it with "
                            f"python -m lenet_viz.analysis --write-records --only {name}") from None


def dump_record(record: dict) -> str:
    """The canonical text of a record: sorted keys, compact rows, newline at the end."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"


def write_record(record: dict, path: str | os.PathLike) -> Path:
    """Write a record atomically (temporary file + rename)."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(dump_record(record), encoding="utf-8")
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


# ---------------------------------------------------------------- 3. lenet5 vs modern vs mlp

#: Stages aligned across architectures: the first activation after each conv, and each pool.
STAGES = (("conv", 1), ("pool", 1), ("conv", 2), ("pool", 2))


def stage_layers(t: Any) -> list:
    """Per :data:`STAGES` entry, the layer of trace ``t`` showing it (None when the net has none).

    A conv stage is the conv's activation output: the conv itself when the activation is fused
    (``lenet5``), else the first ``act`` layer after it (``modern``: conv → BatchNorm → ReLU).
    """
    names = t.names
    out = []
    for kind, k in STAGES:
        name = f"{kind}{k}"
        if name not in names:
            out.append(None)
            continue
        i = names.index(name)
        if kind == "conv" and t.layers[i].activation is None:
            nxt = next((r.name for r in t.layers[i + 1:] if r.activation is not None or r.kind in
                        ("conv", "pool")), None)
            name = nxt if nxt and t[nxt].activation is not None else name
        out.append(name)
    return out


@dataclass
class ModelSummary:
    """One model of the comparison."""

    name: str
    variant: str
    accuracy: float
    card_accuracy: float | None
    params: list  # [(layer, kind, n_params, describe, weight shape)]
    total_params: int
    stats: list  # [{layer, activation, saturated, mean_dsigmoid, dead, zero}]
    n_test: int


def compare_models(models: dict, data: Any, batch_size: int = 500) -> list:
    """Accuracy re-measured on the held-out split, parameters per layer and activation health.

    Args:
        models: name → :class:`~lenet_viz.model.Model` (e.g. the shipped ``lenet5``, ``modern``, ``mlp``).
        data: the Dataset; its test split is used.
        batch_size: images per forward pass for the streamed statistics.
    Returns:
        a list of :class:`ModelSummary`, in the order given.
    """
    from .capture import trace
    from .stats import dataset_stats
    from .train import accuracy, fused

    out = []
    for name, model in models.items():
        acc = accuracy(fused(model.net), data.test.x, data.test.y)
        t = trace(model, data.test.x[:1])
        params = [(r.name, r.kind, int(r.n_params), r.describe(), tuple(r.params.get("weight", ())))
                  for r in t if r.n_params]
        st = dataset_stats(model, data.test.x, batch_size=batch_size)
        rows = [{"layer": s.name, "activation": s.activation,
                 "saturated": s.saturated_fraction if s.activation != "relu" else math.nan,
                 "zero": s.saturated_fraction if s.activation == "relu" else math.nan,
                 "mean_dsigmoid": s.mean_dsigmoid, "dead": s.dead_fraction, "units": s.units}
                for s in st]
        out.append(ModelSummary(name, model.variant, acc, model.card.get("test_accuracy"), params,
                                t.total_params, rows, len(data.test)))
    return out


# ---------------------------------------------------------------- 4. top activating examples

@dataclass
class TopK:
    """The k inputs that excite each channel of one layer most (max over positions).

    Attributes:
        layer: the layer whose activation is ranked (the conv itself when its activation is fused,
            else the activation layer after it).
        conv: the conv layer that owns the kernels.
        measure: ``"pre"`` (ranked on the pre-activation z, which a monotonic activation preserves
            but does not squash into ties) or ``"output"``.
        values: (C, k) the channel's maximum for each chosen input, descending.
        indices: (C, k) indices of the inputs into the ranked set.
        positions: (C, k, 2) (row, col) of the maximum in the layer's output map.
        rf, jump, offset: receptive field size, stride in input pixels and the padding offset:
            output unit (i, j) sees input rows ``i*jump - offset … i*jump - offset + rf - 1``.
        n_seen: inputs ranked.
        kernel: the conv's weight (C, in, kh, kw).
    """

    layer: str
    conv: str
    measure: str
    values: np.ndarray
    indices: np.ndarray
    positions: np.ndarray
    rf: int
    jump: int
    offset: int
    n_seen: int = 0
    kernel: np.ndarray | None = field(default=None, repr=False)

    def box(self, c: int, j: int) -> tuple[int, int]:
        """Top-left input pixel (row, col) of the receptive field of entry ``j`` of channel ``c``."""
        r, q = self.positions[c, j]
        return int(r) * self.jump - self.offset, int(q) * self.jump - self.offset


def rf_geometry(t: Any, layer: str) -> tuple[int, int, int]:
    """``(rf, jump, offset)`` of ``layer`` in trace ``t``, from its ``rf``, ``rf_jump`` and the paddings."""
    offset, jump = 0, 1
    for r in t.layers:
        if r.kind in ("conv", "pool"):
            offset += int(r.config.get("padding", 0)) * jump
        jump = r.rf_jump
        if r.name == layer:
            return int(r.rf), int(r.rf_jump), offset
    raise LenetVizError(f"no layer {layer!r}; layers: {', '.join(t.names)}")


def conv_channels(t: Any) -> list:
    """``(conv, ranked layer)`` for every conv of trace ``t``: the conv's activation output."""
    out = []
    for i, r in enumerate(t.layers):
        if r.kind != "conv":
            continue
        ranked = r.name
        if r.activation is None:
            for s in t.layers[i + 1:]:
                if s.kind in ("conv", "pool", "gap", "dense", "flatten"):
                    break
                if s.activation is not None:
                    ranked = s.name
                    break
        out.append((r.name, ranked))
    return out


def _merge_topk(vals: np.ndarray, idx: np.ndarray, pos: np.ndarray, k: int) -> tuple:
    """Per row, the k largest values; ties go to the smaller input index (same as a stable sort)."""
    order = np.lexsort((idx, -vals), axis=-1)[..., :k]
    take = np.take_along_axis
    return take(vals, order, -1), take(idx, order, -1), take(pos, order[..., None], 1)


def channel_scores(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per input and channel of maps (N, C, H, W): the maximum over positions and its (row, col),
    the first maximum in row-major order. Returns ``(values (N, C), positions (N, C, 2))``."""
    n, c, h, w = a.shape
    flat = a.reshape(n, c, h * w)
    arg = flat.argmax(axis=2)
    vals = np.take_along_axis(flat, arg[..., None], 2)[..., 0]
    return vals, np.stack(np.divmod(arg, w), axis=-1)


def top_activations(model: Any, x: np.ndarray, k: int = 8, layers: Sequence[str] | None = None,
                    batch_size: int = 250, measure: str = "pre") -> list:
    """For each channel of each conv layer, the ``k`` inputs of ``x`` that excite it most.

    Streams ``x`` in batches and keeps only a running top-k per channel (never all activations).
    A channel's score for an input is the maximum of its map over positions; ties are broken by the
    smaller input index, and the argmax is the first maximum in row-major order.

    Args:
        model: anything :func:`~lenet_viz.capture.trace` accepts.
        x: images (N,1,28,28).
        k: examples per channel (1..N).
        layers: conv layer names (default: every conv); each is ranked on its activation.
        batch_size: images per forward pass.
        measure: ``"pre"`` ranks on the activation's input z (sigmoid and ReLU are monotonic, so the
            order is the same, but saturated sigmoid outputs of exactly 1.0 would tie); ``"output"``
            ranks on the activation's output. Layers without a recorded pre-activation use the output.
    Returns:
        one :class:`TopK` per conv layer, in net order.
    Raises:
        LenetVizError: k out of range, unknown or non-conv layer, bad batch size or measure.
    """
    from .capture import check_input, trace

    x = check_input(x)
    n = len(x)
    if not 1 <= k <= n:
        raise LenetVizError(f"k must be 1..{n} (the number of inputs), got {k}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise LenetVizError(f"batch_size must be a positive integer, got {batch_size!r}")
    if measure not in ("pre", "output"):
        raise LenetVizError(f"measure must be 'pre' or 'output', got {measure!r}")
    t0 = trace(model, x[:1])
    pairs = conv_channels(t0)
    if layers is not None:
        known = dict(pairs)
        bad = [name for name in layers if name not in known]
        if bad:
            raise LenetVizError(f"not conv layers: {', '.join(bad)}; "
                                f"conv layers: {', '.join(known) or 'none'}")
        pairs = [(c, known[c]) for c in layers]
    use_pre = {r: measure == "pre" and t0[r].pre is not None for _, r in pairs}
    running: dict = {}
    for start in range(0, n, batch_size):
        t = trace(model, x[start:start + batch_size])
        for conv, ranked in pairs:
            rec = t[ranked]
            vals, pos = channel_scores(rec.pre if use_pre[ranked] else rec.output)
            vals, pos = vals.T, pos.transpose(1, 0, 2)  # (C, B), (C, B, 2)
            idx = np.broadcast_to(np.arange(start, start + len(rec.output)), vals.shape)
            if conv in running:
                pv, pi, pp = running[conv]
                vals, idx, pos = (np.concatenate([pv, vals], 1), np.concatenate([pi, idx], 1),
                                  np.concatenate([pp, pos], 1))
            running[conv] = _merge_topk(vals, idx, pos, k)
        del t  # one batch of activations at a time
    out = []
    for conv, ranked in pairs:
        v, i, p = running[conv]
        rf, jump, offset = rf_geometry(t0, ranked)
        out.append(TopK(ranked, conv, "pre" if use_pre[ranked] else "output", v, i, p, rf, jump, offset, n,
                        t0[conv].weights.get("weight")))
    return out


def rf_crop(image: np.ndarray, top: int, left: int, size: int, margin: int = 0,
            fill: float = 0.0) -> np.ndarray:
    """The ``size``×``size`` window at (top, left) of a 28×28 image plus ``margin`` on each side;
    pixels outside the image (the conv's zero padding) are ``fill``."""
    img = np.asarray(image).reshape(image.shape[-2], image.shape[-1])
    s = size + 2 * margin
    out = np.full((s, s), fill, dtype=np.float32)
    r0, c0 = top - margin, left - margin
    rs, cs = max(r0, 0), max(c0, 0)
    re, ce = min(r0 + s, img.shape[0]), min(c0 + s, img.shape[1])
    if rs < re and cs < ce:
        out[rs - r0:re - r0, cs - c0:ce - c0] = img[rs:re, cs:ce]
    return out


# ---------------------------------------------------------------- 5. occlusion sensitivity

@dataclass
class Occlusion:
    """How much hiding each patch lowers the probability of one class.

    Attributes:
        drop: (ny, nx) ``p(target | image) − p(target | image with patch (i, j) hidden)``.
        pixel: (28, 28) mean drop over every patch covering the pixel.
        rows, cols: top-left coordinates of the patches along each axis.
        target: the class whose probability is tracked (the prediction by default).
        p0: its probability on the unoccluded image.
        predicted: (ny, nx) the class predicted with each patch hidden.
        patch, stride, value: the patch side, its step and the value it writes.
    """

    drop: np.ndarray
    pixel: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    target: int
    p0: float
    predicted: np.ndarray
    patch: int
    stride: int
    value: float

    @property
    def worst(self) -> tuple[int, int]:
        """(row, col) top-left of the patch whose hiding lowers the probability most."""
        i, j = np.unravel_index(int(np.argmax(self.drop)), self.drop.shape)
        return int(self.rows[i]), int(self.cols[j])


def _starts(size: int, patch: int, stride: int) -> np.ndarray:
    """Patch positions along one axis; the last one is flush with the edge so every pixel is covered."""
    s = list(range(0, size - patch + 1, stride))
    if s[-1] != size - patch:
        s.append(size - patch)
    return np.asarray(s)


def occluded_images(x: np.ndarray, patch: int, stride: int, value: float) -> tuple:
    """Every occluded copy of one image (1,28,28): ``(images (ny*nx,1,28,28), rows, cols)``."""
    h, w = x.shape[-2:]
    rows, cols = _starts(h, patch, stride), _starts(w, patch, stride)
    imgs = np.repeat(x.reshape(1, 1, h, w).astype(np.float32), len(rows) * len(cols), axis=0)
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            imgs[a * len(cols) + b, 0, r:r + patch, c:c + patch] = value
    return imgs, rows, cols


def fast_predictor(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``images -> probabilities`` through one hybridized graph of ``model``'s net (several times faster
    than the imperative net for the hundreds of occluded copies of a digit).

    The net's layers are hybridized as a side effect, as :func:`lenet_viz.train.fused` does for the
    gallery's accuracy pass; tracing still sees every layer (captures run hybridized blocks imperatively).
    """
    from ._mx import mnp, npx
    from .train import fused

    net = fused(getattr(model, "net", model))

    def predict(x: np.ndarray) -> np.ndarray:
        return npx.softmax(net(mnp.array(np.asarray(x, dtype=np.float32)))).asnumpy()

    return predict


def occlusion_map(model: Any, x: np.ndarray, patch: int = 6, stride: int = 2,
                  value: float = OCCLUSION_VALUE, target: int | None = None,
                  batch_size: int = 512,
                  predict: Callable[[np.ndarray], np.ndarray] | None = None) -> Occlusion:
    """Slide a ``patch``×``patch`` square of ``value`` over the image and record the probability drop.

    The default ``value`` is 0, MNIST's background, not a gray 0.5: on a black background a gray
    square is a new blob of ink, so the map would mix "this stroke mattered" with "an added smudge
    confused the net". With 0 the patch only erases ink, and a patch over empty background changes
    nothing at all.

    Args:
        model: a :class:`~lenet_viz.model.Model` (or anything with ``predict_proba``) .
        x: one image, shape (1,28,28) or (1,1,28,28), values in [0, 1].
        patch: side of the square (1..28).
        stride: step between patch positions (>= 1); the last position is flush with the edge.
        value: what the patch writes.
        target: the class to track; the unoccluded prediction by default.
        batch_size: occluded images per forward pass.
        predict: ``images -> probabilities`` to use instead of ``model.predict_proba`` (e.g.
            :func:`fast_predictor`); the unoccluded image goes through the same function.
    Returns:
        an :class:`Occlusion`.
    Raises:
        LenetVizError: bad image shape, patch, stride or target.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.size != 28 * 28:
        raise LenetVizError(f"occlusion takes one 28×28 image, got shape {x.shape}")
    if not 1 <= patch <= 28 or stride < 1:
        raise LenetVizError(f"patch must be 1..28 and stride >= 1, got patch={patch}, stride={stride}")
    x = x.reshape(1, 1, 28, 28)
    imgs, rows, cols = occluded_images(x[0], patch, stride, value)
    predict = predict or model.predict_proba
    probs = np.concatenate([predict(imgs[i:i + batch_size]) for i in range(0, len(imgs), batch_size)])
    p_orig = predict(x)[0]
    target = int(p_orig.argmax()) if target is None else int(target)
    if not 0 <= target < p_orig.shape[0]:
        raise LenetVizError(f"target class must be 0..{p_orig.shape[0] - 1}, got {target}")
    drop = (p_orig[target] - probs[:, target]).reshape(len(rows), len(cols))
    total = np.zeros((28, 28), np.float64)
    count = np.zeros((28, 28), np.int64)
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            total[r:r + patch, c:c + patch] += drop[a, b]
            count[r:r + patch, c:c + patch] += 1
    return Occlusion(drop=drop, pixel=(total / count).astype(np.float32), rows=rows, cols=cols,
                     target=target, p0=float(p_orig[target]),
                     predicted=probs.argmax(axis=1).reshape(len(rows), len(cols)),
                     patch=patch, stride=stride, value=float(value))


# ---------------------------------------------------------------- command line

def _main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lenet_viz.analysis",
        description="Regenerate the shipped analysis records (deterministic for the seed).")
    parser.add_argument("--write-records", action="store_true", help="train and write the records")
    parser.add_argument("--only", choices=RECORDS, action="append", help="only this record (repeatable)")
    parser.add_argument("--out", default=None, help="folder to write into (default: lenet_viz/records)")
    parser.add_argument("--dynamics-epochs", type=int, default=DYNAMICS_EPOCHS)
    parser.add_argument("--init-epochs", type=int, default=INIT_EPOCHS)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.write_records:
        parser.print_help()
        return 2
    out = Path(args.out) if args.out else records_dir()
    out.mkdir(parents=True, exist_ok=True)
    from .data import load_dataset

    data = load_dataset("mnist-5k")
    for name in args.only or RECORDS:
        t0 = time.perf_counter()
        if name == "dynamics":
            rec = dynamics_record(args.dynamics_epochs, args.seed, data=data)
        else:
            rec = compare_init(epochs=args.init_epochs, seed=args.seed, data=data,
                               progress=lambda i, s: print(f"  init {i}: {s:.1f} s", file=sys.stderr))
        path = write_record(rec, out / f"{name}.json")
        print(f"wrote {path} ({path.stat().st_size:,} bytes) in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
