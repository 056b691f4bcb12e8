"""The kernels page: every conv layer's learned filters."""

from __future__ import annotations

from ..context import Page, PageContext, section


def build(ctx: PageContext) -> str:
    from ...render.kernels import kernels_figure

    t = ctx.trace
    sections = [section(rec.name, f"{rec.name} · {rec.describe()}",
                        "weight shape " + "×".join(map(str, rec.params["weight"])),
                        [ctx.figure(PAGE, kernels_figure(t, rec.name), rec.name, f"kernels of {rec.name}")])
                for rec in t if rec.kind == "conv"]
    ctx.write_page(PAGE.href, "Learned kernels",
                   lead="The convolution filters the network learned, on a diverging scale centred on 0: "
                        "red weights excite, blue inhibit.", table=None, sections=sections)
    return ""


PAGE = Page("kernels.html", "Kernels", build)
