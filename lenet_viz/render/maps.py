"""Feature maps, dense strips, the prediction chart, learned kernels and the input, as Figures.

Every renderer here is pure: it takes a :class:`~lenet_viz.tracedata.Trace` (plain numpy, no MXNet),
returns a ``matplotlib.figure.Figure`` built without pyplot, and writes nothing; saving is
:func:`lenet_viz.render.figures.save_figure`. One sample of a batched trace is chosen by ``index``.

Colour scales are stated, never silently stretched: sigmoid outputs (and averages/maxima of them)
use the fixed range 0–1; other non-negative outputs (ReLU) share one 0–max scale per layer; signed
values (pre-activations, logits, BatchNorm and bare conv outputs) use a diverging map centred on 0
with symmetric limits. ``scale="channel"`` gives each tile its own limits, written in its title.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory, offset_copy

from ..errors import RenderError
from ..tracedata import Trace
from .figures import WIDTH, layout_template, new_figure
from .keys import figure_keys, is_map, is_vector
from .panels import wrap_width
from .scales import layer_scale as _layer_scale
from .scales import source as _source  # noqa: F401  (site.draw reads it)
from .tiles import (
    _CBAR_BAND,
    DIVERGING,
    IMAGE,
    _bare,
    _bottom_colorbar,
    _caption,
    _check_index,
    _colorbar_axes,
    _fmt,
    _frame,
    _grid,
    _place,
    _record,
    _relative_colorbar,
    _shape,
    _suptitle,
    _tile_figure,
    _tile_limits,
    _title,
    _top,
    _values,
)

SCALES = ("layer", "channel")


# ---------------------------------------------------------------- renderers


def feature_maps(trace: Trace, layer: str, index: int = 0, scale: str = "layer", pre: bool = False) -> Figure:
    """A grid of one layer's channel maps for one input, on a stated colour scale.

    Args:
        trace: a captured :class:`~lenet_viz.tracedata.Trace`.
        layer: a layer with a 4-D output (conv, pool, bn, act), e.g. ``conv1``.
        index: which input of the batch to draw.
        scale: ``"layer"`` (one scale for all channels; sigmoid outputs fixed to 0–1) or
            ``"channel"`` (each tile stretched to its own limits, written in its title).
        pre: draw the pre-activation (diverging map, symmetric about 0) instead of the output.
    Returns:
        a Figure whose first axes are the tiles, one per channel in order (each titled with channel
        index and mean), followed by one colorbar axes.
    Raises:
        RenderError: unknown layer, a layer that is not spatial, no pre-activation, bad index or scale.
    """
    rec = _record(trace, layer)
    index = _check_index(trace, index)
    if scale not in SCALES:
        raise RenderError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if not is_map(rec):
        maps = [r.name for r in trace if is_map(r)]
        raise RenderError(f"layer {rec.name} has output shape {_shape(rec.output_shape)}, not channel "
                          f"maps; feature maps exist for {', '.join(maps) or 'no layer'} "
                          f"(use dense_strip for vectors)")
    data = _values(rec, pre)[index]
    channels = data.shape[0]
    _, cols = _grid(channels)
    lay = _layer_scale(trace, rec, data, pre)
    per_channel = scale == "channel"
    font = 8 if cols >= 8 else 9
    fig, axes, cax = _tile_figure(channels, cols, 1.5, 2 if per_channel else 1, font)
    for c, ax in enumerate(axes):
        lo, hi = _tile_limits(lay, data[c]) if per_channel else (lay.vmin, lay.vmax)
        ax.imshow(data[c], cmap=lay.cmap, vmin=lo, vmax=hi, interpolation="nearest")
        title = f"{c}  μ={_fmt(float(data[c].mean()))}"
        if per_channel:
            title += f"\n±{_fmt(hi)}" if lay.cmap == DIVERGING else f"\n[{_fmt(lo)}, {_fmt(hi)}]"
        _title(ax, title, font)
    if per_channel:
        _relative_colorbar(fig, lay, cax)
    else:
        _bottom_colorbar(fig, axes[0].images[0], lay.label, cax)
    what = "pre-activation" if pre else "output"
    _suptitle(fig, f"{rec.name} {what}: {rec.describe()}, shape {_shape((0, *data.shape))}\n"
                   f"{_caption(trace, index)}; tiles titled channel and mean (μ)")
    return fig


def input_figure(raw: np.ndarray | None, preprocessed: np.ndarray) -> Figure:
    """The user's image as loaded beside the 28×28 array the net saw.

    Args:
        raw: the image as loaded, a 2-D uint8 array of any size (drawn on 0–255), or None.
        preprocessed: the net's input, 28×28 floats in [0, 1] (leading axes of size 1 are dropped).
    Returns:
        a Figure with one or two image axes (raw first), each followed by its colorbar.
    Raises:
        RenderError: arrays of the wrong shape or type.
    """
    pre = np.asarray(preprocessed)
    if pre.size != 28 * 28 or pre.squeeze().shape != (28, 28):
        raise RenderError(f"preprocessed image has shape {pre.shape}; expected 28×28 "
                          f"(or 1×1×28×28)")
    panels = [(pre.reshape(28, 28), 0.0, 1.0, "what the net saw: 28×28", "pixel value (fixed 0–1)")]
    if raw is not None:
        raw = np.asarray(raw)
        if raw.ndim != 2 or raw.dtype != np.uint8:
            raise RenderError(f"raw image must be a 2-D uint8 (grey) array, got shape {raw.shape} "
                              f"dtype {raw.dtype}")
        panels.insert(0, (raw, 0, 255, f"your image: {raw.shape[1]}×{raw.shape[0]} px",
                          "pixel value (fixed 0–255)"))
    side, cbar_w, cbar_room, title_h = 2.6, 0.12, 0.75, 0.4  # inches: image, colorbar, its labels
    panel_w = side + 0.12 + cbar_w + cbar_room
    fig = new_figure(len(panels) * panel_w + 0.2, side + title_h + 0.25, layout=None)
    for k, (img, lo, hi, title, label) in enumerate(panels):
        x = 0.15 + k * panel_w
        ax = _place(fig, x, 0.15, side, side)
        # A raw photo need not be square: keep its pixels square inside the box.
        im = ax.imshow(img, cmap=IMAGE, vmin=lo, vmax=hi, interpolation="nearest")
        _bare(ax)
        ax.set_title(title, fontsize=10, y=1.0, pad=6)
        cax = _place(fig, x + side + 0.12, 0.15 + side * 0.1, cbar_w, side * 0.8)
        cb = fig.colorbar(im, cax=cax)
        cb.set_label(label, fontsize=9)
        cb.ax.tick_params(labelsize=8)
    return fig


def dense_strip(trace: Trace, layer: str, index: int = 0, pre: bool = False) -> Figure:
    """A vector layer (dense, or a 1×1 global pool) as a heat strip wrapped into labelled rows.

    Unit ``u`` sits in the row labelled ``r`` at column ``u - r``. Colour scales follow the same
    rules as :func:`feature_maps`; up to 32 units also have their values written in the cells.

    Args:
        trace: a captured Trace.
        layer: a layer with a vector output, e.g. ``dense1``.
        index: which input of the batch to draw.
        pre: draw the pre-activation instead of the output.
    Returns:
        a Figure with one image axes (rows × width cells, cells past the last unit masked)
        followed by its colorbar axes.
    Raises:
        RenderError: unknown or non-vector layer, no pre-activation, bad index.
    """
    rec = _record(trace, layer)
    index = _check_index(trace, index)
    if not is_vector(rec):
        vectors = [r.name for r in trace if is_vector(r)]
        raise RenderError(f"layer {rec.name} has output shape {_shape(rec.output_shape)}, not a vector; "
                          f"strips exist for {', '.join(vectors) or 'no layer'} "
                          f"(use feature_maps for channel maps)")
    vec = _values(rec, pre).reshape(rec.output.shape[0], -1)[index]
    n = vec.size
    width = wrap_width(n)
    rows = math.ceil(n / width)
    grid = np.full(rows * width, np.nan, dtype=np.float32)
    grid[:n] = vec
    grid = np.ma.masked_invalid(grid.reshape(rows, width))
    lay = _layer_scale(trace, rec, vec, pre)

    fig = _strip_layout(rows, width)
    ax, cax = fig.axes
    im = ax.imshow(grid, cmap=lay.cmap, vmin=lay.vmin, vmax=lay.vmax, interpolation="nearest",
                   aspect="auto")
    # Column and row indices are plain texts, not ticks: 30 tick objects took half the build time.
    below = offset_copy(blended_transform_factory(ax.transData, ax.transAxes), fig, y=-3, units="points")
    left_of = offset_copy(blended_transform_factory(ax.transAxes, ax.transData), fig, x=-4, units="points")
    for c in range(width):
        ax.text(c, 0, str(c), transform=below, ha="center", va="top", fontsize=7, gid="column")
    for r in range(rows if rows > 1 else 0):
        ax.text(0, r, str(r * width), transform=left_of, ha="right", va="center", fontsize=8, gid="row")
    ax.text(0.5, 0, "column (unit = row label + column)" if rows > 1 else "unit", fontsize=9,
            transform=offset_copy(ax.transAxes, fig, y=-16, units="points"), ha="center", va="top")
    if n <= 32:
        norm = Normalize(lay.vmin, lay.vmax)
        for u, v in enumerate(vec):
            # Dark text on light cells and vice versa, so every value stays legible.
            light = 0.25 < norm(v) < 0.75 if lay.cmap == DIVERGING else norm(v) > 0.55
            ax.text(u % width, u // width, f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="black" if light else "white", gid="value")
    _bottom_colorbar(fig, im, lay.label, cax)
    what = "pre-activation" if pre else "output"
    units = "" if rec.kind == "dense" else f", {n} values"
    _suptitle(fig, f"{rec.name} {what}: {rec.describe()}{units}\n{_caption(trace, index)}")
    return fig


@layout_template
def _strip_layout(rows: int, width: int) -> Figure:
    left, right, below = 0.55, 0.25, 0.36  # row labels; margin; column labels + caption
    cell = min(0.55, (WIDTH - left - right) / width)
    fw = max(left + width * cell + right, 6.0)
    fh = _top(2) + rows * cell + below + _CBAR_BAND
    fig = new_figure(fw, fh, layout=None)
    _frame(_place(fig, left + (fw - left - right - width * cell) / 2, _CBAR_BAND + below,
                  width * cell, rows * cell))
    _colorbar_axes(fig)
    return fig


def prediction_chart(trace: Trace, index: int = 0, classes: Any = None) -> Figure:
    """The output probabilities as bars, the predicted class highlighted, values written on the bars.

    Args:
        trace: a captured Trace.
        index: which input of the batch to draw.
        classes: one label per output (default ``0``…``9``).
    Returns:
        a Figure with one axes; its bars are ``ax.containers[0]`` in class order, on a fixed 0–1
        axis, the predicted one with gid ``"predicted"``.
    Raises:
        RenderError: bad index, or ``classes`` of the wrong length.
    """
    index = _check_index(trace, index)
    probs = np.asarray(trace.probabilities[index], dtype=float)
    k = probs.size
    labels = [str(c) for c in (range(k) if classes is None else classes)]
    if len(labels) != k:
        raise RenderError(f"classes has {len(labels)} labels but the model has {k} outputs")
    best = int(probs.argmax())
    colours = ["#aab3bd"] * k
    colours[best] = "#d62728"
    fw, fh = max(6.0, min(WIDTH, 0.6 * k + 1.5)), 3.2
    fig = new_figure(fw, fh, layout=None)
    # Margins in inches: y tick labels + label on the left, class labels + label below, 2-line title.
    ax = _place(fig, 0.75, 0.55, fw - 0.95, fh - 0.55 - 0.6)
    bars = ax.bar(range(k), probs, color=colours, edgecolor="#555555", linewidth=0.5)
    bars[best].set_gid("predicted")
    for i, p in enumerate(probs):
        # "<0.01" rather than "0.00": a softmax is never exactly zero, and a reader would ask.
        text = f"{p:.2f}" if p >= 0.005 else "<0.01"
        ax.text(i, p + 0.02, text, ha="center", va="bottom", fontsize=8,
                fontweight="bold" if i == best else "normal")
    ax.set_xticks(range(k), labels=labels, fontsize=9)
    ax.set_ylim(0, 1.12)  # fixed, so two charts compare at a glance; headroom for the labels
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.tick_params(labelsize=8)
    ax.set_ylabel("probability (softmax)", fontsize=9)
    ax.set_xlabel("class", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(f"prediction: {labels[best]} (p = {probs[best]:.2f})\n{_caption(trace, index)}",
                 fontsize=10, y=1.0, pad=6)  # pinned: skips the per-draw search for top ticks
    return fig


def make_figure(trace: Trace, key: str, index: int = 0, raw: np.ndarray | None = None) -> Figure:
    """One figure of :func:`trace_figures` by its key (``input``, ``conv1``, ``conv1.pre``, …).

    Raises:
        RenderError: an unknown key or a bad index.
    """
    index = _check_index(trace, index)
    if key == "input":
        return input_figure(raw, trace.input[index, 0])
    if key == "prediction":
        return prediction_chart(trace, index)
    name, _, suffix = key.partition(".")
    rec = _record(trace, name)
    draw = feature_maps if is_map(rec) else dense_strip if is_vector(rec) else None
    if draw is None or suffix not in ("", "pre"):
        raise RenderError(f"no figure {key!r}; figures of this trace: {', '.join(figure_keys(trace))}")
    return draw(trace, name, index=index, pre=suffix == "pre")


def trace_figures(trace: Trace, index: int = 0, raw: np.ndarray | None = None) -> dict:
    """Every per-input figure of a trace, in network order, keyed by name.

    Keys: ``input``; for each spatial layer its name (and ``<name>.pre`` when it has a
    pre-activation); for each vector layer (dense, global pool) the same; ``prediction`` last.
    Flatten and dropout layers are skipped: they repeat the layer before them.

    Args:
        trace: a captured Trace.
        index: which input of the batch to draw.
        raw: the user's image as loaded (2-D uint8), drawn beside the net's input; optional.
    Returns:
        ``dict[str, Figure]`` in network order.
    Raises:
        RenderError: bad index or raw image.
    """
    index = _check_index(trace, index)
    with _gc_paused():
        return {key: make_figure(trace, key, index, raw) for key in figure_keys(trace)}


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch of figures is built; restore it after.

    A figure is thousands of small objects in reference cycles, and all of the batch stays alive
    until returned, so the collections its allocations trigger rescan them again and again and
    free nothing: measured at ~30 % of ``trace_figures``. Nothing is lost: the garbage made in the
    meantime is collected on the next automatic run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
