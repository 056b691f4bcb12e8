"""The saturation page: activation statistics of every activation layer over the held-out split."""

from __future__ import annotations

from ...fmt import num, pct
from ..context import Page, PageContext, section


def build(ctx: PageContext) -> str:
    from ...data import noun
    from ...render.histograms import saturation_figure
    from ...stats import dataset_stats

    item = noun(ctx.data.classes)  # "digit" or "image"
    test = ctx.data.test
    stats = dataset_stats(ctx.model, test.x, dataset=f"{ctx.data.name} held-out ({len(test)})")
    fig = ctx.figure(PAGE, saturation_figure(stats), "dataset", "saturation histograms")
    rows = [[s.name, s.activation, f"{s.n:,}", pct(s.saturated_fraction), num(s.mean_dsigmoid, 4),
             pct(s.dead_fraction)] for s in stats]
    ctx.write_page(
        PAGE.href, f"Saturation over the held-out {item}s",
        lead=f"Activation statistics of every activation layer over all {len(test):,} held-out {item}s "
             f"of {ctx.data.name}, streamed batch by batch. A saturated sigmoid unit (output < 0.05 or "
             f"> 0.95) passes back almost no gradient: σ'(z) = s(1−s) ≤ 0.0475 there.",
        table={"head": ["layer", "activation", "units counted", "saturated", "mean σ'(z)", "dead (ReLU)"],
               "rows": rows},
        sections=[section("histograms", "Distributions per layer", "", [fig])])
    return ""


PAGE = Page("saturation.html", "Saturation", build)
