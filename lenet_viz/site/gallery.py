"""The static gallery: every page of the registry built through one context, published atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import atomic_write
from .context import Digit, PageContext
from .html import published, slug, static
from .publish import publish

Progress = Callable[[int, int, str], Any]
#: Progress units per digit: its figures and its page.
_STEPS_PER_DIGIT = 22


@dataclass
class GalleryResult:
    index: Path
    digits: list
    accuracy: float


def held_out_digits(data: Any, count: int | None = None) -> list:
    """The first held-out digit of each class (``count`` None), or the first ``count`` held-out
    digits in split order (all of them when ``count`` is at least the split's size)."""
    if count is None:
        picks = [int(hits[0]) for c in range(len(data.classes))
                 if len(hits := np.flatnonzero(data.test.y == c))]
    else:
        picks = list(range(min(count, len(data.test.y))))
    return [Digit(f"test-{i:04d}", f"held-out #{i} ({data.classes[int(data.test.y[i])]})", data.test.x[i],
                  None, int(data.test.y[i])) for i in picks]


def build_gallery(out: Path, model: Any, data: Any, user: list, progress: Progress | None = None,
                  pages: tuple | None = None, up: dict | None = None,
                  count: int | None = None) -> GalleryResult:
    """Build the gallery into ``out``.

    Args:
        out: the gallery folder (replaced atomically).
        model: a loaded :class:`~lenet_viz.model.Model`.
        data: the model's :class:`~lenet_viz.data.Dataset` (held-out split used for digits and stats).
        user: :class:`~lenet_viz.site.context.Digit` objects for the user's images (preprocessed).
        progress: called as ``progress(done, total, label)``.
        pages: the pages to build, in order; :data:`lenet_viz.site.pages.PAGES` by default.
        up: for a sub-gallery, a navigation entry ``{"href", "title"}`` back to its parent, listed last.
        count: held-out digits to give a page: None, one per class; N, the first N of the split.
    Returns:
        a :class:`GalleryResult`.
    Raises:
        LenetVizError: Graphviz missing (before any work), a folder or file that cannot be written.
    """
    from ..capture import trace
    from ..render.diagram import require_dot
    from ..train import accuracy, fused
    from . import pages as registry

    pages = registry.PAGES if pages is None else pages
    require_dot()
    model, data = published(model, data)
    digits = held_out_digits(data, count)
    taken = {d.slug.lower() for d in digits}
    for d in user:
        d.slug = slug(d.slug or d.name, taken)
        digits.append(d)
    steps, done = len(digits) * _STEPS_PER_DIGIT + len(pages), 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(min(done, steps), steps, label)

    t = trace(model, np.stack([d.x for d in digits]))
    for i, d in enumerate(digits):
        d.label = int(t.probabilities[i].argmax())
        d.confidence = float(t.probabilities[i, d.label])
    acc = accuracy(fused(model.net), data.test.x, data.test.y)
    nav = [{"href": p.href, "title": p.title} for p in sorted(pages, key=lambda p: p.href != "index.html")
           if p.nav] + ([up] if up else [])
    with publish(out) as tmp:
        atomic_write(tmp / "style.css", static("style.css"))
        ctx = PageContext(tmp, model, data, t, digits, nav, acc, tick)
        for page in pages:
            blurb = page.build(ctx)
            if page.listed:
                ctx.blurbs.append({"href": page.href, "title": page.title, "blurb": blurb, "lead": page.lead})
            tick(page.href)
    return GalleryResult(Path(out) / "index.html", digits, acc)
