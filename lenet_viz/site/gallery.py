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


@dataclass
class GalleryResult:
    index: Path
    digits: list
    accuracy: float


def held_out_digits(data: Any, predicted: np.ndarray | None = None, count: int | None = None) -> list:
    """The held-out digits given a page. With ``count`` None: the first of each class, then (given
    the net's ``predicted`` labels of the held-out split) the first one it misreads, so a student
    sees a mistake too. With ``count`` N: the first N of the split, in order (all of them when N is
    at least the split's size)."""
    if count is not None:
        return [Digit(f"test-{i:04d}", f"held-out #{i} ({data.classes[int(data.test.y[i])]})",
                      data.test.x[i], None, int(data.test.y[i])) for i in range(min(count, len(data.test.y)))]
    out = []
    for c, name in enumerate(data.classes):
        hits = np.flatnonzero(data.test.y == c)
        if len(hits):
            i = int(hits[0])
            out.append(Digit(f"test-{i:04d}", f"held-out #{i} ({name})", data.test.x[i], None, c))
    shown = {d.slug for d in out}
    wrong = [int(i) for i in np.flatnonzero(predicted != data.test.y)] if predicted is not None else []
    wrong = [i for i in wrong if f"test-{i:04d}" not in shown]
    if wrong:
        i = wrong[0]
        c = int(data.test.y[i])
        out.append(Digit(f"test-{i:04d}", f"held-out #{i} ({data.classes[c]}), misread", data.test.x[i],
                         None, c))
    return out


def build_gallery(out: Path, model: Any, data: Any, user: list, progress: Progress | None = None,
                  pages: tuple | None = None, up: dict | None = None,
                  count: int | None = None) -> GalleryResult:
    """Build the gallery into ``out``.

    Args:
        out: the gallery folder (replaced atomically).
        model: a loaded :class:`~lenet_viz.model.Model`.
        data: the model's :class:`~lenet_viz.data.Dataset` (held-out split used for digits and stats).
        user: :class:`~lenet_viz.site.context.Digit` objects for the user's images (preprocessed).
        progress: called as ``progress(pages done, pages in all, label)`` after each figure and page
            written (``label`` names it); the pages are the digits' and the registry's.
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
    from ..train import fused, predictions
    from . import pages as registry

    pages = registry.PAGES if pages is None else pages
    require_dot()
    model, data = published(model, data)
    predicted = predictions(fused(model.net), data.test.x)
    digits = held_out_digits(data, predicted, count)
    taken = {d.slug.lower() for d in digits}
    for d in user:
        d.slug = slug(d.slug or d.name, taken)
        digits.append(d)
    n_pages, pages_done = len(digits) + sum("*" not in p.href for p in pages), 0

    def tick(label: str) -> None:
        nonlocal pages_done
        if label.endswith(".html") and "*" not in label:  # a digit's page, or a page of the registry
            pages_done += 1
        if progress:
            progress(min(pages_done, n_pages), n_pages, label)

    t = trace(model, np.stack([d.x for d in digits]))
    for i, d in enumerate(digits):
        d.label = int(t.probabilities[i].argmax())
        d.confidence = float(t.probabilities[i, d.label])
    acc = float((predicted == data.test.y).mean()) if len(predicted) else float("nan")
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
