"""The training-dynamics page: why the seed's SGD lr 0.9 recipe sits at chance for dozens of epochs
(from the shipped ``dynamics`` record)."""

from __future__ import annotations

from ...fmt import num, pct, sci
from ..context import Page, PageContext, section


def _at(history: list, epoch: int) -> dict:
    return next(h for h in history if h["epoch"] == epoch)


def _plateau_cause(hist: list, deepest: str, peak: dict, pk: dict, e1: dict, last: dict,
                   first_conv: str | None, plateau_len: int) -> str:
    """The second sentence of the dynamics page: what the layers do during the plateau."""
    spread = (f"barely depends on the digit (spread {e1['layers'][deepest]['spread']:.1e} at epoch 1 "
              f"against {last['layers'][deepest]['spread']:.2f} at the end)")
    tails = (f"drifts into its flat tails ({pct(peak['saturated'], 0)} saturated at epoch {peak['epoch']}, "
             f"mean σ'(z) {pk['layers'][peak['layer']]['mean_dsigmoid']:.3f} where 0.25 is the most a "
             f"sigmoid can pass)")
    both = (f"the last hidden layer, {deepest}, {spread} and {tails}" if peak["layer"] == deepest
            else f"{deepest}'s output {spread}, while {peak['layer']} {tails}")
    grad = ""
    plateau = [h["grad_rms"][first_conv] for h in hist
               if 1 <= h["epoch"] <= plateau_len and first_conv in h.get("grad_rms", {})]
    e0 = hist[0]
    if plateau and last.get("grad_rms") and first_conv in e0.get("grad_rms", {}):
        # Not "so": the gradient is as small before anything saturates, so saturation is not its cause.
        sat0 = max(e0["layers"].values(), key=lambda s: s["saturated"])["saturated"]
        when = ("before any layer saturates" if sat0 < 0.01
                else f"when no layer is more than {pct(sat0, 0)} saturated")
        grad = (f". {first_conv}'s weight gradient is small from the start: "
                f"{sci(e0['grad_rms'][first_conv])} at epoch {e0['epoch']}, {when}; it "
                f"stays between {sci(min(plateau))} and {sci(max(plateau))} through the plateau until the "
                f"take-off lifts it to {sci(last['grad_rms'].get(first_conv))}")
    return f"Look at the lower panels: during the plateau {both}{grad}."


def build(ctx: PageContext) -> str:
    from ...analyses.records import load_record
    from ...render.dynamics import dynamics_figure, histogram_grid

    rec = load_record("dynamics")
    hist, summ, meta = rec["history"], rec["summary"], rec["meta"]
    last = hist[-1]
    layers = list(hist[0]["layers"])
    plateau, takeoff, peak = summ["plateau_epochs"], summ["takeoff_epoch"], summ["peak_saturation"]
    deepest = layers[-1]
    e1 = _at(hist, 1)
    pk = _at(hist, peak["epoch"])
    first_conv = next(iter(hist[0].get("grad_rms", {})), None)
    plateau_acc = sorted({h["test_acc"] for h in hist if 1 <= h["epoch"] <= plateau})
    acc_text = (pct(plateau_acc[0]) if len(plateau_acc) == 1
                else f"{pct(plateau_acc[0])}–{pct(plateau_acc[-1])}")
    lead = (f"With the seed's recipe ({meta['recipe']['optimizer'].upper()}, lr {meta['recipe']['lr']}), the "
            f"sigmoid LeNet-5 sits at {acc_text} held-out accuracy (chance is 10 %) for the first "
            f"{plateau} epochs, first reaches 50 % at epoch {takeoff} and ends at "
            f"{pct(last['test_acc'])} after {last['epoch']}. "
            + _plateau_cause(hist, deepest, peak, pk, e1, last, first_conv, plateau))
    shown = summ["hist_epochs"]
    rows = []
    for e in shown:
        h = _at(hist, e)
        rows.append([str(e), pct(h.get("test_acc"))]
                    + [f"{pct(h['layers'][n]['saturated'], 0)} · {num(h['layers'][n]['mean_dsigmoid'])}"
                       f" · {h['layers'][n]['spread']:.1e}" for n in layers]
                    + [sci(h.get("grad_rms", {}).get(first_conv))])
    table = {"head": ["epoch", "held-out acc."] + [f"{n}: saturated · σ' · spread" for n in layers]
             + [f"{first_conv} gradient"], "rows": rows}
    curves = ctx.figure(PAGE, dynamics_figure(rec), "curves",
                     "accuracy, saturation, mean sigmoid slope, spread and gradient per layer against epoch")
    notes = {0: "before training", peak["epoch"]: "peak saturation", takeoff: "first ≥ 50 %",
             last["epoch"]: "last"}
    hists = ctx.figure(PAGE, histogram_grid(rec, shown, notes), "histograms",
                    f"output histograms of every sigmoid layer at epochs {', '.join(map(str, shown))}")
    sections = [
        section("curves", "Per epoch",
                 "Saturated: share of unit values below 0.05 or above 0.95. Mean σ'(z): the average slope "
                 "the sigmoid passes back (0.25 at most, 0.0475 at the saturation threshold). Spread: for "
                 "each unit, the standard deviation of its output across the probe digits, averaged over "
                 "units — near zero means the layer says the same thing for every digit. Gradient: RMS of "
                 "the loss gradient with respect to each layer's weights on the probe batch.", [curves]),
        section("histograms", "Output histograms",
                 f"Epochs {', '.join(map(str, shown))}: before training, after one epoch, at peak "
                 f"saturation, at the take-off and at the end. Shaded: the saturated tails.", [hists]),
        section("reproduce", "Reproduce",
                 f"Recorded on {meta['probe_images']} held-out probe digits (seed {meta['probe_seed']}); "
                 f"training seed {meta['seed']}, {meta['train_images']:,} training digits of "
                 f"{meta['dataset']}. Regenerate with: {meta['command']}. The shipped lenet5 weights "
                 f"were trained with Adam instead, which does not sit on this plateau.", []),
    ]
    ctx.write_page(PAGE.href, PAGE.title, lead=lead, table=table, sections=sections)
    return (f"the sigmoid plateau: {plateau} epochs at {acc_text} with SGD lr {meta['recipe']['lr']}, "
            f"and what the layers do meanwhile")


PAGE = Page("dynamics.html", "Training dynamics", build, listed=True)
