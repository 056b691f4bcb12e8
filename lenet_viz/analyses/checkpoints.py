"""Training replayed: three runs trained again with weights kept at chosen epochs, for the training
page and for ``--model <run>@<epoch>`` (see :mod:`lenet_viz.snapshots`).

The runs go through :func:`lenet_viz.train.train` with the same epoch hook as ``lenet-viz train`` (the
saturation probe); the snapshot only copies the weights, so the ``lenet5`` run ends on the shipped
``lenet5.params`` byte for byte (checked: the card records both sha256). Checkpoints are stored as
float16; the card records, per checkpoint, how far that moves every activation on the held-out split.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..fmt import rounded as _r
from .probe import PROBE_SIZE, SEED_RECIPE, plateau_epochs, probe_batch, probe_stats, saturation_probe

#: Dense early, sparse late; the seed runs also cover the plateau's end and the take-off (40–55).
SEED_EPOCHS = (0, 1, 2, 4, 8, 16, 28, 40, 44, 48, 51, 55, 60)
LENET5_EPOCHS = (0, 1, 2, 3, 5, 8, 12, 20, 30, 45, 60, 90, 120)
#: A layer counts as "mostly saturated" above this fraction (the slider's marks).
MOSTLY = 0.5
#: The plateau: epochs whose held-out accuracy stays within this of epoch 1's (as the dynamics record).
PLATEAU_BAND = 0.05


@dataclass(frozen=True)
class Run:
    """One training recipe replayed with checkpoints."""

    name: str
    init: str | None
    recipe: dict
    epochs: int
    saved: tuple
    augment: str = "none"
    shipped: str | None = None  # the shipped model this recipe made (its last epoch is that file)
    about: str = ""
    extra: dict = field(default_factory=dict)


RUNS = {
    "seed-xavier": Run("seed-xavier", "xavier", dict(SEED_RECIPE), 60, SEED_EPOCHS,
                       about="the seed's recipe (SGD lr 0.9, batch 128), Xavier init — as the Training-"
                             "dynamics page"),
    "seed-default": Run("seed-default", "default", dict(SEED_RECIPE), 60, SEED_EPOCHS,
                        about="the seed's recipe, MXNet's default init (uniform ±0.07) — as the Init page"),
    "lenet5": Run("lenet5", None, {"optimizer": "adam", "lr": 0.003, "batch_size": 128}, 120, LENET5_EPOCHS,
                  augment="handwriting", shipped="lenet5",
                  about="the shipped lenet5 recipe (Adam lr 0.003, handwriting augmentation, Xavier)"),
}


def param_names(net: Any) -> list:
    """``[[name, shape], …]`` of a net's parameters in ``save_parameters`` order."""
    return [[k, list(p.shape)] for k, p in net._collect_params_with_prefix().items()]


def _flat(net: Any) -> np.ndarray:
    return np.concatenate([p.data().asnumpy().astype(np.float32).ravel()
                           for p in net._collect_params_with_prefix().values()])


def _net_from(variant: str, flat: np.ndarray, params: list) -> Any:
    from .._mx import mnp
    from ..model import build_net
    from ..snapshots import unflatten

    net = build_net(variant)
    arrays = unflatten(flat, params)
    for name, p in net._collect_params_with_prefix().items():
        p.set_data(mnp.array(arrays[name]))
    return net


def fp16_effect(net32: Any, net16: Any, x: np.ndarray) -> float:
    """max |a16 − a32| / (1 + |a32|) over every recorded activation (and probabilities) of ``x``."""
    from ..capture import trace

    t32, t16 = trace(net32, x), trace(net16, x)
    worst = float(np.max(np.abs(t16.probabilities - t32.probabilities) / (1 + np.abs(t32.probabilities))))
    for a, b in zip(t32.layers, t16.layers):
        for u, v in ((a.output, b.output), (a.pre, b.pre)):
            if u is not None:
                u64 = u.astype(np.float64)
                worst = max(worst, float(np.max(np.abs(v - u64) / (1 + np.abs(u64)))))
    return worst


def replay(run: Run, data: Any, epochs: int | None = None, saved: tuple | None = None,
           train_limit: int | None = None, probe_n: int = PROBE_SIZE, seed: int = 0) -> tuple[dict, dict]:
    """Train ``run`` once, keeping the weights at the ``saved`` epochs.

    Args:
        run: the recipe; ``epochs``/``saved``/``train_limit`` override it (tests use tiny budgets).
        data: the mnist-5k Dataset.
    Returns:
        ``(card, arrays)``: the run card (without the npz sha256) and ``{"epoch_<n>": float16 vector}``.
    """
    from ..model import load_model, save_model, sha256_of
    from ..train import TrainConfig, accuracy, train

    epochs = run.epochs if epochs is None else epochs
    saved = tuple(e for e in (run.saved if saved is None else saved) if e <= epochs)
    cfg = TrainConfig(variant="lenet5", dataset=data.name, epochs=epochs, seed=seed, init=run.init,
                      augment=run.augment, train_limit=train_limit, **run.recipe)
    probe_x, probe_y = probe_batch(data, probe_n)
    probe = saturation_probe(probe_x, probe_y, histograms=False)  # the hook `lenet-viz train` runs
    snaps: dict[int, np.ndarray] = {}

    def hook(epoch: int, net: Any) -> dict:
        if epoch in saved:
            snaps[epoch] = _flat(net)
        return {"saturated": {n: s["saturated"] for n, s in probe(epoch, net)["layers"].items()}}

    result = train(cfg, data, epoch_hook=hook)
    params = param_names(result.net)
    shipped = None
    full = run.shipped is not None and epochs == run.epochs and train_limit is None and seed == 0
    if full:  # does the replay end on the shipped file, byte for byte?
        with tempfile.TemporaryDirectory() as tmp:
            p, _ = save_model(result.net, Path(tmp) / "final", {})
            ours, theirs = sha256_of(p), load_model(run.shipped).card["sha256"]
        shipped = {"model": run.shipped, "sha256": theirs, "replay_sha256": ours, "equal": ours == theirs}
    x, y = data.test.x, data.test.y
    arrays, cards = {}, []
    for e in saved:
        flat = snaps[e]
        net32 = _net_from("lenet5", flat, params)
        if shipped and shipped["equal"] and e == epochs:
            net, stored = net32, {"model": run.shipped, "dtype": "float32"}
            err = 0.0
        else:
            half = flat.astype(np.float16)
            arrays[f"epoch_{e}"] = half
            net, stored = _net_from("lenet5", half, params), {"key": f"epoch_{e}", "dtype": "float16"}
            err = fp16_effect(net32, net, x)
        layers = probe_stats(net, probe_x, histograms=False)
        cards.append({"epoch": e, "test_accuracy": _r(accuracy(net, x, y)),
                      "saturated": {n: s["saturated"] for n, s in layers.items()},
                      "fp16_effect": _r(err, 9), **stored})
    history = [{"epoch": h["epoch"], "test_acc": h.get("test_acc"),
                "saturated": h["saturated"]} for h in result.history]
    # train() measures held-out accuracy after each epoch only; epoch 0's is its stored checkpoint's
    history[0]["test_acc"] = cards[0]["test_accuracy"] if saved and saved[0] == 0 else None
    command = (f"lenet-viz records --only checkpoints  # run={run.name} epochs={epochs} seed={seed}"
               + (f" train_limit={train_limit}" if train_limit else ""))
    card = {"run": run.name, "about": run.about, "variant": "lenet5", "dataset": data.name,
            "init": run.init or "xavier", "augment": run.augment, "epochs": epochs, "seed": seed,
            **{k: v for k, v in run.recipe.items()},
            "train_images": int(min(len(data.train), train_limit or len(data.train))),
            "test_images": int(len(y)), "probe_images": int(len(probe_x)),
            "params": params, "checkpoints": cards, "history": history, "shipped": shipped,
            "marks": marks(history), "command": command,
            "fp16_effect_max": _r(max([c["fp16_effect"] for c in cards], default=0.0), 9)}
    return card, arrays


def marks(history: list) -> list:
    """Where the data say something happened: the plateau's end and, per layer, the first epoch
    it is more than :data:`MOSTLY` saturated. ``[{"epoch", "kind", "layer"?, "text"}]`` by epoch."""
    out = []
    trained = [h for h in history if h["epoch"] >= 1 and h.get("test_acc") is not None]
    if trained:
        n = plateau_epochs(history, PLATEAU_BAND)
        if n < len(trained):
            first, left = trained[0]["test_acc"], trained[n]
            text = (f"plateau ends: held-out accuracy stayed within {PLATEAU_BAND * 100:g} points of "
                    f"{first * 100:.1f} % for {n} epochs, then {left['test_acc'] * 100:.1f} % at epoch "
                    f"{left['epoch']}")
            out.append({"epoch": int(trained[n - 1]["epoch"]) if n else 0, "kind": "plateau", "text": text})
    layers = list(history[0]["saturated"]) if history else []
    for name in layers:
        hit = next((h for h in history if (h["saturated"].get(name) or 0) > MOSTLY), None)
        if hit is not None:
            out.append({"epoch": int(hit["epoch"]), "kind": "saturated", "layer": name,
                        "text": f"{name} first more than {MOSTLY:.0%} saturated: "
                                f"{hit['saturated'][name] * 100:.1f} % of its values"})
    return sorted(out, key=lambda m: (m["epoch"], m["kind"], m.get("layer", "")))


def write_checkpoints(out: Path, runs: tuple = tuple(RUNS), data: Any = None,
                      note: Callable[[str], Any] | None = None, **budget: Any) -> list:
    """Replay ``runs`` and write ``<run>.npz`` + ``<run>.json`` into ``out``; returns the paths.

    ``budget`` (``epochs``, ``saved``, ``train_limit``, ``probe_n``) shrinks the runs for tests.
    """
    from ..data import load_dataset
    from ..fileio import atomic_write
    from ..model import sha256_of
    from ..snapshots import write_npz
    from .records import dump_record

    data = data if data is not None else load_dataset("mnist-5k")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in runs:
        card, arrays = replay(RUNS[name], data, **budget)
        npz = atomic_write(out / f"{name}.npz", lambda f, a=arrays: write_npz(f, a))
        card["npz"] = {"file": npz.name, "sha256": sha256_of(npz)}
        paths += [npz, atomic_write(out / f"{name}.json", dump_record(card))]
        if note:
            note(f"wrote {npz} ({npz.stat().st_size:,} bytes), fp16 effect {card['fp16_effect_max']:.2e}")
    return paths
