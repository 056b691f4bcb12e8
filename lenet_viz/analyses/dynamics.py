"""Training dynamics: the seed net with the seed's recipe, every epoch recorded on the probe batch."""

from __future__ import annotations

from typing import Any

from .probe import (
    PROBE_SIZE,
    SEED_RECIPE,
    _meta,
    _run,
    _strip,
    peak_saturation,
    plateau_epochs,
    probe_batch,
    takeoff_epoch,
)

DYNAMICS_EPOCHS = 60


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
    from ..data import load_dataset

    recipe = dict(SEED_RECIPE if recipe is None else recipe)
    data = data if data is not None else load_dataset("mnist-5k")
    probe = probe_batch(data, probe_n)
    history = _run("lenet5", "xavier", recipe, epochs, seed, data, probe, train_limit)
    takeoff = takeoff_epoch(history)
    peak = peak_saturation(history)
    keep = {0, 1, epochs, peak["epoch"]} | ({takeoff} if takeoff else set())
    cmd = f"lenet-viz records --only dynamics  # epochs={epochs} seed={seed}"
    return {"kind": "dynamics", "variant": "lenet5", "init": "xavier",
            "meta": _meta(data, recipe, seed, probe, train_limit, cmd),
            "history": _strip(history, keep),
            "summary": {"plateau_epochs": plateau_epochs(history), "takeoff_epoch": takeoff,
                        "peak_saturation": peak, "hist_epochs": sorted(keep),
                        "final_test_acc": history[-1].get("test_acc")}}
