"""The init-claim page: "Xavier keeps the sigmoid layers from saturating early", tested (from the
shipped ``init`` record)."""

from __future__ import annotations

from ...errors import LenetVizError
from ...fmt import pct, sci
from ..context import Page, PageContext, section
from .dynamics import _at


def _init_lead(runs: dict, summ: dict, epochs: int, deepest: str) -> str:
    """Two sentences: does Xavier saturate least early on, and does that decide who learns first."""
    from ...render.curves import INIT_LABELS as lab

    def max_sat(name: str) -> tuple:
        s = summ[name]["saturated_epoch1"]
        layer = max(s, key=lambda n: (s[n], n))
        return s[layer], layer

    most = max(runs, key=lambda n: (max_sat(n)[0], n))
    least = min(runs, key=lambda n: (max_sat(n)[0], n))
    if "xavier" in runs:
        holds = max_sat("xavier")[0] <= max_sat(least)[0]
        verdict = "holds at first" if holds else "does not hold here"
        first = (f"The claim {verdict}: after one epoch Xavier's most saturated layer has "
                 f"{pct(max_sat('xavier')[0], 0)} of its units in the flat tails, against "
                 f"{pct(max_sat(most)[0], 0)} ({max_sat(most)[1]}) with {lab.get(most, most)}"
                 + _later(runs, lab) + ".")
    else:
        first = f"After one epoch the least saturated init is {lab.get(least, least)}."
    took = {n: summ[n]["takeoff_epoch"] for n in runs if summ[n]["takeoff_epoch"] is not None}
    if not took:
        return first + f" None of them reaches 50 % held-out accuracy within {epochs} epochs."
    fastest = min(took, key=lambda n: (took[n], n))
    others = [n for n in runs if n not in took]
    second = (f" But under this recipe saturation is not what decides training: {lab.get(fastest, fastest)}"
              f" reaches 50 % at epoch {took[fastest]} and {pct(summ[fastest]['final_test_acc'])} at epoch "
              f"{epochs}")
    if fastest == least:
        return first + (f" {lab.get(fastest, fastest)} is also the first to reach 50 % "
                        f"(epoch {took[fastest]}).")
    if others:
        second += (", while " + " and ".join(f"{lab.get(n, n)} ({pct(summ[n]['final_test_acc'])})"
                                             for n in others)
                   + f" do{'es' if len(others) == 1 else ''} not reach 50 % within {epochs} epochs")
    ref = "xavier" if "xavier" in runs else least
    second += (f" — look at the spread row: with small weights {deepest} answers nearly the same for every "
               f"digit ({_at(runs[ref], 1)['layers'][deepest]['spread']:.1e} for {lab.get(ref, ref)} vs "
               f"{_at(runs[fastest], 1)['layers'][deepest]['spread']:.1e}), so there is little for the "
               f"gradient to work with.")
    return first + second


def _later(runs: dict, lab: dict) -> str:
    """Whether Xavier stays the least saturated: its peak (layer and epoch) against the others then
    (the end of the lead's first sentence)."""
    hist = runs["xavier"]
    peak = max(((h["epoch"], n, s["saturated"]) for h in hist for n, s in h["layers"].items()),
               key=lambda p: (p[2], -p[0]))
    epoch, layer, value = peak
    others = {n: _at(runs[n], epoch)["layers"][layer]["saturated"] for n in runs if n != "xavier"}
    above = [n for n in others if others[n] < value]
    if not above:
        return (f", and it stays so: Xavier's highest saturation ({layer}, {pct(value, 0)} at epoch "
                f"{epoch}) is no higher than the other inits' at that epoch")
    return (f"; it does not last: by epoch {epoch} Xavier's {layer} is {pct(value, 0)} saturated, more "
            f"than with " + " and ".join(f"{lab.get(n, n)} ({pct(others[n], 0)})" for n in above))


def _same_as_dynamics(history: list, meta: dict) -> bool:
    """Whether the shipped dynamics run matches this Xavier run epoch for epoch (same seed and recipe)."""
    from ...analyses.records import load_record

    try:
        dyn = load_record("dynamics")
    except LenetVizError:
        return False
    if dyn["meta"]["recipe"] != meta["recipe"] or dyn["meta"]["seed"] != meta["seed"]:
        return False
    strip = ("hist", "hist_range")
    for a, b in zip(history, dyn["history"]):
        la = {n: {k: v for k, v in s.items() if k not in strip} for n, s in a["layers"].items()}
        lb = {n: {k: v for k, v in s.items() if k not in strip} for n, s in b["layers"].items()}
        if (a["epoch"], a.get("test_acc"), la) != (b["epoch"], b.get("test_acc"), lb):
            return False
    return True


def build(ctx: PageContext) -> str:
    from ...analyses.records import load_record
    from ...render.curves import INIT_LABELS
    from ...render.inits import init_accuracy_figure, init_layers_figure

    rec = load_record("init")
    summ, meta = rec["summary"], rec["meta"]
    runs = {n: rec["runs"][n] for n in rec["inits"]}  # the order asked for, not JSON's sorted keys
    layers = list(next(iter(runs.values()))[0]["layers"])
    deepest = layers[-1]
    first_conv = next(iter(next(iter(runs.values()))[0].get("grad_rms", {})), None)

    def max_sat(name: str, epoch: int) -> tuple:
        s = summ[name][f"saturated_epoch{epoch}"]
        layer = max(s, key=lambda n: (s[n], n))
        return s[layer], layer

    rows = []
    for name, hist in runs.items():
        s1, l1 = max_sat(name, 1)
        e1 = _at(hist, 1)
        rows.append([INIT_LABELS.get(name, name), f"{pct(s1, 0)} ({l1 if s1 else 'none'})",
                     f"{e1['layers'][deepest]['spread']:.1e}", sci(e1.get("grad_rms", {}).get(first_conv)),
                     str(summ[name]["takeoff_epoch"] or f"not within {rec['epochs']}"),
                     pct(_at(hist, min(10, rec["epochs"]))["test_acc"]), pct(summ[name]["final_test_acc"])])
    table = {"head": ["init", "most saturated layer, epoch 1", f"{deepest} spread, epoch 1",
                      f"{first_conv} gradient, epoch 1", "first epoch ≥ 50 %",
                      f"acc. epoch {min(10, rec['epochs'])}", f"acc. epoch {rec['epochs']}"],
             "rows": rows}
    lead = _init_lead(runs, summ, rec["epochs"], deepest)
    acc = ctx.figure(PAGE, init_accuracy_figure(rec), "accuracy", "held-out accuracy and loss per init")
    lay = ctx.figure(PAGE, init_layers_figure(rec), "layers",
                  "saturated fraction, spread and gradient per layer and init against epoch")
    dyn_note = ""
    if "xavier" in runs and _same_as_dynamics(runs["xavier"], meta):
        dyn_note = (" The Xavier run is the training-dynamics page's run (same seed and recipe; its first "
                    f"{rec['epochs']} epochs match number for number), which continues past these epochs.")
    sections = [
        section("accuracy", "Accuracy",
                 f"{', '.join(INIT_LABELS.get(n, n) for n in runs)}: same seed, same batches, same recipe "
                 f"({meta['recipe']['optimizer'].upper()} lr {meta['recipe']['lr']}, batch "
                 f"{meta['recipe']['batch_size']}), {rec['epochs']} epochs each.{dyn_note}", [acc]),
        section("layers", "Per layer",
                 "Top row: the claim's quantity, saturated share of unit values. Middle: how much each "
                 "layer's output varies across digits. Bottom: the weight gradient each layer receives.",
                 [lay]),
        section("reproduce", "Reproduce",
                 f"{meta['command']} (or lenet-viz compare-init). One seed, one recipe, "
                 f"{meta['train_images']:,} training digits: a different learning rate or optimizer can "
                 f"order the inits differently.", []),
    ]
    ctx.write_page(PAGE.href, PAGE.title, lead=lead, table=table, sections=sections)
    return "the seed's claim \"Xavier keeps the sigmoid layers from saturating early\", tested"


PAGE = Page("init.html", "Init claim", build, listed=True)
