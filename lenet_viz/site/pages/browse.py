"""The browse page: a thumbnail of every input of the gallery (all 1,000 held-out digits with
``--digits all``), sorted and filtered in the browser with no server.

Each card states what the digit pages show of its input, taken from the gallery's one trace: the
true label, the prediction and its probability, and the share of activation units saturated
(summed over the layers of :meth:`PageContext.stats_of`, the counts the digit page's saturation
panels show). The cards carry the same numbers as ``data-`` attributes; ``web/browse.js``
(inlined, allowed by hash under a Content-Security-Policy that lets the page load only its own
thumbnails and style sheet) reads them, reorders the cards and hides the filtered ones. Without
JavaScript the page is the grid in the gallery's order.
"""

from __future__ import annotations

import math
from typing import Any

from ...fmt import pct
from ..context import Page, PageContext
from ..inline import csp_hash, inlined

#: Sort orders offered, as ``(value, label)``: the values ``browse.js`` knows.
SORTS = (("order", "held-out order"), ("truth", "true label"), ("pred", "predicted label"),
         ("conf-asc", "confidence, lowest first"), ("conf-desc", "confidence, highest first"),
         ("mistakes", "mistakes first"), ("sat-desc", "most saturated first"))


def saturation_word(trace: Any) -> str:
    """What the saturation figure counts for this net: sigmoid-like tails, ReLU zeros, or both."""
    acts = {r.activation for r in trace if r.activation}
    if not acts:
        return ""
    if acts == {"relu"}:
        return "zero outputs"
    return "saturated or zero" if "relu" in acts else "saturated"


def saturated_share(stats: Any) -> float:
    """The share of all activation units of one input that are saturated (ReLU: zero), weighted
    by each layer's unit count; NaN when no layer has a bounded activation or ReLU."""
    layers = [s for s in stats if not math.isnan(s.saturated_fraction)]
    n = sum(s.n for s in layers)
    return sum(s.saturated_fraction * s.n for s in layers) / n if n else math.nan


def cards(ctx: PageContext) -> list[dict]:
    """One card per gallery input, in gallery order: the numbers its digit page is built from."""
    from . import digits

    classes = ctx.data.classes
    has_sat = bool(saturation_word(ctx.trace))
    out = []
    for i, d in enumerate(ctx.digits):
        sat = saturated_share(ctx.stats_of(i)) if has_sat else math.nan
        wrong = d.truth is not None and d.truth != d.label
        out.append({**d.context(classes), "i": i, "href": digits.href(d), "wrong": wrong,
                    "thumb": f"assets/{d.slug}/thumb.png",
                    "sat_text": "" if math.isnan(sat) else pct(sat, sep="\u00a0"),
                    "conf_text": pct(d.confidence, sep="\u00a0"),
                    "data_sat": "" if math.isnan(sat) else repr(round(sat, 6)),
                    "data_conf": repr(round(d.confidence, 6))})
    return out


def build(ctx: PageContext) -> str:
    from ...data import noun

    item = noun(ctx.data.classes)
    script, style = inlined("browse.js"), inlined("browse.css")
    csp = (f"default-src 'none'; img-src 'self'; style-src 'self' '{csp_hash(style)}'; "
           f"script-src '{csp_hash(script)}'; base-uri 'none'; form-action 'none'")
    entries = cards(ctx)
    n_wrong = sum(c["wrong"] for c in entries)
    ctx.write_page(PAGE.href, f"All {len(entries):,} {item}s", "browse.html", csp=csp, script=script,
                   style=style, cards=entries, classes=list(enumerate(ctx.data.classes)), sorts=SORTS,
                   noun=item, n_wrong=n_wrong, n_user=sum(d.truth is None for d in ctx.digits),
                   sat_word=saturation_word(ctx.trace))
    return ""


PAGE = Page("browse.html", "Browse", build)
