"""The encoder pyramid drawn with one input's own activations.

:func:`pyramid` is :func:`~lenet_viz.render.diagram.diagram` with each node's glyph replaced by a
picture of that layer's values for one input: conv and pool nodes show their feature maps as a
grid of thumbnails (the planes shrink 28→14→10→5 pixels while their number grows 1→6→16), vector
layers (flatten, dense) a strip of units wrapped into rows, and the output a bar per class of the
softmax probabilities. Each layer's tiles share that layer's colour scale
(:func:`~lenet_viz.render.scales.layer_scale`: fixed 0–1 for sigmoid outputs), as on the digit pages.

The pictures are PNGs that Graphviz places by file name, so the DOT text names files
(``conv1.png``…) and fixes every picture's size from the architecture alone: it never depends on
the input's values, so the same net gives the same DOT (and the same layout) for every input, and
a gallery lays the diagram out once and only swaps the pictures per page (:func:`embed`). The SVG
carries the pictures as ``data:`` URIs, so it is self-contained.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import RenderError
from ..tracedata import Trace
from .colormaps import colorize
from .keys import is_map, is_vector
from .panels import map_panel, wrap_width
from .scales import IMAGE, layer_scale

if TYPE_CHECKING:
    from .diagram import Diagram

#: Points per feature-map pixel (a 28×28 map is 49 pt wide), lowered for a node whose grid would
#: be wider or taller than MAX_GRID_PT.
PT_PER_PX = 1.75
MAX_GRID_PT = 180
#: Points per unit of a strip (a dense layer's 120 units: 24 a row, 5 rows → 96 × 20 pt).
PT_PER_UNIT = 4
#: The output bars: points per class column, and the bars' height.
PT_PER_CLASS, BARS_PT = 12, 48
_BAR_PX = 24  # bar image: 5 px a class (blank, 3 px bar, blank), 24 px tall
_TRACK, _BAR, _TOP = (238, 238, 238), (136, 136, 136), (0, 158, 115)
_WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Picture:
    """What a node shows in place of its glyph: a PNG Graphviz reads by name, at a size in points."""

    src: str
    width: int
    height: int
    labels: tuple = ()  # a row of text cells under the picture (the output's class indices)


def _grid_shape(n: int) -> tuple[int, int]:
    """(rows, cols) for n thumbnails, no wider than tall (a wide node would widen a whole row of the
    diagram): rows the divisor of n nearest above √n (6 → 3×2, 16 → 4×4, 32 → 8×4), else ⌈√n⌉."""
    root = math.sqrt(n)
    rows = next((r for r in range(math.ceil(root), math.floor(2 * root) + 1) if n % r == 0),
                math.ceil(root))
    return rows, math.ceil(n / rows)


def _src(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name) + ".png"


def _node_values(trace: Trace, name: str) -> tuple[str, object]:
    """How node ``name`` is drawn (``map``, ``strip``, ``bars``) and the record it reads."""
    names = trace.names
    if name == "input":
        return "map", None
    if name in names:
        rec = trace[name]
        if rec is trace.layers[-1]:
            return "bars", rec
        if is_map(rec):
            return "map", rec
        if is_vector(rec):
            return "strip", rec
        raise RenderError(f"layer {name} has output shape {rec.output_shape}: no picture for it")
    # an implicit flatten: the values of the layer before the Dense that flattens
    after = name.removeprefix("flatten_") if name.startswith("flatten_") else None
    i = names.index(after) if after in names else next(
        k for k, r in enumerate(trace.layers) if r.kind == "dense" and len(r.input_shape) == 4)
    return "strip", trace.layers[i - 1]


def pictures(trace: Trace, names: list) -> dict:
    """Each node's :class:`Picture` (file name and size in points): from the architecture only."""
    out = {}
    for name in names:
        how, rec = _node_values(trace, name)
        if how == "bars":
            n = int(math.prod(rec.output_shape[1:]))
            out[name] = Picture(_src(name), n * PT_PER_CLASS, BARS_PT, tuple(str(k) for k in range(n)))
            continue
        shape = tuple(trace.input.shape[1:]) if rec is None else tuple(rec.output_shape[1:])
        if how == "map":
            rows, cols = _grid_shape(shape[0])
            w, h = cols * shape[2] + cols - 1, rows * shape[1] + rows - 1
            s = min(PT_PER_PX, MAX_GRID_PT / max(w, h))
            out[name] = Picture(_src(name), max(1, round(w * s)), max(1, round(h * s)))
        else:
            n = int(math.prod(shape))
            width = wrap_width(n)
            out[name] = Picture(_src(name), width * PT_PER_UNIT, math.ceil(n / width) * PT_PER_UNIT)
    return out


def _grid(tiles: list, cols: int) -> np.ndarray:
    """Tiles of one size in a grid, one white pixel between them."""
    h, w = tiles[0].shape[:2]
    rows = math.ceil(len(tiles) / cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1, 3), 255, np.uint8)
    for k, t in enumerate(tiles):
        r, c = divmod(k, cols)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = t
    return out


def _bars(p: np.ndarray) -> np.ndarray:
    """One column a class: a grey track, the bar (height ∝ probability) green for the top class."""
    n = p.size
    img = np.full((_BAR_PX, 5 * n, 3), 255, np.uint8)
    top = int(np.argmax(p))
    for k, v in enumerate(p.tolist()):
        img[:, 5 * k + 1:5 * k + 4] = _TRACK
        h = int(round(min(max(v, 0.0), 1.0) * _BAR_PX))
        if h:
            img[_BAR_PX - h:, 5 * k + 1:5 * k + 4] = _TOP if k == top else _BAR
    return img


def images(trace: Trace, names: list, index: int = 0) -> dict:
    """Each node's picture for input ``index`` as uint8 RGB pixels (one pixel per value), by file name."""
    if not 0 <= index < trace.input.shape[0]:
        raise RenderError(f"index {index} is out of range: the trace holds {trace.input.shape[0]} input(s)")
    out = {}
    for name in names:
        how, rec = _node_values(trace, name)
        if how == "bars":
            out[_src(name)] = _bars(np.asarray(trace.probabilities[index], np.float64))
        elif rec is None:
            x = trace.input[index]
            out[_src(name)] = _grid([colorize(x[c], IMAGE, 0.0, 1.0) for c in range(x.shape[0])],
                                    _grid_shape(x.shape[0])[1])
        elif how == "map":
            tiles = [t.rgb for t in map_panel(trace, rec.name, index).tiles]
            out[_src(name)] = _grid(tiles, _grid_shape(len(tiles))[1])
        else:
            vec = np.asarray(rec.output[index], np.float64).reshape(-1)
            sc = layer_scale(trace, rec, vec, False)
            width = wrap_width(vec.size)
            rows = math.ceil(vec.size / width)
            cells = np.full((rows * width, 3), 255, np.uint8)
            cells[:vec.size] = colorize(vec, sc.cmap, sc.vmin, sc.vmax)
            out[_src(name)] = cells.reshape(rows, width, 3)
    return out


def png(rgb: np.ndarray, zoom: int = 1) -> bytes:
    """RGB pixels as PNG bytes (each pixel ``zoom``×``zoom``; same pixels → same bytes)."""
    from PIL import Image

    a = np.ascontiguousarray(rgb)
    if zoom > 1:
        a = np.ascontiguousarray(a.repeat(zoom, 0).repeat(zoom, 1))
    buf = io.BytesIO()
    Image.fromarray(a, "RGB").save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def png_uri(rgb: np.ndarray) -> str:
    """RGB pixels as a ``data:image/png`` URI."""
    return "data:image/png;base64," + base64.b64encode(png(rgb)).decode("ascii")


_IMAGE = re.compile(r'<image xlink:href="([A-Za-z0-9_-]+\.png)"([^>]*?) preserveAspectRatio="[^"]*"')


def embed(svg: str, pixels: dict) -> str:
    """dot's SVG with each picture's file name replaced by its ``data:`` URI, drawn pixel-sharp
    and stretched to its cell (the cell has the picture's aspect already).

    Raises:
        RenderError: the SVG names a picture ``pixels`` does not hold.
    """
    def sub(m: re.Match) -> str:
        if m.group(1) not in pixels:
            raise RenderError(f"the diagram shows {m.group(1)}, which these pictures lack")
        return (f'<image xlink:href="{png_uri(pixels[m.group(1)])}"{m.group(2)} preserveAspectRatio="none" '
                f'image-rendering="optimizeSpeed" style="image-rendering:pixelated"')

    return _IMAGE.sub(sub, svg)


def pyramid(trace: Trace, layout: str = "LR", links: Callable[[str], str | None] | None = None,
            index: int = 0) -> Diagram:
    """The architecture diagram drawn with input ``index``'s own activations.

    Args:
        trace: a :class:`~lenet_viz.tracedata.Trace` (a list of records has no values to draw).
        layout, links: as for :func:`~lenet_viz.render.diagram.diagram`.
        index: which input of the trace to draw.
    Returns:
        a :class:`~lenet_viz.render.diagram.Diagram` holding the pictures: its DOT text names them,
        its SVG embeds them, its PNG and PDF are drawn with them.
    Raises:
        RenderError: not a Trace, an index out of range, or what :func:`diagram` raises.
    """
    from .diagram import _nodes, diagram

    if not isinstance(trace, Trace):
        raise RenderError(f"pyramid() needs a Trace (it draws the values), got {type(trace).__name__}")
    names = [n.name for n in _nodes(list(trace.layers))]
    d = diagram(trace, layout, links, pictures=pictures(trace, names))
    d.images = images(trace, names, index)
    return d
