"""The overview page: the model card, accuracy, the clickable diagram, the digits and the other pages."""

from __future__ import annotations

from ..context import Page, PageContext
from . import browse, digits

#: A gallery of more inputs than this lists only the featured ones on the index (the browse page has all).
INLINE_MAX = 24

_CARD_FIELDS = ("dataset_description", "why", "augment", "augment_shift_px", "init", "command", "sha256",
                "test_accuracy", "optimizer", "lr", "epochs", "batch_size", "seed", "dataset",
                "no_card", "params_file", "d2l_trainer")


def build(ctx: PageContext) -> str:
    from ...data import noun

    first = ctx.digits[0]
    card = {"description": "", **dict.fromkeys(_CARD_FIELDS), **ctx.model.card}
    classes = ctx.data.classes
    held = [d for d in ctx.digits if d.truth is not None]
    browsable = _browsable(ctx)
    shown = listed_digits(ctx)
    ctx.write_page(
        PAGE.href, f"LeNet, layer by layer: {ctx.model.source}", "index.html",
        card=card, total_params=ctx.trace.total_params, accuracy=ctx.accuracy, n_test=len(ctx.data.test),
        diagram_svg=digits.diagram_svg(ctx.trace, digits.href(first)), first_digit=first,
        digits=[{**d.context(classes), "href": digits.href(d), "thumb": f"assets/{d.slug}/thumb.png"}
                for d in shown],
        n_digits=len(ctx.digits), browse_href=browse.PAGE.href if browsable else "",
        n_held=len(held), first_n=[d.slug for d in held] == [f"test-{i:04d}" for i in range(len(held))],
        n_user=sum(1 for d in ctx.digits if d.truth is None),
        n_wrong=sum(1 for d in ctx.digits if d.truth is not None and d.truth != d.label),
        extra_pages=ctx.blurbs, noun=noun(classes),
        walk=shape_walk(ctx.trace))
    return ""


def _browsable(ctx: PageContext) -> bool:
    return any(n["href"] == browse.PAGE.href for n in ctx.nav)


def listed_digits(ctx: PageContext) -> list:
    """The digits the overview lists (and the draw page offers to load): all of them, or, past
    :data:`INLINE_MAX` when the browse page has every one, the featured ones (one per class)."""
    return ctx.digits if len(ctx.digits) <= INLINE_MAX or not _browsable(ctx) else ctx.featured


def shape_walk(trace) -> dict:
    """``lenet-viz shapes`` as a table: each layer's output, parameters, MACs and receptive field."""
    rows = [["input", "", "×".join(map(str, trace.input.shape[1:])), "", "", ""]]
    rows += [[r["name"], r["describe"], "×".join(map(str, r["output_shape"])), f"{r['params']:,}",
              f"{r['macs']:,}", str(r["receptive_field"])] for r in trace.rows()]
    rows.append(["total", "", "", f"{trace.total_params:,}", f"{trace.total_macs:,}", ""])
    return {"head": ["layer", "block", "output", "params", "MACs per image", "receptive field (px)"],
            "rows": rows}


PAGE = Page("index.html", "Overview", build)
