"""The mistakes page: every held-out image the net misreads, with its probabilities, and a link to
the digit page of the one the gallery shows."""

from __future__ import annotations

import numpy as np

from ...fmt import num, pct
from ..context import Page, PageContext, section

#: At most this many misread images in the figure (all of them are in the table).
SHOWN = 40


def build(ctx: PageContext) -> str:
    from ...data import noun
    from ...render.mistakes import mistakes_figure
    from . import digits

    item = noun(ctx.data.classes)
    classes, test = ctx.data.classes, ctx.data.test
    probs = ctx.model.predict_proba(test.x)
    pred = probs.argmax(axis=1)
    wrong = [int(i) for i in np.flatnonzero(pred != test.y)]
    rows = []
    for i in wrong:
        t, p = int(test.y[i]), int(pred[i])
        second = int(np.argsort(probs[i])[-2])
        rows.append([f"held-out #{i}", classes[t], classes[p], num(float(probs[i, p])),
                     num(float(probs[i, t])), f"{classes[second]} ({num(float(probs[i, second]))})"])
    pages = {d.slug: digits.href(d) for d in ctx.digits}
    linked = [i for i in wrong if f"test-{i:04d}" in pages]
    sections = []
    if wrong:
        shown = wrong[:SHOWN]
        fig = ctx.figure(PAGE, mistakes_figure(test.x[shown], test.y[shown], probs[shown],
                                               [f"#{i}" for i in shown], classes),
                         "mistakes", f"the first {len(shown)} misread held-out {item}s")
        sec = section("grid", f"The misread {item}s", f"The first {len(shown)}, in held-out order: name, "
                      "true → predicted, p(predicted) vs p(true).", [fig])
        if linked:
            sec["link"] = {"href": pages[f"test-{linked[0]:04d}"],
                           "text": f"held-out #{linked[0]}: every layer of this mistake"}
        sections.append(sec)
    true_p = [float(probs[i, int(test.y[i])]) for i in wrong]
    share = pct(len(wrong) / len(test)) if len(test) else "—"
    lead = (f"The net misreads {len(wrong)} of the {len(test):,} held-out {item}s ({share}), each listed "
            f"below with the class it chose, that class's probability and the true class's. "
            + (f"Look at how sure it is when wrong: the true class gets a median probability of "
               f"{num(float(np.median(true_p)))}, at most {num(max(true_p))}." if true_p
               else "With 0 mistakes there is nothing to show."))
    table = {"head": [item, "true", "predicted", "p(predicted)", "p(true)", "second choice"], "rows": rows}
    ctx.write_page(PAGE.href, PAGE.title, lead=lead, table=table, sections=sections)
    return f"the {len(wrong)} held-out {item}s the net misreads, with their probabilities"


PAGE = Page("mistakes.html", "Mistakes", build, listed=True)
