"""The Robustness page: the stress table of the shipped models before and after augmentation, and for
a few digits the shipped lenet5 misreads under a transform, the layer where their evidence went wrong
(each linked to its own digit page)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ...fmt import and_list, num, pct
from ..context import Digit, Page, PageContext, section
from .compare import COMPARE_MODELS

ROBUST_FAILURES = 4


def _robust_table(cards: dict) -> tuple[dict, list]:
    """Rows of transforms, before/after columns per model, from the model cards' robustness sections."""
    from ...stress import TRANSFORMS

    found = next((list(c["robustness"]["accuracy"]) for c in cards.values() if c.get("robustness")), [])
    names = [n for n in TRANSFORMS if n in found] + [n for n in found if n not in TRANSFORMS]
    head, cols = ["transform", "what it does"], []
    for m, c in cards.items():
        r = c.get("robustness") or {}
        cols.append((r.get("baseline", {}).get("accuracy", {}), r.get("accuracy", {})))
        head += [f"{m} before", f"{m} after"]
    transforms = next((c["robustness"]["transforms"] for c in cards.values() if c.get("robustness")), {})
    rows = [[n, transforms.get(n, "")] + [v for b, a in cols for v in (pct(b.get(n)), pct(a.get(n)))]
            for n in names]
    return {"head": head, "rows": rows}, names


def _failure_page(ctx: PageContext, model: Any, f: Any, k: int) -> str:
    """A digit page (the gallery's digit template) for one misread stress digit; returns its href."""
    from ...capture import trace
    from .digits import diagram_svg, render_digit

    classes = ctx.data.classes
    d = Digit(f"robustness-{k}", f"{f.transform} #{f.index}", f.x, None, f.truth)
    t = trace(model, f.x[None])
    d.label, d.confidence = int(t.probabilities[0].argmax()), float(t.probabilities[0].max())
    sections = render_digit(t, d, ctx.out, classes, sink=lambda: ctx.tick(f"{PAGE.stem}/digit-{k}"))
    svg = diagram_svg(t)
    href = f"robustness-digit-{k}.html"
    ctx.write_page(href, f"Digit {d.name}", template="digit.html", current="",
                   digit=d.context(classes), sections=sections, diagram_svg=svg)
    return href


def build(ctx: PageContext) -> str:
    from ...analyses.records import records_dir
    from ...analyses.robustness import FAILURE_DIGITS, find_failures
    from ...capture import trace
    from ...data import DIGIT_CLASSES
    from ...model import load_model
    from ...render.compare import aligned_maps_figure
    from ...render.robustness import failure_figure, stress_figure, units_figure

    data, classes = ctx.data, ctx.data.classes
    models = {name: load_model(name) for name in COMPARE_MODELS}
    cards = {n: m.card for n, m in models.items()}
    table, names = _robust_table(cards)
    if not names:
        ctx.write_page(PAGE.href, PAGE.title, lead="The model cards carry no robustness table.", table=None,
                       sections=[])
        return "no robustness table in the model cards"
    lenet = cards["lenet5"]["robustness"]
    after = {n: v for n, v in lenet["accuracy"].items() if n != "clean"}
    before = {n: v for n, v in lenet.get("baseline", {}).get("accuracy", {}).items() if n != "clean"}
    worst = min(after, key=after.get)
    lead = (f"Each of the {len(data.test):,} held-out digits under {len(after)} transforms that model how "
            f"people write, scan and photograph digits, through the same preprocessing as your own file "
            f"(lenet-viz evaluate --stress). The lenet5 shipped now, trained with the "
            f"“{cards['lenet5'].get('augment', '?')}” augmentation, reads {pct(min(after.values()))}–"
            f"{pct(max(after.values()))} of them right under every transform")
    if before:
        bw = min(before, key=before.get)
        better = sum(after[n] > before[n] for n in after if n in before)
        lead += (f", where the shift-only model it replaced read {pct(min(before.values()))}–"
                 f"{pct(max(before.values()))} (worst: {bw}, {pct(before[bw])}), better under {better} of "
                 f"{len(after)} transforms")
    lead += f"; its hardest transform is now {worst} ({pct(after[worst])})."
    bars = {m: ((c.get("robustness") or {}).get("baseline", {}).get("accuracy", {}),
                (c.get("robustness") or {}).get("accuracy", {})) for m, c in cards.items()}
    sfig = ctx.figure(PAGE, stress_figure(bars, names), "table",
                   "accuracy per transform before and after, for each model")
    sections = [section("table", "Accuracy per transform",
                         "“before”: the models shipped before augmentation (random 2 px shifts only), "
                         "measured on the same stress set with today's preprocessing; “after”: the models "
                         "shipped now. From the model cards (lenet_viz/weights/*.json).", [sfig], table)]
    rec_path = records_dir() / "robustness_before.json"
    if rec_path.exists():
        rec = json.loads(rec_path.read_text())
        old = {m: v["accuracy"].get("photo") for m, v in rec["models"].items()}
        now = {m: (cards[m].get("robustness") or {}).get("baseline", {}).get("accuracy", {}).get("photo")
               for m in old if m in cards}
        sections.append(section(
            "photo", "Photos: the preprocessing mattered first",
            f"Before the background removal, a photographed digit kept the lit paper as a grey slab: the "
            f"old models read {and_list([f'{m} {pct(v)}' for m, v in old.items()])} of the photo transform "
            f"right (record {rec_path.name}, commit {rec['commit']}). The same old weights with today's "
            f"preprocessing read {and_list([f'{m} {pct(v)}' for m, v in now.items()])}.", []))
    model = models["lenet5"]  # the shipped one, whatever model the gallery shows
    # the stress transforms model handwriting: on another dataset (Fashion-MNIST) there are none to show
    failures = find_failures(model, data, ROBUST_FAILURES) if classes == DIGIT_CLASSES else []
    fsections = []
    for k, f in enumerate(failures):
        t, p = classes[f.truth], classes[f.predicted]
        fig = ctx.figure(PAGE, failure_figure(f.x, f.clean, f.layers, f.margin, f.clean_margin, f.turn,
                                                t, p, f.transform), f"failure-{k}",
                      f"{f.transform} digit {f.index} read as {p}, with its evidence per layer")
        figs = [fig]
        out = trace(model, np.stack([f.x, f.clean]))[f.turn].output
        rows = [f"{f.transform} (read {p})", f"clean (read {t})"]
        if out.ndim == 4:
            mfig = aligned_maps_figure([{"label": rows[0], "maps": out[0], "image": f.x[0]},
                                        {"label": rows[1], "maps": out[1], "image": f.clean[0]}],
                                       f"{f.turn}: the layer where the evidence for {t} parted")
        else:
            mfig = units_figure(out[0], out[1], f.turn, *rows)
        figs.append(ctx.figure(PAGE, mfig, f"maps-{k}",
                            f"{f.turn} activations of the {f.transform} digit and the clean one"))
        page = _failure_page(ctx, model, f, k)
        j = f.layers.index(f.turn)
        widen = (f.clean_margin[j] - f.margin[j]) - (f.clean_margin[j - 1] - f.margin[j - 1])
        fsections.append(section(
            f"failure-{k}", f"{f.transform}: a {t} read as {p} (p={num(f.confidence, 2)})",
            f"Held-out digit {f.index}. At the output the clean digit's margin is "
            f"{f.clean_margin[-1]:+.2f} and the {f.transform} digit's {f.margin[-1]:+.2f} (above 0: closer "
            f"to the average {t}, below: to the average {p}); {f.turn} widens the gap between them the "
            f"most ({widen:+.2f}), so that is where this digit's evidence went wrong.", figs))
        fsections[-1]["link"] = {"href": page, "text": f"every layer of this {f.transform} digit →"}
    sections.append(section(
        "failures", "Where the evidence went wrong",
        f"{len(failures)} of the digits the shipped {model.source} misreads under a transform while it reads "
        f"the clean digit right (the most confident misreading of each of the hardest transforms, first "
        f"{FAILURE_DIGITS} held-out digits searched). At each layer the evidence margin is the cosine "
        f"similarity of the digit's activations to the mean activations of its true class minus that to "
        f"the class it is read as (means over the clean held-out digits). Where the stressed digit's "
        f"margin falls away from the clean digit's is where its evidence went wrong.", []))
    sections += fsections
    ctx.write_page(PAGE.href, PAGE.title, lead=lead, table=None, sections=sections)
    return (f"the stress set: lenet5 now reads {pct(min(after.values()))}–{pct(max(after.values()))} "
            f"under every transform, and where misread digits lose their evidence")



PAGE = Page("robustness.html", "Robustness", build, listed=True)
