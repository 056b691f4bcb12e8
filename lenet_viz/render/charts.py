"""The per-digit charts with axes as light inline SVG: the prediction bars and this input's saturation
histograms, built from numpy counts (the matplotlib versions are ``maps.prediction_chart`` and
``histograms.saturation_figure``, kept for notebooks and the dataset-wide page).

Pure: numbers in, an SVG string out (no file, no matplotlib); every text is escaped. Histograms draw
the stats' own fixed bins, so what is drawn is what was counted; every axis states its scale
(probability fixed 0–1; counts 0 to the labelled maximum).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import numpy as np

from ..errors import RenderError
from ..facts import PRETTY
from .satfacts import _gradient, _pct, _pre_thresholds, _thresholds, dead_text, saturation_text

_W, _H = 250, 214  # one histogram panel, px: at this size it is shown unscaled on a 420 px phone
_L, _R, _T, _B = 46, 10, 70, 36  # its plot margins: count labels, title + notes, x labels
#: The smallest text drawn, in px at the chart's natural size, and the panel width a 420 px phone
#: gives a figure (a chart wider than that is scaled down, so its text is drawn larger to stay ≥ 11 px).
MIN_FONT, PHONE_PX = 11, 368
_BAND, _HIST, _PRE, _CURVE = "#d62728", "#4c72b0", "#8c8c8c", "#ff7f0e"


def _text(x: float, y: float, s: str, size: int = 10, anchor: str = "middle", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>'
            f"{escape(s)}</text>")


def _svg(w: float, h: float, label: str, body: list, cls: str) -> str:
    return (f'<svg class="{cls}" viewBox="0 0 {w:g} {h:g}" width="{w:g}" height="{h:g}" role="img" '
            f'aria-label="{escape(label)}" font-family="sans-serif"><title>{escape(label)}</title>'
            + "".join(body) + "</svg>")


def prediction_svg(probs: Any, classes: Any = None) -> str:
    """The softmax probabilities as bars on a fixed 0–1 axis, the predicted class in red (class
    ``predicted``), each value written over its bar ("<.01" below 0.005: a softmax is never 0; short,
    so neighbours stay apart at 11 px). Text is at least 11 px once the chart is fit to a phone.

    Raises:
        RenderError: ``classes`` of the wrong length.
    """
    p = np.asarray(probs, dtype=float).ravel()
    k = p.size
    labels = [str(c) for c in (range(k) if classes is None else classes)]
    if len(labels) != k:
        raise RenderError(f"classes has {len(labels)} labels but the model has {k} outputs")
    best = int(p.argmax())
    longest = max(map(len, labels))
    bw = 30 if longest <= 3 else 36  # long names are written slanted under their bars
    left, top, ph = 46, 30, 150
    w = left + k * bw + 10
    f = max(MIN_FONT, math.ceil(2 * MIN_FONT * w / PHONE_PX) / 2)  # ≥ 11 px once fit to a phone
    under = f + 4 if longest <= 3 else 8 + 0.72 * longest * 0.62 * f
    h = int(top + ph + under + f + 10)

    def y(v: float) -> float:
        return top + ph * (1 - v)

    head = f"prediction: {labels[best]} (p = {p[best]:.2f})"
    body = [_text(w / 2, 16, head, f + 2, extra=' font-weight="bold"')]
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        body.append(f'<line x1="{left}" x2="{left + k * bw}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ddd"/>')
        body.append(_text(left - 4, y(t) + 4, f"{t:g}", f, "end"))
    for i, v in enumerate(p):
        x, cx = left + i * bw + 6, left + i * bw + bw / 2
        cls, colour = ("bar predicted", "#d62728") if i == best else ("bar", "#aab3bd")
        body.append(f'<rect class="{cls}" data-p="{v:.6f}" x="{x}" y="{y(v):.2f}" width="{bw - 12}" '
                    f'height="{ph * v:.2f}" fill="{colour}" stroke="#555" stroke-width="0.5"/>')
        bold = ' font-weight="bold"' if i == best else ""
        body.append(_text(cx, y(v) - 3, f"{v:.2f}" if v >= 0.005 else "<.01", f, extra=bold))
        if longest <= 3:
            body.append(_text(cx, top + ph + f + 3, labels[i], f))
        else:
            ly, lx = top + ph + 10, cx + 4
            body.append(_text(lx, ly, labels[i], f, "end", extra=f' transform="rotate(-45 {lx:.1f} {ly})"'))
    body.append(_text(left + k * bw / 2, h - 6, "class", f))
    body.append(_text(13, top + ph / 2, "probability (softmax)", f,
                      extra=f' transform="rotate(-90 13 {top + ph / 2})"'))
    return _svg(w, h, f"prediction: {labels[best]}, p = {p[best]:.3f}", body, "chart prediction")


def _panel(edges: np.ndarray, counts: np.ndarray, colour: str, cls: str, title: str, xlabel: str,
           bands: list, notes: list, curve: tuple | None = None) -> str:
    """One histogram panel: bars of ``counts`` over ``edges``, shaded ``bands`` (x0, x1, class),
    ``notes`` (text, class, bold) written above the bars, and an optional (z, y, label) curve scaled
    to the panel height."""
    pw, ph = _W - _L - _R, _H - _T - _B
    lo, hi = float(edges[0]), float(edges[-1])
    top = max(float(counts.max()) if counts.size else 0.0, 1.0)

    def x(v: float) -> float:
        return _L + (min(max(v, lo), hi) - lo) / (hi - lo) * pw

    body = [_text(_W / 2, 13 + 14 * i, line, MIN_FONT, extra=' font-weight="bold"' if i == 0 else "")
            for i, line in enumerate(title.split("\n"))]
    for x0, x1, bcls in bands:
        body.append(f'<rect class="{bcls}" x="{x(x0):.1f}" y="{_T}" width="{x(x1) - x(x0):.1f}" '
                    f'height="{ph}" fill="{_BAND}" fill-opacity="0.13"/>')
    d = "".join(f"M{x(a):.1f} {_T + ph}V{_T + ph * (1 - c / top):.1f}H{x(b):.1f}V{_T + ph}Z"
                for a, b, c in zip(edges[:-1], edges[1:], counts) if c > 0)
    body.append(f'<path class="{cls}" d="{d}" fill="{colour}"/>')
    if curve is not None:
        z, g, label = curve
        gtop = max(float(g.max()) * 1.1, 1e-3)
        pts = " ".join(f"{x(a):.1f},{_T + ph * (1 - b / gtop):.1f}" for a, b in zip(z, g))
        body.append(f'<polyline class="slope" points="{pts}" fill="none" stroke="{_CURVE}" '
                    f'stroke-width="1.6"><title>{escape(label)}, 0–{gtop:.3g} over the panel height'
                    "</title></polyline>")
        body.append(_text(_W - _R - 2, _T + 12, f"{label} (max {float(g.max()):.3g})", MIN_FONT, "end",
                          extra=f' fill="{_CURVE}"'))
    for i, (text, ncls, bold) in enumerate(notes):
        body.append(_text(_W / 2, 44 + 13 * i, text, MIN_FONT,
                          extra=f' class="{ncls}"' + (' font-weight="bold"' if bold else "")))
    body.append(f'<rect x="{_L}" y="{_T}" width="{pw}" height="{ph}" fill="none" stroke="#444" '
                'stroke-width="0.6"/>')
    body.append(_text(_L - 3, _T + 9, f"{top:,.0f}", MIN_FONT, "end"))
    body.append(_text(_L - 3, _T + ph, "0", MIN_FONT, "end"))
    body.append(_text(_L, _T + ph + 13, f"{lo:g}", MIN_FONT, "start"))
    body.append(_text(_L + pw, _T + ph + 13, f"{hi:g}", MIN_FONT, "end"))
    if lo < 0 < hi:
        body.append(_text(x(0.0), _T + ph + 13, "0", MIN_FONT))
    body.append(_text(_L + pw / 2, _H - 6, xlabel, MIN_FONT))
    body.append(_text(11, _T + ph / 2, "unit values", MIN_FONT,
                      extra=f' transform="rotate(-90 11 {_T + ph / 2})"'))
    return _svg(_W, _H, f"{title.splitlines()[0]}: {xlabel} histogram", body, "chart hist")


def saturation_svgs(stats: Any) -> list:
    """Per activation layer of ``stats`` (a ``DatasetStats``), its output histogram with the
    saturation bands and the saturated (or, for ReLU, dead) fraction written on it, and its
    pre-activation histogram under the activation's slope: ``[(output svg, pre svg), …]``.

    Raises:
        RenderError: no activation layers.
    """
    layers = list(getattr(stats, "layers", None) or [])
    if not layers:
        raise RenderError("no activation layers in these statistics: the net applies no activation")
    out = []
    for s in layers:
        name = PRETTY.get(s.activation, s.activation)
        title = f"{s.name} ({name})\n{s.n:,} unit values"
        edges, counts = np.asarray(s.post_edges), np.asarray(s.post_counts)
        th, bands, notes = _thresholds(s), [], []
        if th is not None:
            bands = [(edges[0], th[0], "band-low"), (th[1], edges[-1], "band-high")]
            notes = [(saturation_text(s), "saturated", True),
                     (f"low {_pct(s.saturated_low)} · high {_pct(s.saturated_high)}", "saturated-split",
                      False)]
        elif s.activation == "relu":
            notes = [(dead_text(s), "dead", True), (f"zero outputs: {_pct(s.saturated_low)}", "zero", False)]
        post = _panel(edges, counts, _HIST, "post-hist", title, f"{name} output", bands, notes)
        edges, counts = np.asarray(s.pre_edges), np.asarray(s.pre_counts)
        pth, bands, notes = _pre_thresholds(s), [], []
        if pth is not None:
            bands = [(edges[0], pth[0], "pre-band-low"), (pth[1], edges[-1], "pre-band-high")]
        elif s.activation == "relu":
            bands = [(edges[0], 0.0, "pre-band-low")]
        z = np.linspace(edges[0], edges[-1], 121)
        grad = _gradient(s.activation, z)
        if s.activation == "sigmoid" and not math.isnan(s.mean_dsigmoid):
            notes.append((f"mean σ'(z) = {s.mean_dsigmoid:.3f}", "mean-dsigmoid", False))
        clipped = int(getattr(s, "pre_underflow", 0)) + int(getattr(s, "pre_overflow", 0))
        if clipped:
            end = max(abs(edges[0]), abs(edges[-1]))
            notes.append((f"{clipped:,} beyond ±{end:g} in end bins", "clipped", False))
        curve = (z, grad[0], grad[1].split(",")[0]) if grad is not None and counts.sum() else None
        pre = _panel(edges, counts, _PRE, "pre-hist", title, "pre-activation z", bands, notes, curve)
        out.append((post, pre))
    return out
