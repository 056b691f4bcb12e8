"""The light per-digit figures: a digit's tile grids, strips and input as plain arrays and words.

Pure and matplotlib-free: a :class:`~lenet_viz.tracedata.Trace` in, a :class:`Panel` out, holding
each tile as uint8 RGB pixels (one pixel per array value, through :mod:`.colormaps` on the layer's
stated :class:`~lenet_viz.render.scales.Scale`) and the words a page writes around it: title, tile
captions, scale. The site writes the tiles as PNGs and the words as HTML; ``maps.py`` draws the same
content as matplotlib figures for notebooks and ``lenet-viz`` users who want a Figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import RenderError
from ..tracedata import Trace
from .colormaps import colorize, hex_colours, inks
from .keys import figure_keys, is_map, is_vector
from .scales import IMAGE, Scale, fmt, layer_scale

#: Tiles are shown about this many CSS pixels wide (an integer zoom of their array, pixelated).
TILE_PX = 112


@dataclass
class Tile:
    """One image of a panel: RGB pixels, a caption, and the CSS size it is shown at."""

    rgb: np.ndarray  # (h, w, 3) uint8, one pixel per value
    caption: str
    name: str  # file stem, unique within the digit
    alt: str
    width: int = 0
    height: int = 0

    def __post_init__(self) -> None:
        h, w = self.rgb.shape[:2]
        if not self.width:
            zoom = max(1, TILE_PX // max(h, w)) if max(h, w) <= TILE_PX else 1
            self.width, self.height = w * zoom, h * zoom


@dataclass
class Panel:
    """One figure of a digit page: a title, tiles or strip cells, and the colour scales it uses."""

    key: str
    title: str
    tiles: list = field(default_factory=list)
    scales: list = field(default_factory=list)  # Scale, one colour bar each
    strip: dict | None = None  # {"width", "rows": [{"label", "cells": [{unit, value, bg, fg, text}]}]}
    caption: str = ""


def _values(trace: Trace, name: str, pre: bool, index: int) -> np.ndarray:
    rec = trace[name]
    if pre and rec.pre is None:
        raise RenderError(f"layer {name} has no pre-activation (it applies no activation)")
    return np.asarray(rec.pre if pre else rec.output)[index]


def map_panel(trace: Trace, name: str, index: int = 0, pre: bool = False) -> Panel:
    """A layer's channel maps as tiles on one shared scale (fixed 0–1 for sigmoid outputs)."""
    rec = trace[name]
    data = _values(trace, name, pre, index)
    sc = layer_scale(trace, rec, data, pre)
    key = f"{name}.pre" if pre else name
    tiles = [Tile(colorize(data[c], sc.cmap, sc.vmin, sc.vmax), f"{c}  μ={fmt(float(data[c].mean()))}",
                  f"{key}-{c}", f"{key} channel {c}") for c in range(data.shape[0])]
    what = "pre-activation" if pre else "output"
    title = (f"{name} {what}: {rec.describe()}, shape {'×'.join(map(str, data.shape))}; "
             f"tiles captioned channel and mean (μ)")
    return Panel(key, title, tiles, [sc])


def wrap_width(n: int) -> int:
    """Units per row of a strip: all of them when few, else a divisor of ``n`` near 24 (no ragged row)."""
    if n <= 32:
        return n
    divisors = [w for w in range(16, 33) if n % w == 0]
    return min(divisors, key=lambda w: (abs(w - 24), -w)) if divisors else 24


def strip_panel(trace: Trace, name: str, index: int = 0, pre: bool = False) -> Panel:
    """A vector layer as rows of coloured cells (unit = row label + column); values written when ≤ 32."""
    rec = trace[name]
    vec = _values(trace, name, pre, index).reshape(-1)
    sc = layer_scale(trace, rec, vec, pre)
    n, width = vec.size, wrap_width(vec.size)
    bg, fg = hex_colours(vec, sc.cmap, sc.vmin, sc.vmax), inks(vec, sc.cmap, sc.vmin, sc.vmax)
    values = vec.tolist()
    rows = []
    for r in range(math.ceil(n / width)):
        cells = [{"unit": u, "value": values[u], "bg": bg[u], "fg": fg[u],
                  "text": f"{values[u]:.2f}" if n <= 32 else ""}
                 for u in range(r * width, min(n, (r + 1) * width))]
        rows.append({"label": r * width, "cells": cells})
    key = f"{name}.pre" if pre else name
    what = "pre-activation" if pre else "output"
    units = "" if rec.kind == "dense" else f", {n} values"
    return Panel(key, f"{name} {what}: {rec.describe()}{units}", [], [sc],
                 {"width": width, "rows": rows, "columns": list(range(width)), "wrapped": len(rows) > 1})


def input_panel(raw: np.ndarray | None, preprocessed: np.ndarray) -> Panel:
    """The image as loaded (0–255) beside the 28×28 array the net saw (0–1), both in grey."""
    pre = np.asarray(preprocessed)
    if pre.size != 28 * 28:
        raise RenderError(f"preprocessed image has shape {pre.shape}; expected 28×28 (or 1×1×28×28)")
    tiles, scales = [], []
    if raw is not None:
        raw = np.asarray(raw)
        if raw.ndim != 2 or raw.dtype != np.uint8:
            raise RenderError(f"raw image must be a 2-D uint8 (grey) array, got shape {raw.shape} "
                              f"dtype {raw.dtype}")
        h, w = raw.shape
        side = 224 / max(h, w)
        tiles.append(Tile(colorize(raw, IMAGE, 0, 255), f"your image: {w}×{h} px", "input-raw",
                          "your image as given", max(1, round(w * side)), max(1, round(h * side))))
        scales.append(Scale(IMAGE, 0, 255, "your image: pixel value (fixed 0–255)"))
    tiles.append(Tile(colorize(pre.reshape(28, 28), IMAGE, 0.0, 1.0), "what the net saw: 28×28",
                      "input", "the 28×28 input the network sees", 224, 224))
    scales.append(Scale(IMAGE, 0.0, 1.0, "what the net saw: pixel value (fixed 0–1)"))
    return Panel("input", "Input", tiles, scales)


#: A kernel tile is shown about this many CSS pixels on its long side (an integer zoom).
KERNEL_PX = 64


def kernel_tiles(trace: Trace, name: str) -> tuple[list, Scale] | None:
    """A conv layer's kernels as one tile per output channel, to show beside that channel's map.

    A channel's tile holds its kernel planes, one per input channel, in a grid (2×3 for 6 inputs)
    with one white pixel between planes; every tile of the layer shares one diverging scale,
    symmetric about 0. The kernels are the same for every input: draw them once per gallery.

    Returns:
        ``(tiles, scale)``, or None when the layer holds no 4-D ``weight``.
    """
    from .scales import DIVERGING, sym

    w = trace[name].weights.get("weight")
    if w is None or np.ndim(w) != 4:
        return None
    w = np.asarray(w)
    n_out, n_in, kh, kw = w.shape
    m = sym(w)
    cols, rows = _planes(n_in)
    tiles = []
    for o in range(n_out):
        img = np.full((rows * (kh + 1) - 1, cols * (kw + 1) - 1, 3), 255, np.uint8)
        for i in range(n_in):
            r, c = divmod(i, cols)
            img[r * (kh + 1):r * (kh + 1) + kh, c * (kw + 1):c * (kw + 1) + kw] = \
                colorize(w[o, i], DIVERGING, -m, m)
        zoom = max(1, KERNEL_PX // max(img.shape[:2]))
        tiles.append(Tile(img, "", f"{name}-kernel-{o}", f"{name} kernel of channel {o}",
                          img.shape[1] * zoom, img.shape[0] * zoom))
    return tiles, Scale(DIVERGING, -m, m, f"{name} kernel weights (shared, symmetric ±{fmt(m)})")


def _planes(n: int) -> tuple[int, int]:
    """(cols, rows) of a kernel's input planes: no taller than wide (6 → 3×2, 16 → 4×4, 32 → 8×4)."""
    rows = max((r for r in range(1, int(math.isqrt(n)) + 1) if n % r == 0), default=1)
    return n // rows, rows


def digit_panels(trace: Trace, index: int = 0, raw: np.ndarray | None = None) -> list:
    """Every per-input panel but the prediction, in network order (the keys of ``figure_keys``)."""
    out = []
    for key in figure_keys(trace):
        if key == "input":
            out.append(input_panel(raw, trace.input[index, 0]))
        elif key != "prediction":
            name, _, suffix = key.partition(".")
            draw = map_panel if is_map(trace[name]) else strip_panel if is_vector(trace[name]) else None
            if draw is None:
                raise RenderError(f"no figure {key!r}")
            out.append(draw(trace, name, index, suffix == "pre"))
    return out
