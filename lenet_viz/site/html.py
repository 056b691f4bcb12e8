"""What every page needs from HTML: the Jinja2 environment, static files, figure entries, inlined
SVG, safe file stems, and labels cut free of local paths."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import atomic_write

_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


def slug(name: str, taken: set) -> str:
    """A safe, unique file stem for a user-supplied name (no path separators, no dots)."""
    stem = _SLUG.sub("-", Path(name).stem).strip("-_")[:40] or "image"
    candidate, i = stem, 2
    while candidate.lower() in taken:
        candidate, i = f"{stem}-{i}", i + 1
    taken.add(candidate.lower())
    return candidate


def env() -> Any:
    """The Jinja2 environment of the package's templates (autoescaped, strict)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("lenet_viz", "templates"),
                       autoescape=select_autoescape(["html"], default=True),
                       undefined=StrictUndefined, keep_trailing_newline=True)


def static(name: str) -> bytes:
    """A file of ``templates/`` (the stylesheet)."""
    from importlib import resources

    return (resources.files("lenet_viz") / "templates" / name).read_bytes()


_ABS_PATH = re.compile(r"(?<![^\s(='\"])/[^\s'\"()]+")


def public(text: Any) -> Any:
    """Text fit for a page that may be published: absolute local paths cut to their last part.

    A model or dataset given by path (``--model /home/me/runs/m.params``, a card's ``command``)
    would otherwise put the builder's folders into every page.
    """
    if not isinstance(text, str):
        return text
    if os.path.isabs(text):
        return os.path.basename(text.rstrip("/")) or text
    return _ABS_PATH.sub(lambda m: os.path.basename(m.group().rstrip("/")) or m.group(), text)


def published(model: Any, data: Any = None) -> tuple:
    """Copies of ``model`` and ``data`` whose labels and card hold no absolute local path."""
    from dataclasses import is_dataclass, replace

    if is_dataclass(model):
        model = replace(model, source=public(model.source),
                        card={k: public(v) for k, v in model.card.items()})
    if is_dataclass(data):
        data = replace(data, name=public(data.name), description=public(data.description))
    return model, data


def inline_svg(svg: str, prefix: str = "diagram-") -> str:
    """dot's SVG without the XML prolog and DOCTYPE, fit for inlining in HTML.

    Node ids are prefixed with ``prefix``: the page's layer sections own the bare ids
    (``#conv1``), and a duplicate id would make the link land on the diagram instead; a second
    drawing on the same page needs its own prefix.
    """
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    return re.sub(r'(<[^>]*\s)id="', rf'\1id="{prefix}', svg)


#: The smallest text a figure may show, in CSS px, once the screen is too narrow for its natural size
#: (a phone's figure is widened, and scrolls, to keep it; a desktop shows it unscaled, as drawn).
LEGIBLE_PX = 11
#: The page column's side padding, both sides (style.css: ``main`` has 1.5rem each side).
COLUMN_PADDING_PX = 48


def legible_width(width: int, font_px: float, legible: float = LEGIBLE_PX) -> int:
    """The CSS width at which an image ``width`` px wide, whose smallest text is ``font_px`` px,
    shows that text at ``legible`` px or more."""
    return math.ceil(width * legible / font_px)


def fig_entry(path: Path, base: Path, alt: str, caption: str = "", font_px: float | None = None) -> dict:
    """A page's entry for a saved image: its link relative to ``base``, alt text, caption and size;
    given the image's smallest font ``font_px``, also the width it needs to keep that text legible and
    the screen width below which the column would shrink it (where that width applies)."""
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
    entry = {"src": path.relative_to(base).as_posix(), "alt": alt, "caption": caption,
             "width": w, "height": h}
    if font_px:
        entry.update(font_px=font_px, min_width=legible_width(w, font_px),
                     shrinks_below=w + COLUMN_PADDING_PX)
    return entry


def thumb(x: np.ndarray, path: Path) -> None:
    """A 28×28 PNG of a digit, written atomically."""
    from PIL import Image

    img = Image.fromarray((np.clip(x[0], 0, 1) * 255).round().astype(np.uint8), "L")
    atomic_write(path, lambda f: img.save(f, format="PNG"))
