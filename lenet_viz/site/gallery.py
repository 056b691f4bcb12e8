"""The static gallery: every page of the registry built through one context, published atomically."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import atomic_write
from .context import Digit, PageContext
from .html import published, slug, static
from .publish import publish

#: Seconds each page took to build (a digit page: the mean of them), written beside the marker so
#: the next build of the same folder can tell the time left from measured costs.
TIMINGS = ".lenet-viz-timings.json"


@dataclass(frozen=True)
class Outlook:
    """What is known of the time left, at some point of a build.

    Attributes:
        left: seconds left for the whole build: the previous build's timings of the pages still to
            come (the one-off costs of the first pages make this build's early pace a poor guide);
            None without them.
        digit_left: without timings, the digit pages' seconds left at their pace so far (None once
            they are done or before the first).
        after_digits: pages built after the digit pages.
        building: the title of the page being built now ("" when all are done).
    """

    left: float | None
    digit_left: float | None
    after_digits: int
    building: str


Progress = Callable[[int, int, str, Outlook], Any]


def previous_timings(out: Path) -> dict:
    """The per-page seconds the last build of ``out`` measured; {} when there is none (or unreadable)."""
    try:
        timings = json.loads((Path(out) / TIMINGS).read_text())
    except (OSError, ValueError):
        return {}
    ok = isinstance(timings, dict) and all(isinstance(v, (int, float)) and v >= 0 for v in timings.values())
    return timings if ok else {}


class Pace:
    """The time left of a build of ``plan`` (one ``(href, title)`` per page, in build order; the
    digit pages share the digit family's href), from ``previous`` per-page seconds when they cover
    every page, else from the digit pages' own pace."""

    def __init__(self, plan: list, previous: dict, digits: int, clock: Callable[[], float] = time.monotonic):
        self.plan, self.digits, self.clock = plan, digits, clock
        self.expected = [previous[h] for h, _ in plan] if all(h in previous for h, _ in plan) else None
        self.start = clock()

    def outlook(self, done: int) -> Outlook:
        building = self.plan[done][1] if done < len(self.plan) else ""
        left = digit_left = None
        if self.expected is not None:
            left = sum(self.expected[done:])
        elif 0 < done < self.digits:
            digit_left = (self.clock() - self.start) / done * (self.digits - done)
        return Outlook(left, digit_left, len(self.plan) - self.digits, building)


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
        progress: called as ``progress(pages done, pages in all, label, outlook)`` after each figure
            and page written (``label`` names it; ``outlook`` the :class:`Outlook` of the time left);
            the pages are the digits' and the registry's. Each page's build time is saved in
            ``out``'s :data:`TIMINGS` for the next build's outlook.
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
    plan = [(p.href, p.title) for p in pages for _ in (digits if "*" in p.href else [p])]
    n_pages, pages_done = len(plan), 0
    pace = Pace(plan, previous_timings(out), sum("*" in h for h, _ in plan))

    def tick(label: str) -> None:
        nonlocal pages_done
        if label.endswith(".html") and "*" not in label:  # a digit's page, or a page of the registry
            pages_done += 1
        if progress:
            done = min(pages_done, n_pages)
            progress(done, n_pages, label, pace.outlook(done))

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
        pace.start, timings = pace.clock(), {}
        for page in pages:
            began = time.monotonic()
            blurb = page.build(ctx)
            per = max(1, len(digits)) if "*" in page.href else 1  # a digit page: the family's mean
            timings[page.href] = round((time.monotonic() - began) / per, 4)
            if page.listed:
                ctx.blurbs.append({"href": page.href, "title": page.title, "blurb": blurb, "lead": page.lead})
            tick(page.href)
        atomic_write(tmp / TIMINGS, json.dumps(timings, indent=1, sort_keys=True) + "\n")
    return GalleryResult(Path(out) / "index.html", digits, acc)
