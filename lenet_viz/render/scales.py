"""The colour scales of every map, strip and kernel figure, decided without matplotlib.

Colour scales are stated, never silently stretched: sigmoid outputs (and averages/maxima of them)
use the fixed range 0–1; other non-negative outputs (ReLU) share one 0–max scale per layer; signed
values (pre-activations, logits, BatchNorm and bare conv outputs) use a diverging map centred on 0
with symmetric limits. Both the matplotlib figures and the light per-digit panels use these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..facts import BOUNDED, pretty
from ..tracedata import LayerRecord, Trace

SEQUENTIAL = "viridis"
DIVERGING = "RdBu_r"
IMAGE = "gray"
_PASS_THROUGH = ("pool", "gap", "flatten", "dropout")  # kinds that keep their input's value range


@dataclass(frozen=True)
class Scale:
    """A colour scale and the words that state it on the colorbar."""

    cmap: str
    vmin: float
    vmax: float
    label: str


def fmt(v: float) -> str:
    """Short numbers for tile titles: two decimals while small, fewer as they grow."""
    a = abs(v)
    return f"{v:.2f}" if a < 10 else f"{v:.1f}" if a < 1000 else f"{v:.3g}"


def sym(data: np.ndarray) -> float:
    """The symmetric limit of a diverging scale: the largest magnitude (1 for an all-zero array)."""
    m = float(np.max(np.abs(data))) if data.size else 0.0
    return m if m > 0 else 1.0  # an all-zero array still needs a non-empty range


def source(trace: Trace, rec: LayerRecord) -> tuple[str | None, str]:
    """The activation whose values ``rec`` carries (looking back through pools), and a phrase for them."""
    i = next(k for k, r in enumerate(trace.layers) if r is rec)  # identity: records hold arrays
    prefix = ""
    while True:
        r = trace.layers[i]
        if r.activation:
            return r.activation, f"{prefix}{pretty(r.activation)} output"
        if r.kind in _PASS_THROUGH and i > 0:
            if r.kind in ("pool", "gap") and not prefix:
                prefix = f"{r.config.get('pool', 'avg')}-pooled "
            i -= 1
            continue
        what = {"bn": "BatchNorm output", "conv": "conv output, no activation",
                "dense": "dense output, no activation"}.get(r.kind, f"{r.kind} output")
        if r is trace.layers[-1]:
            what = "logits, before softmax"
        return None, f"{prefix}{what}"


def layer_scale(trace: Trace, rec: LayerRecord, data: np.ndarray, pre: bool) -> Scale:
    """One scale for the whole layer (all channels of the chosen sample)."""
    if pre:
        m = sym(data)
        return Scale(DIVERGING, -m, m, f"pre-activation z (shared, symmetric ±{fmt(m)})")
    act, what = source(trace, rec)
    if act in BOUNDED:
        lo, hi = BOUNDED[act]
        return Scale(SEQUENTIAL if lo == 0 else DIVERGING, lo, hi, f"{what} (fixed {lo:g}–{hi:g})")
    if data.size and float(data.min()) >= 0:
        hi = float(data.max()) or 1.0
        return Scale(SEQUENTIAL, 0.0, hi, f"{what} (shared, 0–{fmt(hi)})")
    m = sym(data)
    return Scale(DIVERGING, -m, m, f"{what} (shared, symmetric ±{fmt(m)})")
