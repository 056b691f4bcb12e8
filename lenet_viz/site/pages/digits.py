"""The digit pages: one page per input, every layer's figures in net order, and the diagram whose
nodes link to the layer sections. ``lenet-viz activations`` writes the same page on its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..context import Digit, Page, PageContext
from ..html import fig_entry, inline_svg, thumb
from ..workers import Renderer

_CAPTIONS = {
    "conv": "Each tile is one output channel: where in the image this learned 5×5 filter responds.",
    "pool": "Pooling halves each side: a blurred (average) or strongest (max) copy of the maps before it.",
    "bn": "BatchNorm rescales each channel with statistics learned in training.",
    "act": "The activation applied to the maps before it.",
    "gap": "Global average pooling: one number per channel, the mean of its whole map.",
    "dense": "Each cell is one unit of the dense layer.",
}


def _has_saturation(trace: Any) -> bool:
    return any(r.activation for r in trace)


def section_ids(trace: Any) -> set:
    """The section anchors of a digit page for this architecture (what diagram nodes link to)."""
    from ...render.keys import figure_keys

    ids = {key.partition(".")[0] for key in figure_keys(trace)}
    return ids | {"saturation"} if _has_saturation(trace) else ids


def render_digit(trace1: Any, digit: Digit, folder: Path, base: Path, classes: tuple,
                 sink: Callable[[], None] | None = None, renderer: Renderer | None = None,
                 meanwhile: Callable[[], None] | None = None) -> list:
    """Save every figure of one input into ``folder``; return the page's sections in net order.

    Args:
        trace1: a Trace of this one input.
        digit: what to call it and its raw image.
        folder: where the PNGs go (created).
        base: the folder the page lives in (image links are relative to it).
        classes: class names for the prediction chart.
        sink: called after each figure is written (progress, fault injection in tests).
        renderer: draws the figures (in-process when None).
        meanwhile: work for this process while workers draw (called once, before collecting).
    """
    from ...render.keys import figure_keys

    folder.mkdir(parents=True, exist_ok=True)
    keys = figure_keys(trace1) + (["saturation"] if _has_saturation(trace1) else [])
    jobs = [(trace1, key, digit.raw, folder / f"{key}.png") for key in keys]
    paths = (renderer or Renderer(1)).run(jobs, sink, meanwhile)
    sections: dict[str, dict] = {}
    records = {r.name: r for r in trace1}
    for key, path in zip(keys, paths):
        name, _, suffix = key.partition(".")
        if name in _FIXED_SECTIONS:
            sec = sections.setdefault(name, {"id": name, **_FIXED_SECTIONS[name], "figures": []})
            if name == "input":
                sec["caption"] = input_caption(digit)
        else:
            rec = records[name]
            shape = "×".join(map(str, rec.output_shape[1:]))
            sec = sections.setdefault(name, {
                "id": name, "title": f"{name} · {rec.describe()} → {shape}",
                "caption": _CAPTIONS.get(rec.kind, ""), "figures": []})
        cap = ("pre-activation (before the nonlinearity), diverging scale centred on 0"
               if suffix == "pre" else "")
        sec["figures"].append(fig_entry(path, base, f"{digit.name}: {key}", cap))
    return list(sections.values())


_FIXED_SECTIONS = {
    "input": {"title": "Input", "caption": ""},  # see input_caption
    "prediction": {"title": "Prediction", "caption": "Softmax probabilities of the last layer."},
    "saturation": {"title": "Saturation for this input",
                   "caption": "How many units of each activation layer sit in the flat tails of the "
                              "sigmoid (< 0.05 or > 0.95), where gradients vanish — or, for ReLU, are "
                              "exactly zero."},
}


def input_caption(digit: Digit) -> str:
    """What the input figure shows: one panel for a dataset image, two for a file."""
    if digit.raw is None:
        return "The 28×28 input the network sees."
    h, w = digit.raw.shape[:2]
    return (f"Left: the image as given ({w}×{h} px); right: the 28×28 MNIST-format input the network "
            f"sees.")


def diagram_svg(trace: Any, page: str = "") -> str:
    """The architecture as inline SVG, each layer linking to its section on the digit page ``page``.

    Two drawings, one shown at a time by the style sheet: ``wrap`` (rows of at most five layers)
    for a desktop column and ``TB`` (one layer under the other) for a phone, so every layer is on
    screen with legible text at any width. A node without a section of its own (Gluon's implicit
    flatten) links to the next layer that has one: the Dense layer that does the flattening.
    """
    from ...render.diagram import diagram

    ids = section_ids(trace)  # every digit page has the same sections: one diagram serves them all
    names = diagram(trace, "TB").names
    target = {}
    for i, n in enumerate(names):
        target[n] = next((m for m in names[i:] if m in ids), None)

    def link(n: str) -> str | None:
        return f"{page}#{target[n]}" if target.get(n) else None

    wide = inline_svg(diagram(trace, "wrap", links=link).svg(), "diagram-")
    narrow = inline_svg(diagram(trace, "TB", links=link).svg(), "diagram-tb-")
    return (f'<div class="wide">{wide}</div><div class="narrow">{narrow}</div>')


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

    svg = diagram_svg(ctx.trace)
    classes = ctx.data.classes
    item = noun(classes)  # "digit" or "image"
    for i, d in enumerate(ctx.digits):
        folder = ctx.out / "assets" / d.slug
        sections = render_digit(ctx.trace.select(i), d, folder, ctx.out, classes,
                                sink=lambda d=d: ctx.tick(d.name), renderer=ctx.renderer)
        thumb(d.x, folder / "thumb.png")
        ctx.write_page(href(d), f"{item.capitalize()} {d.name}", "digit.html", current="",
                       digit=d.context(classes), sections=sections, diagram_svg=svg,
                       pager=_pager(ctx.digits, i, classes))
        ctx.tick(href(d))
    return ""


PAGE = Page("digit-*.html", "Digits", build, nav=False)
