"""The training page: two runs replayed on one digit with an epoch slider (built by
:mod:`lenet_viz.site.training` from the shipped checkpoints)."""

from __future__ import annotations

from ...fileio import atomic_write
from ..context import Page, PageContext


def build(ctx: PageContext) -> str:
    from ..training import gallery_page

    html, n_digits = gallery_page(ctx)
    atomic_write(ctx.out / PAGE.href, html)
    return (f"training replayed on one digit: the seed's recipe under Xavier and MXNet's default init, "
            f"and the shipped lenet5 recipe, checkpoint by checkpoint, with an epoch slider over every "
            f"layer ({n_digits} held-out digits to load, or draw your own).")


PAGE = Page("training.html", "Training, replayed", build, listed=True)
