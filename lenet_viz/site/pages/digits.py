"""The digit pages: one page per input, every layer's panels in net order, and the diagram whose
nodes link to the layer sections. ``lenet-viz activations`` writes the same page on its own.

A page's figures are light: tiles are PNGs of one pixel per array value (numpy through a colour
map's table, written by Pillow, shown pixelated), strips are coloured HTML tables, the prediction
and this input's saturation are inline SVG, and titles, captions and colour-bar labels are HTML.
The colour bars themselves are one small image per colour map, ``assets/colorbar-<map>.png``, written
once per gallery and shared by every page. No matplotlib is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ...fileio import atomic_write
from ..context import Digit, Page, PageContext
from ..html import inline_svg, thumb

_CAPTIONS = {
    "conv": "Each tile is one output channel: where in the image this learned 5×5 filter responds.",
    "pool": "Pooling halves each side: a blurred (average) or strongest (max) copy of the maps before it.",
    "bn": "BatchNorm rescales each channel with statistics learned in training.",
    "act": "The activation applied to the maps before it.",
    "gap": "Global average pooling: one number per channel, the mean of its whole map.",
    "dense": "Each cell is one unit of the dense layer.",
}
_FIXED_SECTIONS = {
    "input": {"title": "Input", "caption": ""},  # see input_caption
    "prediction": {"title": "Prediction", "caption": "Softmax probabilities of the last layer."},
    "saturation": {"title": "Saturation for this input",
                   "caption": "How many units of each activation layer sit in the flat tails of the "
                              "sigmoid (< 0.05 or > 0.95), where gradients vanish — or, for ReLU, are "
                              "exactly zero."},
}
#: Where the shared colour bars live, relative to a gallery (or activations) folder: files beside
#: the per-digit folders (a folder here would be taken for a digit's or a page's assets).
SCALES_DIR = "assets"


def _has_saturation(trace: Any) -> bool:
    return any(r.activation for r in trace)


def section_ids(trace: Any) -> set:
    """The section anchors of a digit page for this architecture (what diagram nodes link to)."""
    from ...render.keys import figure_keys

    ids = {key.partition(".")[0] for key in figure_keys(trace)}
    return ids | {"saturation"} if _has_saturation(trace) else ids


def write_colorbars(base: Path) -> Path:
    """One 256×1 PNG per colour map in ``base/assets/`` (once: kept when already there)."""
    from PIL import Image

    from ...render.colormaps import NAMES, lut

    folder = base / SCALES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        path = folder / f"colorbar-{name}.png"
        if not path.exists():
            img = Image.fromarray(np.ascontiguousarray(lut(name)[None]), "RGB")
            atomic_write(path, lambda f, img=img: img.save(f, format="PNG"))
    return folder


def _bar(scale: Any, base: Path) -> dict:
    """A colour bar's entry: the shared image and its stated ticks and label."""
    from ...render.scales import DIVERGING, fmt

    lo, hi = scale.vmin, scale.vmax
    ticks = [fmt(lo), fmt(0.0) if scale.cmap == DIVERGING else fmt((lo + hi) / 2), fmt(hi)]
    if float(lo).is_integer() and float(hi).is_integer() and scale.cmap != DIVERGING:
        ticks = [f"{lo:g}", f"{(lo + hi) / 2:g}", f"{hi:g}"]
    return {"src": f"{SCALES_DIR}/colorbar-{scale.cmap}.png", "label": scale.label, "ticks": ticks,
            "cmap": scale.cmap, "vmin": lo, "vmax": hi}


def _panel_entry(panel: Any, base: Path, digit: Digit, kernels: dict) -> dict:
    from ...render.pyramid import png_uri

    tiles = [{"src": png_uri(t.rgb),
              "alt": f"{digit.name}: {t.alt}", "caption": t.caption, "width": t.width, "height": t.height}
             for t in panel.tiles]
    cap = ("pre-activation (before the nonlinearity), diverging scale centred on 0"
           if panel.key.endswith(".pre") else panel.caption)
    bars = [_bar(s, base) for s in panel.scales]
    if panel.key in kernels:  # a conv layer's output: each map with the kernel that made it
        ks, scale, text = kernels[panel.key]
        for tile, k in zip(tiles, ks):
            tile["kernel"] = k
        bars.append(_bar(scale, base))
        cap = text
    return _entry(panel.key, title=panel.title, caption=cap, tiles=tiles, strip=panel.strip, bars=bars)


def kernel_entries(trace: Any) -> dict:
    """Each conv layer's kernels as the digit pages show them beside the maps: the same for every
    input, so a gallery makes them once (``data:`` PNGs of one pixel per weight, a few hundred bytes
    a page) and every page reuses them. Layer name → (tile entries, scale, caption)."""
    from ...render.panels import kernel_tiles
    from ...render.pyramid import png_uri

    out = {}
    for rec in trace:
        made = kernel_tiles(trace, rec.name) if rec.kind == "conv" else None
        if made is None:
            continue
        tiles, scale = made
        _, n_in, kh, kw = rec.weights["weight"].shape
        planes = f", one {kh}×{kw} plane per input channel ({n_in})" if n_in > 1 else ""
        text = (f"Beside each map, the {kh}×{kw} kernel that made it{planes}, on one diverging scale "
                f"for the layer: red (positive) weights raise the map where their input is high, blue "
                f"(negative) lower it. The map is this kernel slid over the layer's input, plus a bias, "
                f"through the activation.")
        out[rec.name] = ([{"src": png_uri(t.rgb), "alt": t.alt, "width": t.width, "height": t.height}
                          for t in tiles], scale, text)
    return out


def _entry(key: str, **fields: Any) -> dict:
    """A panel as the template reads it: tiles, a strip, an SVG or pairs of SVGs, colour bars."""
    return {"key": key, "title": "", "caption": "", "tiles": [], "strip": None, "bars": [], "svg": None,
            "pairs": None, **fields}


def render_digit(trace1: Any, digit: Digit, base: Path, classes: tuple,
                 sink: Callable[[], None] | None = None, kernels: dict | None = None,
                 stats: Any = None) -> list:
    """One input's panels (tiles inline as ``data:`` PNGs): the page's sections in net order.

    Args:
        trace1: a Trace of this one input.
        digit: what to call it and its raw image.
        base: the folder the page lives in (the shared colour bars are written under it, once).
        classes: class names for the prediction chart.
        sink: called after each panel is made (progress, fault injection in tests).
        kernels: what :func:`kernel_entries` made for this net (made here when not given).
        stats: this input's :func:`~lenet_viz.stats.layer_stats` (counted here when not given).
    """
    from ...render.charts import prediction_svg, saturation_svgs
    from ...render.panels import digit_panels
    from ...stats import layer_stats

    write_colorbars(base)
    records = {r.name: r for r in trace1}
    sections: dict[str, dict] = {}

    def add(name: str, entry: dict) -> None:
        if name in _FIXED_SECTIONS:
            sec = sections.setdefault(name, {"id": name, **_FIXED_SECTIONS[name], "panels": []})
            if name == "input":
                sec["caption"] = input_caption(digit)
        else:
            rec = records[name]
            shape = "×".join(map(str, rec.output_shape[1:]))
            sec = sections.setdefault(name, {"id": name, "title": f"{name} · {rec.describe()} → {shape}",
                                             "caption": _CAPTIONS.get(rec.kind, ""), "panels": []})
        sec["panels"].append(entry)
        if sink:
            sink()

    kernels = kernel_entries(trace1) if kernels is None else kernels
    for panel in digit_panels(trace1, 0, digit.raw):
        add(panel.key.partition(".")[0], _panel_entry(panel, base, digit, kernels))
    add("prediction", _entry("prediction", svg=prediction_svg(trace1.probabilities[0], classes)))
    if _has_saturation(trace1):
        add("saturation", _entry("saturation", pairs=saturation_svgs(stats or layer_stats(trace1))))
    return list(sections.values())


def input_caption(digit: Digit) -> str:
    """What the input figure shows: one panel for a dataset image, two for a file."""
    if digit.raw is None:
        return "The 28×28 input the network sees."
    h, w = digit.raw.shape[:2]
    return (f"Left: the image as given ({w}×{h} px); right: the 28×28 MNIST-format input the network "
            f"sees.")


def _links(trace: Any, page: str) -> Callable[[str], str | None]:
    """Each diagram node's href: its section on the digit page ``page``. A node without a section
    of its own (Gluon's implicit flatten) links to the next layer that has one: the Dense layer
    that does the flattening."""
    from ...render.diagram import diagram

    ids = section_ids(trace)  # every digit page has the same sections: one diagram serves them all
    names = diagram(trace, "TB").names
    target = {n: next((m for m in names[i:] if m in ids), None) for i, n in enumerate(names)}
    return lambda n: f"{page}#{target[n]}" if target.get(n) else None


def _two(wide: str, narrow: str) -> str:
    return f'<div class="wide">{wide}</div><div class="narrow">{narrow}</div>'


def diagram_svg(trace: Any, page: str = "") -> str:
    """The architecture as inline SVG, each layer linking to its section on the digit page ``page``.

    Two drawings, one shown at a time by the style sheet: ``wrap`` (rows of at most five layers)
    for a desktop column and ``TB`` (one layer under the other) for a phone, so every layer is on
    screen with legible text at any width.
    """
    from ...render.diagram import diagram

    link = _links(trace, page)
    return _two(inline_svg(diagram(trace, "wrap", links=link).svg(), "diagram-"),
                inline_svg(diagram(trace, "TB", links=link).svg(), "diagram-tb-"))


class Pyramids:
    """The digit pages' diagram, drawn with each input's own maps (:mod:`lenet_viz.render.pyramid`).

    The layout depends on the architecture only, so ``dot`` runs once per layout for a whole
    gallery; each page then only puts its input's pictures into the two SVGs (a few ms a page).
    """

    def __init__(self, trace: Any) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from ...render.pyramid import pyramid

        link = _links(trace, "")
        drawn = {layout: pyramid(trace, layout, links=link) for layout in ("wrap", "TB")}
        with ThreadPoolExecutor(2) as pool:  # two `dot` processes at once: the pair costs one
            svgs = dict(zip(drawn, pool.map(lambda d: d.pipe("svg", embed=False).decode("utf-8"),
                                            drawn.values())))
        self._svgs = {layout: inline_svg(svg, "diagram-" if layout == "wrap" else "diagram-tb-")
                      for layout, svg in svgs.items()}
        self._names = drawn["wrap"].names

    def __call__(self, trace: Any, index: int = 0) -> str:
        """Both drawings with input ``index`` of ``trace`` (a trace of the same net)."""
        from ...render.pyramid import embed, images

        pics = images(trace, self._names, index)
        return _two(embed(self._svgs["wrap"], pics), embed(self._svgs["TB"], pics))


def href(d: Digit) -> str:
    """The digit's page."""
    return f"digit-{d.slug}.html"


def _pager(digits: list, i: int, classes: tuple) -> list:
    """Links to the previous and the next input's page (the gallery's order), as ``(rel, href, text)``."""
    out = []
    if i > 0:
        out.append(("prev", href(digits[i - 1]), f"← {digits[i - 1].name}"))
    if i + 1 < len(digits):
        out.append(("next", href(digits[i + 1]), f"{digits[i + 1].name} →"))
    return out


def build(ctx: PageContext) -> str:
    """Write every digit's page and figures."""
    from ...data import noun

    pyramids = Pyramids(ctx.trace)
    kernels = kernel_entries(ctx.trace)
    classes = ctx.data.classes
    item = noun(classes)  # "digit" or "image"
    has_sat = _has_saturation(ctx.trace)
    for i, d in enumerate(ctx.digits):
        folder = ctx.out / "assets" / d.slug
        sections = render_digit(ctx.trace.select(i), d, ctx.out, classes, sink=lambda d=d: ctx.tick(d.name),
                                kernels=kernels, stats=ctx.stats_of(i) if has_sat else None)
        folder.mkdir(parents=True, exist_ok=True)
        thumb(d.x, folder / "thumb.png")
        ctx.write_page(href(d), f"{item.capitalize()} {d.name}", "digit.html", current="",
                       digit=d.context(classes), sections=sections, diagram_svg=pyramids(ctx.trace, i),
                       pyramid=True,
                       pager=_pager(ctx.digits, i, classes))
        ctx.tick(href(d))
    return ""


PAGE = Page("digit-*.html", "Digits", build, nav=False)
