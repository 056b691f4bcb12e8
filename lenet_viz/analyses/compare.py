"""lenet5 vs modern vs mlp: accuracy, parameters per layer, activation health, aligned stages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..facts import activation_layer

#: Stages aligned across architectures: the first activation after each conv, and each pool.
STAGES = (("conv", 1), ("pool", 1), ("conv", 2), ("pool", 2))


def stage_layers(t: Any) -> list:
    """Per :data:`STAGES` entry, the layer of trace ``t`` showing it (None when the net has none).

    A conv stage is the conv's activation output: the conv itself when the activation is fused
    (``lenet5``), else the first ``act`` layer after it (``modern``: conv → BatchNorm → ReLU).
    """
    out = []
    for kind, k in STAGES:
        name = f"{kind}{k}"
        if name not in t.names:
            out.append(None)
        else:
            out.append(activation_layer(t, name) if kind == "conv" else name)
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
    from ..capture import trace
    from ..stats import dataset_stats
    from ..train import accuracy, fused

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


def background_levels(x: Any, maps: Any, kernel: int) -> list:
    """Per channel, the median value of ``maps`` on the background of the inputs ``x``.

    A map pixel is on the background when the ``kernel``×``kernel`` input window centred on it is
    all zero (the conv saw nothing there), which needs maps the size of the input (a padded first
    conv). A ReLU after BatchNorm is not always zero there: the shift comes before the ReLU.

    Args:
        x: (N, 1, H, W) inputs in [0, 1].
        maps: (N, C, H, W) the stage's output for those inputs.
        kernel: the conv's kernel side (odd).
    Returns:
        C floats (NaN for a channel when no pixel is background).
    """
    import numpy as np

    x, maps = np.asarray(x), np.asarray(maps)
    if maps.shape[2:] != x.shape[2:]:
        raise ValueError(f"maps of {maps.shape[2:]} are not the input's size {x.shape[2:]}")
    r = kernel // 2
    ink = np.pad(x[:, 0] > 0, ((0, 0), (r, r), (r, r)))
    windows = np.lib.stride_tricks.sliding_window_view(ink, (kernel, kernel), axis=(1, 2))
    background = ~windows.any(axis=(-1, -2))  # (N, H, W)
    if not background.any():
        return [float("nan")] * maps.shape[1]
    return [float(np.median(maps[:, c][background])) for c in range(maps.shape[1])]
