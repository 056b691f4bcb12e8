"""Shared pieces of the per-epoch figures (dynamics, init comparison) and the colours that name
layers, inits and models the same way in every figure."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import RenderError

LAYER_COLORS = {"conv1": "#1f77b4", "conv2": "#ff7f0e", "dense1": "#2ca02c", "dense2": "#d62728",
                "dense3": "#9467bd", "conv3": "#8c564b"}
INIT_COLORS = {"xavier": "#1f77b4", "default": "#8c564b", "normal": "#d62728", "he": "#2ca02c"}
INIT_STYLES = {"default": (0, (4, 2))}  # dashed: it overlaps Xavier's flat line at chance
INIT_LABELS = {"xavier": "Xavier", "default": "MXNet default U(±0.07)", "normal": "normal N(0, 1)",
               "he": "He"}
MODEL_COLORS = {"lenet5": "#1f77b4", "modern": "#2ca02c", "mlp": "#7f7f7f"}
_PLATEAU = "#f2c14e"
_BAND = "#d62728"
SIGMOID_MAX_SLOPE = 0.25


def _color(table: dict, key: str, i: int) -> str:
    fallback = ("#17becf", "#bcbd22", "#e377c2", "#7f7f7f")
    return table.get(key, fallback[i % len(fallback)])


def _series(history: list, key: str, layer: str | None = None, field: str | None = None) -> tuple:
    """(epochs, values) of one quantity; missing values are dropped."""
    xs, ys = [], []
    for h in history:
        if layer is None:
            v = h.get(key)
        else:
            v = (h.get(key) or {}).get(layer)
            v = v.get(field) if isinstance(v, dict) else v
        if v is not None:
            xs.append(h["epoch"])
            ys.append(v)
    return np.asarray(xs), np.asarray(ys, dtype=float)


def _runs(record: dict) -> list:
    """The record's runs in the order they were asked for (JSON keys come back sorted)."""
    runs = record.get("runs") or {}
    if not runs:
        raise RenderError("init comparison record has no runs")
    asked = record.get("inits", [])
    order = [n for n in asked if n in runs] + [n for n in runs if n not in asked]
    return [(n, runs[n]) for n in order]


def _layers(history: list) -> list:
    return list(history[0].get("layers", {})) if history else []


def _check_history(history: Any, what: str) -> list:
    if not isinstance(history, list) or not history or "epoch" not in history[0]:
        raise RenderError(f"{what}: expected a non-empty per-epoch history (a list of dicts with 'epoch')")
    return history


def _shade(ax: Any, span: tuple | None, label: str | None = None) -> None:
    if span:
        ax.axvspan(span[0] - 0.5, span[1] + 0.5, color=_PLATEAU, alpha=0.25, linewidth=0, zorder=0,
                   label=label)


def _mark(ax: Any, epoch: int | None) -> None:
    if epoch is not None:
        ax.axvline(epoch, color="#333333", linestyle=":", linewidth=1)


def _small(ax: Any) -> None:
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.25, linewidth=0.6)
