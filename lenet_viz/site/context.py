"""The page contract: every gallery page is a :class:`Page` whose ``build`` gets one typed
:class:`PageContext` and writes its HTML and figures through it.

Adding a page: a module in :mod:`lenet_viz.site.pages` defining ``PAGE = Page(href, title, build)``
and one line in that package's registry. ``build(ctx)`` saves figures with :meth:`PageContext.figure`,
writes the page with :meth:`PageContext.write_page` and returns a one-line blurb for the index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..fileio import atomic_write
from .html import env, fig_entry


@dataclass
class Digit:
    """One input of the gallery."""

    slug: str
    name: str
    x: np.ndarray  # (1,28,28)
    raw: np.ndarray | None = None
    truth: int | None = None
    notes: list = field(default_factory=list)
    label: int = -1
    confidence: float = 0.0

    def context(self, classes: tuple) -> dict:
        """What a template shows of this digit."""
        return {"name": self.name, "label": self.label,
                "label_name": classes[self.label] if self.label >= 0 else "?",
                "confidence": self.confidence, "truth": self.truth,
                "truth_name": classes[self.truth] if self.truth is not None else None, "notes": self.notes}


@dataclass(frozen=True)
class Page:
    """One page (or family of pages) of the gallery.

    Attributes:
        href: the file it writes (for a family, the one the navigation bar links to).
        title: its name in the navigation bar.
        build: ``build(ctx) -> blurb``: writes the page through ``ctx``.
        nav: listed in the navigation bar.
        listed: listed with its blurb on the index page (the analysis pages).
        lead: linked at the top of the index page, before the model card (the draw page).
    """

    href: str
    title: str
    build: Callable[[PageContext], str]
    nav: bool = True
    listed: bool = False
    lead: bool = False

    @property
    def stem(self) -> str:
        """The page's name without ``.html``: its asset folder."""
        return Path(self.href).stem


def section(sid: str, title: str, caption: str, figures: list, table: dict | None = None) -> dict:
    """One section of ``page.html``: an anchor, a title, a caption, figures and an optional table."""
    return {"id": sid, "title": title, "caption": caption, "figures": figures, "table": table}


@dataclass
class PageContext:
    """Everything a page may use, and the only ways it writes.

    Attributes:
        out: the folder being built (pages at its top, figures under ``assets/``).
        model, data: the (published) model and dataset.
        trace: a Trace of all ``digits``.
        digits: the gallery's inputs.
        nav: navigation entries ``{"href", "title"}``.
        accuracy: held-out accuracy measured for this build.
        on_tick: called with a label after each figure or page written (progress).
        blurbs: what the listed pages said about themselves, for the index.
    """

    out: Path
    model: Any
    data: Any
    trace: Any
    digits: list
    nav: list
    accuracy: float = float("nan")
    on_tick: Callable[[str], Any] | None = None
    blurbs: list = field(default_factory=list)
    _stats: dict = field(default_factory=dict, repr=False)

    @cached_property
    def env(self) -> Any:
        return env()

    def stats_of(self, i: int) -> Any:
        """Input ``i``'s saturation statistics (:func:`~lenet_viz.stats.layer_stats` of its trace),
        counted once per gallery: its digit page and its browse card state the same numbers."""
        if i not in self._stats:
            from ..stats import layer_stats

            self._stats[i] = layer_stats(self.trace.select(i))
        return self._stats[i]

    @property
    def featured(self) -> list:
        """The digits an analysis page shows one by one: the first of each class and the user's own
        images (the default gallery's digits; a ``--digits all`` gallery has 1,000)."""
        seen: set = set()
        out = []
        for d in self.digits:
            if d.truth is None or d.truth not in seen:
                out.append(d)
                seen.add(d.truth)
        return out

    def tick(self, label: str = "") -> None:
        """Report one unit of progress."""
        if self.on_tick is not None:
            self.on_tick(label)

    def figure(self, page: Page, fig: Any, name: str, alt: str, caption: str = "") -> dict:
        """Save ``fig`` as ``assets/<page>/<name>.png`` (and close it); its figure entry for a section,
        with the smallest font the saved image drew (so a phone can show it legibly)."""
        from ..render.figures import min_font_px, save_figure

        folder = self.out / "assets" / page.stem
        folder.mkdir(parents=True, exist_ok=True)
        path = save_figure(fig, folder / f"{name}.png")
        self.tick(f"{page.stem}/{name}.png")
        return fig_entry(path, self.out, alt, caption, font_px=min_font_px(fig))

    def common(self, title: str, current: str) -> dict:
        """The fields every template's frame needs."""
        card = getattr(self.model, "card", {})
        note = f"{card['no_card']} · weights sha256 {card['sha256'][:16]}…" if card.get("no_card") else ""
        return {"title": title, "current": current, "nav": self.nav, "version": __version__,
                "model_label": self.model.source, "model_note": note}

    def write_page(self, href: str, title: str, template: str = "page.html", current: str | None = None,
                   **fields: Any) -> Path:
        """Render ``template`` with the frame and ``fields`` into ``href``, atomically."""
        html = self.env.get_template(template).render(
            **self.common(title, href if current is None else current), **fields)
        return atomic_write(self.out / href, html)
