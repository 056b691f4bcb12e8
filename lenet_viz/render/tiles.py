"""The tile layout shared by the feature-map and kernel figures: colour scales, hand-placed square
tiles with budgeted room for titles, and the colorbars under them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..errors import RenderError
from ..tracedata import LayerRecord, Trace
from .figures import WIDTH, layout_template, new_figure
from .scales import DIVERGING, IMAGE, SEQUENTIAL  # noqa: F401  (re-exported)
from .scales import Scale as _Scale
from .scales import fmt as _fmt  # noqa: F401
from .scales import sym as _sym

_MAX_COLS = 8


def _record(trace: Trace, layer: str) -> LayerRecord:
    """The named layer, or a RenderError listing the names."""
    if not isinstance(trace, Trace):
        raise RenderError(f"expected a lenet_viz Trace, got {type(trace).__name__}")
    try:
        return trace[layer]
    except KeyError:
        raise RenderError(f"no layer {layer!r} in this trace; layers: {', '.join(trace.names)}") from None


def _check_index(trace: Trace, index: int) -> int:
    """``index`` as an int within the trace's batch, or a RenderError naming the valid range."""
    n = trace.input.shape[0]
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
        raise RenderError(f"index {index!r} is out of range: this trace holds {n} input(s), "
                          f"so index must be 0..{n - 1}")
    return int(index)


def _values(rec: LayerRecord, pre: bool) -> np.ndarray:
    """The output or pre-activation array, or a RenderError when the layer has no pre-activation."""
    if not pre:
        return rec.output
    if rec.pre is None:
        raise RenderError(f"layer {rec.name} has no pre-activation (it applies no activation); "
                          f"draw it with pre=False")
    return rec.pre


def _tile_limits(scale: _Scale, tile: np.ndarray) -> tuple[float, float]:
    """Per-channel limits: the tile's own range, symmetric about 0 when the map is diverging."""
    if scale.cmap == DIVERGING:
        m = _sym(tile)
        return -m, m
    lo, hi = float(tile.min()), float(tile.max())
    if hi - lo < 1e-12:  # a constant tile: widen so the colour maps to the middle, not an edge
        lo, hi = lo - 0.5e-6, hi + 0.5e-6
    return lo, hi


# ---------------------------------------------------------------- layout helpers
# Tile figures are laid out by hand in inches: the space for every line of text is budgeted, so
# nothing is clipped, and it costs nothing at draw time (constrained layout took ~0.3 s per grid).

_LINE = 1.3 / 72  # inches per point of font size for one line of text, leading included
_SUPTITLE_PT = 10
_GAP = 0.1  # inches between tiles
_CBAR_BAND = 0.8  # inches below the content for a horizontal colorbar, its ticks and label


def _grid(n: int, max_cols: int = _MAX_COLS) -> tuple[int, int]:
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def _bare(ax: Any) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _frame(ax: Any) -> None:
    """Dress an image axes as a tile: a thin frame, without any axis machinery.

    With the axis off (and titles pinned in height, which skips matplotlib's per-draw search for
    tick labels under them) a many-tile figure draws in half the time.
    """
    ax.set_axis_off()
    ax.add_artist(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, linewidth=0.6,
                            edgecolor="#444444", clip_on=False))
    for axis in (ax.xaxis, ax.yaxis):
        # Never drawn, yet the tick objects an Axes makes at birth are ~70 % of its objects, which
        # pickling and every garbage collection walk. Deleting the lists returns them to their lazy,
        # empty state (as ``Axis.reset_ticks`` does); they are rebuilt if the axis is turned on.
        del axis.majorTicks, axis.minorTicks


def _title(ax: Any, title: str, fontsize: float) -> None:
    ax.set_title(title, fontsize=fontsize, y=1.0, pad=3)


def _top(lines: int) -> float:
    return 0.22 + lines * _SUPTITLE_PT * _LINE


def _place(fig: Figure, x: float, y: float, w: float, h: float) -> Any:
    """An axes at (x, y) with size (w, h), all in inches from the bottom-left corner."""
    fw, fh = fig.get_size_inches()
    return fig.add_axes((x / fw, y / fh, w / fw, h / fh))


def _suptitle(fig: Figure, text: str) -> None:
    fig.suptitle(text, fontsize=_SUPTITLE_PT, y=1 - 0.1 / fig.get_size_inches()[1], va="top")


def _colorbar_axes(fig: Figure) -> Any:
    """The axes of the horizontal colorbar centred under the content."""
    fw = fig.get_size_inches()[0]
    w = min(5.5, fw - 1.0)
    return _place(fig, (fw - w) / 2, 0.5, w, 0.13)


def _bottom_colorbar(fig: Figure, mappable: Any, label: str, cax: Any = None) -> Any:
    cb = fig.colorbar(mappable, cax=cax if cax is not None else _colorbar_axes(fig),
                      orientation="horizontal")
    cb.set_label(label, fontsize=9, labelpad=2)
    cb.ax.tick_params(labelsize=8)
    return cb


def _tile_figure(n: int, cols: int, tile_max: float, title_lines: int, title_pt: float,
                 sup_lines: int = 2) -> tuple[Figure, list, Any]:
    """A figure of ``n`` framed square tiles, ``cols`` per row, with room for titles and suptitle,
    and an empty colorbar axes below: ``(figure, tile axes, colorbar axes)``."""
    fig = _tile_layout(n, cols, tile_max, title_lines, title_pt, sup_lines)
    return fig, fig.axes[:n], fig.axes[n]


@layout_template
def _tile_layout(n: int, cols: int, tile_max: float, title_lines: int, title_pt: float,
                 sup_lines: int) -> Figure:
    rows = math.ceil(n / cols)
    title_h = title_lines * title_pt * _LINE + 0.04 if title_lines else 0.0
    tile = min(tile_max, (WIDTH - 0.3 - (cols - 1) * _GAP) / cols)
    content_w = cols * tile + (cols - 1) * _GAP
    top = _top(sup_lines)
    width = max(content_w + 0.3, 6.0)  # 6 in: room for a two-line suptitle and the colorbar label
    height = top + rows * (title_h + tile) + (rows - 1) * _GAP + _CBAR_BAND
    fig = new_figure(width, height, layout=None)
    x0 = (width - content_w) / 2
    for k in range(n):
        r, c = divmod(k, cols)
        y = height - top - r * (title_h + tile + _GAP) - title_h - tile
        _frame(_place(fig, x0 + c * (tile + _GAP), y, tile, tile))
    _colorbar_axes(fig)
    return fig


def _relative_colorbar(fig: Figure, scale: _Scale, cax: Any) -> Any:
    """The one colorbar that is true for every tile when each tile has its own limits."""
    if scale.cmap == DIVERGING:
        sm = ScalarMappable(Normalize(-1, 1), scale.cmap)
        cb = _bottom_colorbar(fig, sm, "per-channel scale, symmetric: each tile's ±m is in its title", cax)
        cb.set_ticks([-1, 0, 1], labels=["−m", "0", "+m"])
    else:
        sm = ScalarMappable(Normalize(0, 1), scale.cmap)
        cb = _bottom_colorbar(fig, sm, "per-channel scale: each tile's [min, max] is in its title", cax)
        cb.set_ticks([0, 1], labels=["tile min", "tile max"])
    return cb


def _caption(trace: Trace, index: int) -> str:
    label = trace.model or "model"
    return f"{label}, input #{index}" if trace.input.shape[0] > 1 else label


def _shape(shape: tuple) -> str:
    return "×".join(str(s) for s in shape[1:])


