"""The init claim: the seed net trained once per initialiser, same seed and recipe."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import LenetVizError
from ..fmt import rounded as _r
from .probe import PROBE_SIZE, SEED_RECIPE, _meta, _run, _strip, probe_batch, takeoff_epoch

INIT_EPOCHS = 40
INIT_NAMES = ("xavier", "default", "normal")


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
    from ..data import load_dataset
    from ..model import INITS

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
    cmd = (f"lenet-viz records --only init  "
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
