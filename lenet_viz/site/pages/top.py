"""The top-activations page: for each conv channel, the held-out digits that excite it most."""

from __future__ import annotations

import numpy as np

from ...fmt import and_list
from ..context import Page, PageContext, section

TOP_K = 8


def build(ctx: PageContext) -> str:
    from ...analyses.top import top_activations
    from ...data import noun
    from ...render.top import top_examples_figure

    model, data = ctx.model, ctx.data
    item = noun(data.classes)  # "digit" or "image"
    test = data.test
    k = min(TOP_K, len(test))
    tops = top_activations(model, test.x, k=k)
    sections, rows = [], []
    for top in tops:
        fig = top_examples_figure(top, test.x, test.y)
        entry = ctx.figure(PAGE, fig, f"top-{top.conv}",
                        f"top {k} held-out {item}s per channel of {top.conv}")
        first, kth = top.values[:, 0], top.values[:, -1]
        labels = [len(set(int(test.y[i]) for i in top.indices[c])) for c in range(top.values.shape[0])]
        pure = sum(1 for n in labels if n == 1)
        ranked = f"z of {top.layer}" if top.measure == "pre" else f"{top.layer} output"
        rows.append([top.conv, ranked, str(top.values.shape[0]), f"{top.rf}×{top.rf}",
                     f"{first.min():.3g}–{first.max():.3g}", f"{kth.min():.3g}–{kth.max():.3g}",
                     f"{pure} of {len(labels)}"])
        why = ("pre-activation z (the same order as its output, without the ties of outputs saturated at "
               "1.0)" if top.measure == "pre" else "output")
        sections.append(section(
            top.conv, f"{top.conv}: {top.values.shape[0]} channels, receptive field {top.rf}×{top.rf}",
            f"Ranked by the maximum over all positions of {top.layer}'s {why}; the red box is the "
            f"{top.rf}×{top.rf} input window that position sees (stride {top.jump} px between neighbouring "
            f"positions; outside the image is the zero padding). In {pure} of {len(labels)} channels all "
            f"{k} top {item}s share one label.", [entry]))
    per_layer = []
    for t in tops:
        spans = [len(set(int(test.y[i]) for i in t.indices[c])) for c in range(t.values.shape[0])]
        per_layer.append((t.conv, int(np.median(spans)), sum(1 for n in spans if n == 1), len(spans)))
    parts = [f"{med} different labels in the median {conv} channel ({pure} of {n} with a single label)"
             for conv, med, pure, n in per_layer]
    trend = ""
    if len(per_layer) > 1 and per_layer[-1][1] < per_layer[0][1]:
        trend = ": the deeper the layer, the closer its channels come to picking out one class"
    elif len(per_layer) > 1:
        trend = ": even the deepest conv channels respond to parts that several classes share"
    lead = (f"Each row is one channel of {model.source}: its kernel, then the {k} of {len(test):,} held-out "
            f"{item}s that excite it most, cropped to the receptive field of the strongest position "
            f"({and_list([f'{t.rf}×{t.rf} px for {t.conv}' for t in tops])}). "
            f"Look at what the crops of a row share and compare it with the kernel's red (excitatory) and "
            f"blue (inhibitory) weights; a channel's top {k} {item}s carry " + "; ".join(parts) + trend + ".")
    table = {"head": ["conv", "ranked on", "channels", "receptive field", "best value per channel",
                      f"{k}th value per channel", f"channels whose top {item}s share one label"],
             "rows": rows}
    ctx.write_page(PAGE.href, PAGE.title, lead=lead, table=table, sections=sections)
    return (f"for every conv channel, the {k} held-out {item}s that excite it most, cropped to its "
            f"receptive field")


PAGE = Page("top-activations.html", "Top activations", build, listed=True)
