"""A conv layer's learned kernels on one shared diverging scale."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from ..errors import RenderError
from ..tracedata import Trace
from .figures import new_figure
from .tiles import (
    DIVERGING,
    _bottom_colorbar,
    _fmt,
    _grid,
    _place,
    _record,
    _suptitle,
    _sym,
    _tile_figure,
    _title,
    _top,
)


def kernels_figure(trace: Trace, layer: str) -> Figure:
    """A conv layer's learned kernels on one shared diverging scale, symmetric about 0.

    A bank with one input channel (conv1) is drawn as one tile per output channel, titled
    ``out k``. A bank with several input channels is one mosaic image: kernel ``(o, i)`` fills
    rows ``o*(kh+1) … o*(kh+1)+kh-1`` and columns ``i*(kw+1) … i*(kw+1)+kw-1``, with masked
    one-pixel gaps between, so rows are output channels and columns input channels. (One axes
    per kernel would cost ~10 ms each: 96 for LeNet's conv2, 2,048 for the modern conv3.)

    Args:
        trace: a captured Trace (kernels are the same for every input).
        layer: a conv layer, e.g. ``conv1``.
    Returns:
        a Figure: the tile or mosaic axes, then one colorbar axes.
    Raises:
        RenderError: unknown layer or a layer without 4-D ``weight``.
    """
    rec = _record(trace, layer)
    w = rec.weights.get("weight")
    if w is None or np.ndim(w) != 4:
        convs = [r.name for r in trace if np.ndim(r.weights.get("weight")) == 4]
        raise RenderError(f"layer {rec.name} has no convolution kernels; kernels exist for "
                          f"{', '.join(convs) or 'no layer'}")
    w = np.asarray(w)
    n_out, n_in, kh, kw = w.shape
    m = _sym(w)
    label = f"weight (shared, symmetric ±{_fmt(m)})"
    title = f"{rec.name} kernels: {n_out}×{n_in}×{kh}×{kw} ({rec.describe()})"

    if n_in == 1:
        _, cols = _grid(n_out)
        fig, axes, cax = _tile_figure(n_out, cols, 1.0, 1, 9)
        for o, ax in enumerate(axes):
            ax.imshow(w[o, 0], cmap=DIVERGING, vmin=-m, vmax=m, interpolation="nearest")
            _title(ax, f"out {o}", 9)
        _bottom_colorbar(fig, axes[0].images[0], label, cax)
        _suptitle(fig, f"{title}\none kernel per output channel; blue < 0 < red")
        return fig

    step_h, step_w = kh + 1, kw + 1
    mosaic = np.full((n_out * step_h - 1, n_in * step_w - 1), np.nan, dtype=np.float32)
    for o in range(n_out):
        for i in range(n_in):
            mosaic[o * step_h:o * step_h + kh, i * step_w:i * step_w + kw] = w[o, i]
    px = min(0.08, 6.6 / mosaic.shape[0], 5.0 / mosaic.shape[1])  # inches per kernel pixel
    mw, mh = mosaic.shape[1] * px, mosaic.shape[0] * px
    left, right, top, bottom = 0.75, 1.3, _top(2) + 0.45, 0.3  # labels, colorbar, in-channel ticks
    fw = max(left + mw + right, 6.0)
    fh = top + mh + bottom
    fig = new_figure(fw, fh, layout=None)
    x0 = left + (fw - left - right - mw) / 2
    ax = _place(fig, x0, bottom, mw, mh)
    # Grey gaps: white would merge with near-zero weights, which RdBu_r draws almost white.
    cmap = colormaps[DIVERGING].with_extremes(bad="#a6a6a6")
    im = ax.imshow(np.ma.masked_invalid(mosaic), cmap=cmap, vmin=-m, vmax=m,
                   interpolation="nearest", aspect="auto")
    every_in, every_out = math.ceil(n_in / 16), math.ceil(n_out / 24)
    ax.set_xticks([i * step_w + (kw - 1) / 2 for i in range(0, n_in, every_in)],
                  labels=[str(i) for i in range(0, n_in, every_in)], fontsize=8)
    ax.set_yticks([o * step_h + (kh - 1) / 2 for o in range(0, n_out, every_out)],
                  labels=[str(o) for o in range(0, n_out, every_out)], fontsize=8)
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    ax.tick_params(length=0, pad=2)
    ax.set_xlabel("input channel", fontsize=9, labelpad=3)
    ax.set_ylabel("output channel", fontsize=9, labelpad=3)
    for side in ax.spines.values():
        side.set_visible(False)
    cax = _place(fig, x0 + mw + 0.25, bottom + mh * 0.1, 0.13, mh * 0.8)
    cb = fig.colorbar(im, cax=cax)
    cb.set_label(label, fontsize=9)
    cb.ax.tick_params(labelsize=8)
    _suptitle(fig, f"{title}\nrows = output channel, columns = input channel; blue < 0 < red")
    return fig
