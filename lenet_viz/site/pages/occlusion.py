"""The occlusion page: which part of each digit its prediction depends on."""

from __future__ import annotations

import numpy as np

from ...fmt import num
from ..context import Page, PageContext, section

OCCLUSION_PATCH = 6


OCCLUSION_STRIDE = 2


def shared_scale(occlusions) -> float:
    """The colour limit every map of the page shares: the largest per-pixel effect of any."""
    return max((float(np.abs(o.pixel).max()) for o in occlusions), default=0.0) or 1e-6


def build(ctx: PageContext) -> str:
    from ...analyses.occlusion import fast_predictor, occlusion_map
    from ...data import noun
    from ...render.occlusion import occlusion_figure, own_scale_map
    from ...render.pyramid import png_uri

    model, classes = ctx.model, ctx.data.classes
    item = noun(classes)  # "digit" or "image"
    predict = fast_predictor(model)
    results = [(d, occlusion_map(model, d.x, OCCLUSION_PATCH, OCCLUSION_STRIDE, predict=predict))
               for d in ctx.featured]
    rows, figures = [], []
    flips_total = 0
    # One colour scale for every map: a ±0.03 effect must not look as strong as a ±0.86 one.
    shared = shared_scale(o for _, o in results)
    for d, o in results:
        i, j = np.unravel_index(int(np.argmax(o.drop)), o.drop.shape)
        flips = int((o.predicted != o.target).sum())
        flips_total += flips > 0
        r, c = o.worst
        rows.append([d.name, classes[o.target], num(o.p0), num(float(o.drop[i, j])),
                     f"rows {r}–{r + o.patch - 1}, cols {c}–{c + o.patch - 1}",
                     classes[int(o.predicted[i, j])], f"{flips} of {o.drop.size}"])
        rgb, own = own_scale_map(o, d.x)
        figures.append([
            ctx.figure(PAGE, occlusion_figure(d.x, o, d.name, shared, classes), f"occ-{d.slug}",
                       f"occlusion map of {d.name}"),
            {"src": png_uri(rgb), "alt": f"occlusion map of {d.name} on its own scale, ±{own:.2g}",
             "width": rgb.shape[1], "height": rgb.shape[0],
             "caption": f"The same map on its own scale, ±{own:.2g} ({own / shared:.0%} of the shared "
                        f"±{shared:.2g}; strip: −{own:.2g} … 0 … +{own:.2g}): where the evidence lies, "
                        f"not how much — its colours are not comparable across maps."}])
    drops = [float(o.drop.max()) for _, o in results]
    worst_d, worst_o = max(results, key=lambda t: float(t[1].drop.max()))
    wi = np.unravel_index(int(np.argmax(worst_o.drop)), worst_o.drop.shape)
    lead = (f"Red marks where hiding a {OCCLUSION_PATCH}×{OCCLUSION_PATCH} patch of background (value 0) "
            f"lowers the probability of the predicted class, blue where it raises it; every map shares one "
            f"colour scale (±{shared:.2g}, the largest per-pixel mean drop of any map), so a pale map is a "
            f"{item} no single patch matters much to; beside it, the same map on its own scale shows "
            f"where that {item}'s evidence lies. "
            f"Look for how local the evidence is: the single most damaging patch lowers the probability by "
            f"{np.median(drops):.2f} for the median {item} and by up to {max(drops):.2f} ({worst_d.name}, "
            f"which then reads as {classes[int(worst_o.predicted[wi])]}), and for {flips_total} of "
            f"{len(results)} {item}s one patch is enough to change the prediction.")
    table = {"head": [item, "predicted", "p", "largest drop", "patch", "then predicts",
                      "patches that change the prediction"], "rows": rows}
    sections = [section("why-zero", "Why a background patch, not gray",
                         ("MNIST digits are white ink" if item == "digit" else "These images are light")
                         + " on a black (0) background. A gray patch would add a "
                         "blob of ink wherever it lands, so the map would mix \"this stroke mattered\" with "
                         "\"an added smudge confused the net\"; a patch of 0 only erases ink, and over empty "
                         f"background it changes nothing. Patch {OCCLUSION_PATCH}×{OCCLUSION_PATCH}, stride "
                         f"{OCCLUSION_STRIDE}, every position evaluated in one batched forward pass; each "
                         "pixel shows the mean drop of the patches covering it.", [])]
    sections += [section(f"occ-{d.slug}", d.name, "", f) for (d, _), f in zip(results, figures)]
    ctx.write_page(PAGE.href, PAGE.title, lead=lead, table=table, sections=sections)
    return (f"which pixels each prediction depends on: up to {max(drops):.2f} probability lost by hiding "
            f"one {OCCLUSION_PATCH}×{OCCLUSION_PATCH} patch")


PAGE = Page("occlusion.html", "Occlusion", build, listed=True)
