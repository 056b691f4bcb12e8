"""Saturation figure: where each activation layer's units sit on their activation curve.

Pure renderer: a :class:`~lenet_viz.stats.DatasetStats` in (from one trace with ``layer_stats`` or
streamed over a dataset with ``dataset_stats``), a ``matplotlib.figure.Figure`` out; nothing is
printed or written. Histograms are drawn from the stats' fixed bins, so what is plotted is exactly
what was counted.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, MaxNLocator
from matplotlib.transforms import Affine2D, blended_transform_factory

from ..errors import RenderError
from ..facts import PRETTY
from .figures import WIDTH, layout_template, new_figure
from .satfacts import _gradient, _pct, _pre_thresholds, _thresholds, dead_text, saturation_text

_BAND = "#d62728"
_HIST = "#4c72b0"
_PRE = "#8c8c8c"
_CURVE = "#ff7f0e"


def _band(ax: Any, x0: float, x1: float, gid: str) -> None:
    span = ax.axvspan(x0, x1, color=_BAND, alpha=0.13, linewidth=0, zorder=0)
    span.set_gid(gid)


def _note(ax: Any, text: str, gid: str, y: float = 0.97, **kw: Any) -> None:
    t = ax.text(0.5, y, text, transform=ax.transAxes, ha="center", va="top", fontsize=kw.pop("size", 9),
                **kw)
    t.set_gid(gid)


def _headroom(ax: Any, counts: np.ndarray, factor: float) -> None:
    """Raise the y limit above the tallest bar so the notes sit on empty space, not on the data."""
    ax.set_ylim(0, max(float(counts.max()), 1.0) * factor)


def _post_panel(ax: Any, s: Any) -> None:
    edges, counts = np.asarray(s.post_edges), np.asarray(s.post_counts)
    ax.stairs(counts, edges, fill=True, color=_HIST, gid="post-hist")
    ax.set_xlim(edges[0], edges[-1])
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_formatter(EngFormatter(sep=""))
    th = _thresholds(s)
    if th is not None:
        _band(ax, edges[0], th[0], "band-low")
        _band(ax, th[1], edges[-1], "band-high")
        _note(ax, saturation_text(s), "saturated", fontweight="bold")
        _note(ax, f"low {_pct(s.saturated_low)} · high {_pct(s.saturated_high)}", "saturated-split",
              y=0.84, size=8)
        _headroom(ax, counts, 1.45)
    elif s.activation == "relu":
        _note(ax, dead_text(s), "dead", fontweight="bold")
        _note(ax, f"zero outputs: {_pct(s.saturated_low)}", "zero", y=0.84, size=8)
        _headroom(ax, counts, 1.45)
    name = PRETTY.get(s.activation, s.activation)
    # A pinned title height skips matplotlib's per-draw search for ticks under the title (no axis
    # here has top ticks): that search was a quarter of this figure's draw time.
    ax.set_title(f"{s.name} ({name})\n{s.n:,} unit values", fontsize=9, y=1.0, pad=4)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.set_xlabel(f"{name} output", fontsize=8, labelpad=1)


def _pre_panel(ax: Any, s: Any, twin: Any) -> None:
    edges, counts = np.asarray(s.pre_edges), np.asarray(s.pre_counts)
    ax.set_xlim(edges[0], edges[-1])
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax.xaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlabel("pre-activation z", fontsize=8, labelpad=1)
    if counts.sum() == 0:
        ax.text(0.5, 0.5, "no pre-activation recorded", transform=ax.transAxes, ha="center", fontsize=8)
        if twin is not None:
            twin.set_visible(False)
        return
    ax.stairs(counts, edges, fill=True, color=_PRE, gid="pre-hist")
    th = _pre_thresholds(s)
    if th is not None:
        _band(ax, edges[0], th[0], "pre-band-low")
        _band(ax, th[1], edges[-1], "pre-band-high")
    elif s.activation == "relu":
        _band(ax, edges[0], 0.0, "pre-band-low")
    _headroom(ax, counts, 1.35)
    z = np.linspace(edges[0], edges[-1], 401)
    grad = _gradient(s.activation, z)
    if grad is not None:
        top = max(float(grad[0].max()) * 1.35, 1e-3)  # the same headroom as the bars
        # The slope is drawn on the panel itself, scaled so 0..top spans its height: a twin axes
        # per panel doubled the cost of this figure. Only panels that label the scale get a twin.
        scale = Affine2D().scale(1.0, 1.0 / top) + ax.transAxes
        ax.plot(z, grad[0], color=_CURVE, linewidth=1.6, gid="slope",
                transform=blended_transform_factory(ax.transData, scale))
        if twin is not None:
            twin.set_ylim(0, top)
            twin.yaxis.set_major_locator(MaxNLocator(4))
            twin.tick_params(axis="y", colors=_CURVE, labelsize=7)
            twin.set_ylabel(grad[1], color=_CURVE, fontsize=8, labelpad=2)
    if s.activation == "sigmoid" and not math.isnan(s.mean_dsigmoid):
        _note(ax, f"mean σ'(z) = {s.mean_dsigmoid:.3f}", "mean-dsigmoid", size=8)
    clipped = int(getattr(s, "pre_underflow", 0)) + int(getattr(s, "pre_overflow", 0))
    if clipped:
        # two short lines: one long one spilled past the panel onto the y tick labels
        _note(ax, f"{clipped:,} beyond ±{max(abs(edges[0]), abs(edges[-1])):g}\nin the end bins", "clipped",
              y=0.87, size=7, linespacing=1.0)


def saturation_figure(stats: Any) -> Figure:
    """Where every activation layer's units sit: output histograms with saturation bands, and the
    pre-activation histograms under the activation's derivative.

    Top row, one panel per activation layer: the histogram of outputs from the stats' fixed bins,
    with the saturation bands (output below ``low`` or above ``high``) shaded and the saturated
    fraction written on the panel; for ReLU layers the dead-unit fraction instead. Bottom row: the
    histogram of pre-activations z with the same bands mapped into z, and the derivative (σ'(z) for
    sigmoid, a line with gid ``slope``) overlaid on a scale labelled at the right: shaded units
    pass back almost no gradient.

    Args:
        stats: a :class:`~lenet_viz.stats.DatasetStats` (``layer_stats(trace)`` or ``dataset_stats``).
    Returns:
        a Figure whose axes are the 2 × (activation layers) panels, row by row, then the twin
        axes that label the slope scale (one, or one per panel when activations differ).
        Texts carry gids ``saturated``/``dead``; shaded bands ``band-low``/``band-high``.
    Raises:
        RenderError: ``stats`` holds no activation layers or is not a DatasetStats.
    """
    layers = list(getattr(stats, "layers", None) or [])
    if not layers:
        raise RenderError("no activation layers in these statistics: the net applies no activation "
                          "(expected a DatasetStats from layer_stats(trace) or dataset_stats)")
    cols = len(layers)
    same = len({s.activation for s in layers}) == 1
    # One twin axis labels the slope; panels of one activation share its scale, so only the last.
    twins = tuple(not same or k == cols - 1 for k in range(cols))
    fig = _layout(cols, twins)
    axes = np.array(fig.axes[:2 * cols], dtype=object).reshape(2, cols)
    twin_axes = iter(fig.axes[2 * cols:])
    for k, s in enumerate(layers):
        _post_panel(axes[0, k], s)
        _pre_panel(axes[1, k], s, next(twin_axes) if twins[k] else None)
    axes[0, 0].set_ylabel("unit values", fontsize=8)
    axes[1, 0].set_ylabel("unit values", fontsize=8)
    n = int(getattr(stats, "n_samples", 0))
    where = ", ".join(x for x in (getattr(stats, "model", ""), getattr(stats, "dataset", "")) if x)
    first = next((s for s in layers if _thresholds(s) is not None), None)
    bands = (f"shaded: saturated (output < {first.low:g} or > {first.high:g} of its range)"
             if first is not None else "shaded: z < 0, where ReLU passes no gradient; "
             "dead = zero for every input seen")
    plural = "s" if n != 1 else ""
    fig.suptitle(f"Activation saturation — {where or 'model'}, {n:,} input{plural}\n{bands}\n"
                 f"bottom: pre-activations z, with the activation's slope in orange",
                 fontsize=10, y=1 - 0.08 / fig.get_figheight(), va="top")
    return fig


@layout_template
def _layout(cols: int, twins: tuple) -> Figure:
    # Margins in inches, budgeted for the text around the panels (suptitle 3 lines + panel titles
    # 2 lines above; tick labels, axis labels and the twin slope axis between). Constrained layout
    # found the same result but took ~0.5 s of a ~0.7 s render to do it.
    left, right, top, bottom, gap, vgap = 0.7, 0.55, 1.12, 0.45, 0.52, 0.5
    width, height = min(WIDTH, max(5.0, left + right + 1.6 * cols + gap * (cols - 1))), 5.8
    pw = (width - left - right - gap * (cols - 1)) / cols
    ph = (height - top - bottom - vgap) / 2
    fig = new_figure(width, height, layout=None)
    axes = fig.subplots(2, cols, squeeze=False, gridspec_kw={
        "left": left / width, "right": 1 - right / width, "top": 1 - top / height,
        "bottom": bottom / height, "wspace": gap / pw, "hspace": vgap / ph})
    for ax in axes.ravel():
        ax.tick_params(labelsize=7)
    for k, twin in enumerate(twins):
        if twin:
            axes[1, k].twinx()
    return fig
