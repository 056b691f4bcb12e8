"""The numbers a saturation chart states, without matplotlib: its on-panel texts, the saturation
thresholds in output and pre-activation space, and the activation's slope.

Shared by the matplotlib figure (:mod:`.histograms`) and the per-digit SVG (:mod:`.charts`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..facts import BOUNDED
from ..fmt import pct


def _pct(v: float) -> str:
    return pct(v, missing="n/a", sep="")


def saturation_text(s: Any) -> str:
    """The line written on a bounded-activation panel (gid ``saturated``).

    Args:
        s: a :class:`~lenet_viz.stats.LayerStats`.
    Returns:
        e.g. ``"saturated: 15.5%"``, formatted from ``s.saturated_fraction`` (``n/a`` when NaN).
    """
    return f"saturated: {_pct(s.saturated_fraction)}"


def dead_text(s: Any) -> str:
    """The line written on a ReLU panel (gid ``dead``).

    Args:
        s: a :class:`~lenet_viz.stats.LayerStats`.
    Returns:
        e.g. ``"dead: 1.1%"``, formatted from ``s.dead_fraction`` (``n/a`` when NaN).
    """
    return f"dead: {_pct(s.dead_fraction)}"


def _thresholds(s: Any) -> tuple[float, float] | None:
    """Output-space saturation thresholds of a bounded activation (as the stats count them)."""
    if s.activation not in BOUNDED:
        return None
    lo, hi = BOUNDED[s.activation]
    return lo + s.low * (hi - lo), lo + s.high * (hi - lo)


def _pre_thresholds(s: Any) -> tuple[float, float] | None:
    """The same thresholds mapped back through the activation, so both rows shade the same units."""
    if s.activation == "sigmoid":
        return math.log(s.low / (1 - s.low)), math.log(s.high / (1 - s.high))
    if s.activation == "tanh":
        return math.atanh(2 * s.low - 1), math.atanh(2 * s.high - 1)
    if s.activation == "softsign":
        a, b = 2 * s.low - 1, 2 * s.high - 1
        return a / (1 - abs(a)), b / (1 - abs(b))
    return None


def _gradient(activation: str, z: np.ndarray) -> tuple[np.ndarray, str] | None:
    """The activation's derivative over ``z`` and its label, for the twin axis."""
    if activation == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s), "σ'(z), the sigmoid's slope"
    if activation == "tanh":
        return 1 - np.tanh(z) ** 2, "tanh'(z)"
    if activation == "softsign":
        return 1 / (1 + np.abs(z)) ** 2, "softsign'(z)"
    if activation == "relu":
        return (z > 0).astype(float), "ReLU'(z)"
    if activation == "softrelu":
        return 1 / (1 + np.exp(-z)), "softplus'(z)"
    return None
