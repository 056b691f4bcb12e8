"""``lenet-viz activations``: one input's digit page on its own, in its own folder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ..fileio import atomic_write
from .context import Digit, PageContext
from .html import public, published, static
from .pages import digits as digit_pages
from .publish import publish


def write_activations(model: Any, trace1: Any, digit: Digit, out: Path, classes: tuple) -> Path:
    """Write one input's page (``index.html`` + PNGs) into ``out`` atomically; return the page."""
    model, _ = published(model)
    trace1 = replace(trace1, model=public(trace1.model))  # the diagram's title

    with publish(out) as tmp:
        ctx = PageContext(tmp, model, None, trace1, [digit], nav=[])
        sections = digit_pages.render_digit(trace1, digit, tmp, classes)
        ctx.write_page("index.html", f"{digit.name} through {model.source}", "digit.html", current="",
                       digit=digit.context(classes), sections=sections,
                       diagram_svg=digit_pages.Pyramids(trace1)(trace1), pyramid=True)
        atomic_write(tmp / "style.css", static("style.css"))
    return out / "index.html"
