"""The draw page: draw a digit and watch every layer respond, the net running in the browser on the
weights of its ``.params`` (built by :mod:`lenet_viz.site.draw`)."""

from __future__ import annotations

from ...fileio import atomic_write
from ..context import Page, PageContext


def build(ctx: PageContext) -> str:
    from ..draw import gallery_page

    html, n_digits, names = gallery_page(ctx)
    atomic_write(ctx.out / PAGE.href, html)
    return (f"draw a digit and watch every layer respond, live in your browser and offline: "
            f"{', '.join(names)}, running in plain JavaScript on the weights of their .params files "
            f"(sha256 on the page); or load one of the {n_digits} held-out digits shown here.")


PAGE = Page("draw.html", "Draw your own digit", build, listed=True, lead=True)
