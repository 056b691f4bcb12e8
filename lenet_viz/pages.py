"""The analysis pages of the gallery: training dynamics, the init claim, lenet5 vs modern vs mlp, top
activating examples and occlusion sensitivity.

Each page is a :class:`Page`: called with the gallery context (see
:func:`lenet_viz.site.build_gallery`) it writes ``<name>.html`` into ``ctx["tmp"]`` and its PNGs
under ``ctx["tmp"]/assets/<name>/`` with relative links, and returns ``{"href", "title", "blurb"}``.
A Page also answers ``page["href"]`` and ``page["title"]`` before it is built, for the navigation bar.

The first two pages read the shipped records (``lenet_viz/records``: training runs are too slow for
a gallery build); the others compute live on the held-out split.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import LenetVizError

TOP_K = 8
OCCLUSION_PATCH = 6
OCCLUSION_STRIDE = 2
COMPARE_MODELS = ("lenet5", "modern", "mlp")
MAP_DIGITS = 3  # digits shown in the aligned feature maps


@dataclass(frozen=True)
class Page:
    """One gallery page: ``page(ctx)`` builds it; ``page["href"]``/``page["title"]`` name it."""

    href: str
    title: str
    build: Callable[[dict], str]

    def __getitem__(self, key: str) -> str:
        if key not in ("href", "title"):
            raise KeyError(key)
        return getattr(self, key)

    def __call__(self, ctx: dict) -> dict:
        return {"href": self.href, "title": self.title, "blurb": self.build(ctx)}


# ---------------------------------------------------------------- plumbing

def _pct(v: Any, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v * 100:.{digits}f} %"


def _num(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:.{digits}f}"


def _sci(v: Any) -> str:
    return "—" if v is None else f"{v:.1e}"


def _and(items: list) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _stem(href: str) -> str:
    return Path(href).stem


def _figure(ctx: dict, href: str, fig: Any, name: str, alt: str, caption: str = "") -> dict:
    """Save ``fig`` as ``assets/<page>/<name>.png``; the page's figure entry (relative src, size)."""
    from PIL import Image

    from .render.figures import save_figure

    base = Path(ctx["tmp"])
    folder = base / "assets" / _stem(href)
    folder.mkdir(parents=True, exist_ok=True)
    path = save_figure(fig, folder / f"{name}.png")
    tick = ctx.get("tick")
    if tick is not None:
        tick(f"{_stem(href)}/{name}.png")
    with Image.open(path) as im:
        w, h = im.size
    return {"src": path.relative_to(base).as_posix(), "alt": alt, "caption": caption, "width": w,
            "height": h}


def _section(sid: str, title: str, caption: str, figures: list, table: dict | None = None) -> dict:
    return {"id": sid, "title": title, "caption": caption, "figures": figures, "table": table}


def _write(ctx: dict, page: Page, lead: str, sections: list, table: dict | None = None) -> None:
    html = ctx["env"].get_template("page.html").render(
        **ctx["common"](ctx["model"], page.title, "", page.href, ctx["nav"]),
        lead=lead, table=table, sections=sections)
    (Path(ctx["tmp"]) / page.href).write_text(html, encoding="utf-8")


def _at(history: list, epoch: int) -> dict:
    return next(h for h in history if h["epoch"] == epoch)


# ---------------------------------------------------------------- 1. training dynamics

def _plateau_cause(hist: list, deepest: str, peak: dict, pk: dict, e1: dict, last: dict,
                   first_conv: str | None, plateau_len: int) -> str:
    """The second sentence of the dynamics page: what the layers do during the plateau."""
    spread = (f"barely depends on the digit (spread {e1['layers'][deepest]['spread']:.1e} at epoch 1 "
              f"against {last['layers'][deepest]['spread']:.2f} at the end)")
    tails = (f"drifts into its flat tails ({_pct(peak['saturated'], 0)} saturated at epoch {peak['epoch']}, "
             f"mean σ'(z) {pk['layers'][peak['layer']]['mean_dsigmoid']:.3f} where 0.25 is the most a "
             f"sigmoid can pass)")
    both = (f"the last hidden layer, {deepest}, {spread} and {tails}" if peak["layer"] == deepest
            else f"{deepest}'s output {spread}, while {peak['layer']} {tails}")
    grad = ""
    plateau = [h["grad_rms"][first_conv] for h in hist
               if 1 <= h["epoch"] <= plateau_len and first_conv in h.get("grad_rms", {})]
    if plateau and last.get("grad_rms"):
        grad = (f", so {first_conv}'s weight gradient stays between {_sci(min(plateau))} and "
                f"{_sci(max(plateau))} until the take-off lifts it to "
                f"{_sci(last['grad_rms'].get(first_conv))}")
    return f"Look at the lower panels: during the plateau {both}{grad}."


def _dynamics(ctx: dict) -> str:
    from .analysis import load_record
    from .render.analysis import dynamics_figure, histogram_grid

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
    acc_text = (_pct(plateau_acc[0]) if len(plateau_acc) == 1
                else f"{_pct(plateau_acc[0])}–{_pct(plateau_acc[-1])}")
    lead = (f"With the seed's recipe ({meta['recipe']['optimizer'].upper()}, lr {meta['recipe']['lr']}), the "
            f"sigmoid LeNet-5 sits at {acc_text} held-out accuracy (chance is 10 %) for the first "
            f"{plateau} epochs, first reaches 50 % at epoch {takeoff} and ends at "
            f"{_pct(last['test_acc'])} after {last['epoch']}. "
            + _plateau_cause(hist, deepest, peak, pk, e1, last, first_conv, plateau))
    shown = summ["hist_epochs"]
    rows = []
    for e in shown:
        h = _at(hist, e)
        rows.append([str(e), _pct(h.get("test_acc"))]
                    + [f"{_pct(h['layers'][n]['saturated'], 0)} · {_num(h['layers'][n]['mean_dsigmoid'])}"
                       f" · {h['layers'][n]['spread']:.1e}" for n in layers]
                    + [_sci(h.get("grad_rms", {}).get(first_conv))])
    table = {"head": ["epoch", "held-out acc."] + [f"{n}: saturated · σ' · spread" for n in layers]
             + [f"{first_conv} gradient"], "rows": rows}
    curves = _figure(ctx, PAGES_BY_NAME["dynamics"].href, dynamics_figure(rec), "curves",
                     "accuracy, saturation, mean sigmoid slope, spread and gradient per layer against epoch")
    notes = {0: "before training", peak["epoch"]: "peak saturation", takeoff: "first ≥ 50 %",
             last["epoch"]: "last"}
    hists = _figure(ctx, PAGES_BY_NAME["dynamics"].href, histogram_grid(rec, shown, notes), "histograms",
                    f"output histograms of every sigmoid layer at epochs {', '.join(map(str, shown))}")
    sections = [
        _section("curves", "Per epoch",
                 "Saturated: share of unit values below 0.05 or above 0.95. Mean σ'(z): the average slope "
                 "the sigmoid passes back (0.25 at most, 0.0475 at the saturation threshold). Spread: for "
                 "each unit, the standard deviation of its output across the probe digits, averaged over "
                 "units — near zero means the layer says the same thing for every digit. Gradient: RMS of "
                 "the loss gradient with respect to each layer's weights on the probe batch.", [curves]),
        _section("histograms", "Output histograms",
                 f"Epochs {', '.join(map(str, shown))}: before training, after one epoch, at peak "
                 f"saturation, at the take-off and at the end. Shaded: the saturated tails.", [hists]),
        _section("reproduce", "Reproduce",
                 f"Recorded on {meta['probe_images']} held-out probe digits (seed {meta['probe_seed']}); "
                 f"training seed {meta['seed']}, {meta['train_images']:,} training digits of "
                 f"{meta['dataset']}. Regenerate with: {meta['command']}. The shipped lenet5 weights "
                 f"were trained with Adam instead, which does not sit on this plateau.", []),
    ]
    _write(ctx, PAGES_BY_NAME["dynamics"], lead, sections, table)
    return (f"the sigmoid plateau: {plateau} epochs at {acc_text} with SGD lr {meta['recipe']['lr']}, "
            f"and what the layers do meanwhile")


# ---------------------------------------------------------------- 2. init comparison

def _init_lead(runs: dict, summ: dict, epochs: int, deepest: str) -> str:
    """Two sentences: does Xavier saturate least early on, and does that decide who learns first."""
    from .render.analysis import INIT_LABELS as lab

    def max_sat(name: str) -> tuple:
        s = summ[name]["saturated_epoch1"]
        layer = max(s, key=lambda n: (s[n], n))
        return s[layer], layer

    most = max(runs, key=lambda n: (max_sat(n)[0], n))
    least = min(runs, key=lambda n: (max_sat(n)[0], n))
    if "xavier" in runs:
        holds = max_sat("xavier")[0] <= max_sat(least)[0]
        verdict = "holds as stated" if holds else "does not hold here"
        first = (f"The claim {verdict}: after one epoch Xavier's most saturated layer has "
                 f"{_pct(max_sat('xavier')[0], 0)} of its units in the flat tails, against "
                 f"{_pct(max_sat(most)[0], 0)} ({max_sat(most)[1]}) with {lab.get(most, most)}.")
    else:
        first = f"After one epoch the least saturated init is {lab.get(least, least)}."
    took = {n: summ[n]["takeoff_epoch"] for n in runs if summ[n]["takeoff_epoch"] is not None}
    if not took:
        return first + f" None of them reaches 50 % held-out accuracy within {epochs} epochs."
    fastest = min(took, key=lambda n: (took[n], n))
    others = [n for n in runs if n not in took]
    second = (f" But under this recipe saturation is not what decides training: {lab.get(fastest, fastest)}"
              f" reaches 50 % at epoch {took[fastest]} and {_pct(summ[fastest]['final_test_acc'])} at epoch "
              f"{epochs}")
    if fastest == least:
        return first + (f" {lab.get(fastest, fastest)} is also the first to reach 50 % "
                        f"(epoch {took[fastest]}).")
    if others:
        second += (", while " + " and ".join(f"{lab.get(n, n)} ({_pct(summ[n]['final_test_acc'])})"
                                             for n in others)
                   + f" do{'es' if len(others) == 1 else ''} not reach 50 % within {epochs} epochs")
    ref = "xavier" if "xavier" in runs else least
    second += (f" — look at the spread row: with small weights {deepest} answers nearly the same for every "
               f"digit ({_at(runs[ref], 1)['layers'][deepest]['spread']:.1e} for {lab.get(ref, ref)} vs "
               f"{_at(runs[fastest], 1)['layers'][deepest]['spread']:.1e}), so there is little for the "
               f"gradient to work with.")
    return first + second


def _same_as_dynamics(history: list, meta: dict) -> bool:
    """Whether the shipped dynamics run matches this Xavier run epoch for epoch (same seed and recipe)."""
    from .analysis import load_record

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


def _init(ctx: dict) -> str:
    from .analysis import load_record
    from .render.analysis import INIT_LABELS, init_accuracy_figure, init_layers_figure

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
        rows.append([INIT_LABELS.get(name, name), f"{_pct(s1, 0)} ({l1 if s1 else 'none'})",
                     f"{e1['layers'][deepest]['spread']:.1e}", _sci(e1.get("grad_rms", {}).get(first_conv)),
                     str(summ[name]["takeoff_epoch"] or f"not within {rec['epochs']}"),
                     _pct(_at(hist, min(10, rec["epochs"]))["test_acc"]), _pct(summ[name]["final_test_acc"])])
    table = {"head": ["init", "most saturated layer, epoch 1", f"{deepest} spread, epoch 1",
                      f"{first_conv} gradient, epoch 1", "first epoch ≥ 50 %",
                      f"acc. epoch {min(10, rec['epochs'])}", f"acc. epoch {rec['epochs']}"],
             "rows": rows}
    lead = _init_lead(runs, summ, rec["epochs"], deepest)
    href = PAGES_BY_NAME["init"].href
    acc = _figure(ctx, href, init_accuracy_figure(rec), "accuracy", "held-out accuracy and loss per init")
    lay = _figure(ctx, href, init_layers_figure(rec), "layers",
                  "saturated fraction, spread and gradient per layer and init against epoch")
    dyn_note = ""
    if "xavier" in runs and _same_as_dynamics(runs["xavier"], meta):
        dyn_note = (" The Xavier run is the training-dynamics page's run (same seed and recipe; its first "
                    f"{rec['epochs']} epochs match number for number), which continues past these epochs.")
    sections = [
        _section("accuracy", "Accuracy",
                 f"{', '.join(INIT_LABELS.get(n, n) for n in runs)}: same seed, same batches, same recipe "
                 f"({meta['recipe']['optimizer'].upper()} lr {meta['recipe']['lr']}, batch "
                 f"{meta['recipe']['batch_size']}), {rec['epochs']} epochs each.{dyn_note}", [acc]),
        _section("layers", "Per layer",
                 "Top row: the claim's quantity, saturated share of unit values. Middle: how much each "
                 "layer's output varies across digits. Bottom: the weight gradient each layer receives.",
                 [lay]),
        _section("reproduce", "Reproduce",
                 f"{meta['command']} (or lenet-viz compare-init). One seed, one recipe, "
                 f"{meta['train_images']:,} training digits: a different learning rate or optimizer can "
                 f"order the inits differently.", []),
    ]
    _write(ctx, PAGES_BY_NAME["init"], lead, sections, table)
    return "the seed's claim \"Xavier keeps the sigmoid layers from saturating early\", tested"


# ---------------------------------------------------------------- 3. lenet5 vs modern vs mlp

def _stage_rows(traces: dict, stage: int, digits: list) -> tuple[list, list]:
    from .analysis import stage_layers

    rows, names = [], []
    for d_i, d in enumerate(digits):
        for name, t in traces.items():
            layer = stage_layers(t)[stage]
            if layer is None:
                continue
            rec = t[layer]
            names.append(f"{name} {layer}")
            rows.append({"label": f"{d.name}\n{name} {layer} ({rec.activation or rec.kind})",
                         "maps": rec.output[d_i], "image": d.x[0] if name == next(iter(traces)) else None})
    return rows, names


def _params_caption(lenet: Any, modern: Any, mlp: Any) -> str:
    """Where each model keeps its parameters, from the weight shapes."""
    big = max(lenet.params, key=lambda p: p[2])
    head = modern.params[-1]
    first = mlp.params[0]

    def matrix(p: tuple) -> str:
        out_units, in_units = p[4][:2]
        return f"{in_units} × {out_units}"

    return (f"lenet5's {big[0]} connects all {big[4][1]} values of the flattened maps to each of its "
            f"{big[4][0]} units ({matrix(big)} weights + biases = {big[2]:,}); modern averages each of its "
            f"{head[4][1]} final channels to one number, so its head is a {matrix(head)} layer "
            f"({head[2]:,}); "
            f"the MLP's {first[0]} gives every one of the {first[4][1]} pixels its own weight to each of "
            f"{first[4][0]} units ({first[2]:,}).")


def _compare(ctx: dict) -> str:
    from .analysis import STAGES, compare_models
    from .capture import trace
    from .model import load_model
    from .render.analysis import aligned_maps_figure, health_figure, params_figure

    data = ctx["data"]
    models = {name: load_model(name) for name in COMPARE_MODELS}
    summaries = compare_models(models, data)
    by = {s.name: s for s in summaries}
    href = PAGES_BY_NAME["compare"].href
    rows = [[s.name, models[s.name].card.get("description", ""), _pct(s.accuracy),
             _pct(s.card_accuracy) if s.card_accuracy is not None else "—", f"{s.total_params:,}"]
            for s in summaries]
    table = {"head": ["model", "architecture", f"held-out accuracy (re-measured, {len(data.test):,})",
                      "model card", "parameters"], "rows": rows}
    lenet, modern, mlp = by["lenet5"], by["modern"], by["mlp"]
    big = max(lenet.params, key=lambda p: p[2])
    head = modern.params[-1]
    sat = [r["saturated"] for r in lenet.stats]
    zero = [r["zero"] for r in modern.stats]
    dead = [r["dead"] for r in modern.stats]
    lead = (f"On the same {len(data.test):,} held-out digits modern scores {_pct(modern.accuracy)} with "
            f"{modern.total_params:,} parameters, lenet5 {_pct(lenet.accuracy)} with "
            f"{lenet.total_params:,} — {big[2]:,} ({_pct(big[2] / lenet.total_params, 0)}) of them in "
            f"{big[0]} alone, where modern's global-average-pool head needs {head[2]:,} — and the dense MLP "
            f"{_pct(mlp.accuracy)} with {mlp.total_params:,}. "
            f"Look at how the units behave: {_pct(min(sat), 0)}–{_pct(max(sat), 0)} of lenet5's sigmoid "
            f"values sit in the flat tails, while modern's ReLUs output exactly zero for "
            f"{_pct(min(zero), 0)}–{_pct(max(zero), 0)} of values yet only {_pct(max(dead), 1)} of their "
            f"units are dead (zero for every digit).")
    pfig = _figure(ctx, href, params_figure(summaries), "params", "parameters per layer of each model")
    hfig = _figure(ctx, href, health_figure(summaries), "health", "saturated and dead units per layer")
    ptable = {"head": ["model", "layer", "block", "parameters", "share"],
              "rows": [[s.name, n, desc, f"{p:,}", _pct(p / s.total_params)] for s in summaries
                       for n, _, p, desc, _ in s.params]}
    htable = {"head": ["model", "layer", "activation", "saturated (sigmoid)", "mean σ'(z)",
                       "zero outputs (ReLU)", "dead units (ReLU)"],
              "rows": [[s.name, r["layer"], r["activation"], _pct(r["saturated"]), _num(r["mean_dsigmoid"]),
                        _pct(r["zero"]), _pct(r["dead"])] for s in summaries for r in s.stats]}
    chosen = [d for d in ctx["digits"] if d.truth in (2, 4, 7)][:MAP_DIGITS] or ctx["digits"][:MAP_DIGITS]
    conv_models = {n: models[n] for n in ("lenet5", "modern")}
    xs = np.stack([d.x for d in chosen])
    traces = {n: trace(m, xs) for n, m in conv_models.items()}
    map_figs = []
    for k, (kind, idx) in enumerate(STAGES):
        rows_k, names = _stage_rows(traces, k, chosen)
        if not rows_k:
            continue
        title = (f"Stage {k + 1}: after {kind} {idx} — " + " vs ".join(dict.fromkeys(
            n.split()[0] + " " + n.split()[1] for n in names)) + ", same digits, one colour scale")
        map_figs.append(_figure(ctx, href, aligned_maps_figure(rows_k, title), f"maps-{kind}{idx}",
                                f"feature maps after {kind} {idx}, lenet5 and modern, same digits"))
    sections = [
        _section("params", "Parameters per layer", _params_caption(lenet, modern, mlp), [pfig], ptable),
        _section("health", "Saturation vs dead units",
                 "Sigmoid units fail by saturating (output near 0 or 1, slope near 0); ReLU units output "
                 "exactly 0 for negative inputs (normal, and input-dependent) and are dead only when that "
                 f"happens for every digit. Counted over all {len(data.test):,} held-out digits.", [hfig],
                 htable),
        _section("maps", "Feature maps, layer by layer",
                 "The same digits through lenet5 and modern, stage by stage (conv output after its "
                 "activation, then the pool). One colour scale per figure: sigmoid maps live in 0–1 and "
                 "keep a non-zero background, ReLU maps are exactly zero on the background and can exceed "
                 "1. The MLP has no maps: its first layer sees the image as 784 unrelated numbers.",
                 map_figs),
    ]
    _write(ctx, PAGES_BY_NAME["compare"], lead, sections, table)
    return (f"LeNet-5 (1998) vs modern vs MLP: {_pct(lenet.accuracy)} / {_pct(modern.accuracy)} / "
            f"{_pct(mlp.accuracy)}, parameters, saturation vs dead units, aligned feature maps")


# ---------------------------------------------------------------- 4. top activating examples

def _top(ctx: dict) -> str:
    from .analysis import top_activations
    from .render.analysis import top_examples_figure

    model, data = ctx["model"], ctx["data"]
    test = data.test
    k = min(TOP_K, len(test))
    tops = top_activations(model, test.x, k=k)
    href = PAGES_BY_NAME["top"].href
    sections, rows = [], []
    for top in tops:
        fig = top_examples_figure(top, test.x, test.y)
        entry = _figure(ctx, href, fig, f"top-{top.conv}",
                        f"top {k} held-out digits per channel of {top.conv}")
        first, kth = top.values[:, 0], top.values[:, -1]
        labels = [len(set(int(test.y[i]) for i in top.indices[c])) for c in range(top.values.shape[0])]
        pure = sum(1 for n in labels if n == 1)
        ranked = f"z of {top.layer}" if top.measure == "pre" else f"{top.layer} output"
        rows.append([top.conv, ranked, str(top.values.shape[0]), f"{top.rf}×{top.rf}",
                     f"{first.min():.3g}–{first.max():.3g}", f"{kth.min():.3g}–{kth.max():.3g}",
                     f"{pure} of {len(labels)}"])
        why = ("pre-activation z (the same order as its output, without the ties of outputs saturated at "
               "1.0)" if top.measure == "pre" else "output")
        sections.append(_section(
            top.conv, f"{top.conv}: {top.values.shape[0]} channels, receptive field {top.rf}×{top.rf}",
            f"Ranked by the maximum over all positions of {top.layer}'s {why}; the red box is the "
            f"{top.rf}×{top.rf} input window that position sees (stride {top.jump} px between neighbouring "
            f"positions; outside the image is the zero padding). In {pure} of {len(labels)} channels all "
            f"{k} top digits share one label.", [entry]))
    per_layer = []
    for t in tops:
        spans = [len(set(int(test.y[i]) for i in t.indices[c])) for c in range(t.values.shape[0])]
        per_layer.append((t.conv, int(np.median(spans)), sum(1 for n in spans if n == 1), len(spans)))
    parts = [f"{med} different labels in the median {conv} channel ({pure} of {n} with a single label)"
             for conv, med, pure, n in per_layer]
    trend = ""
    if len(per_layer) > 1 and per_layer[-1][1] < per_layer[0][1]:
        trend = ": the deeper the layer, the closer its channels come to picking out one digit"
    elif len(per_layer) > 1:
        trend = ": even the deepest conv channels respond to parts that several digits share"
    lead = (f"Each row is one channel of {model.source}: its kernel, then the {k} of {len(test):,} held-out "
            f"digits that excite it most, cropped to the receptive field of the strongest position "
            f"({_and([f'{t.rf}×{t.rf} px for {t.conv}' for t in tops])}). "
            f"Look at what the crops of a row share and compare it with the kernel's red (excitatory) and "
            f"blue (inhibitory) weights; a channel's top {k} digits carry " + "; ".join(parts) + trend + ".")
    table = {"head": ["conv", "ranked on", "channels", "receptive field", "best value per channel",
                      f"{k}th value per channel", "channels whose top digits share one label"],
             "rows": rows}
    _write(ctx, PAGES_BY_NAME["top"], lead, sections, table)
    return (f"for every conv channel, the {k} held-out digits that excite it most, cropped to its "
            f"receptive field")


# ---------------------------------------------------------------- 5. occlusion

def _occlusion(ctx: dict) -> str:
    from .analysis import fast_predictor, occlusion_map
    from .render.analysis import occlusion_figure

    model, classes = ctx["model"], ctx["data"].classes
    href = PAGES_BY_NAME["occlusion"].href
    predict = fast_predictor(model)
    results = [(d, occlusion_map(model, d.x, OCCLUSION_PATCH, OCCLUSION_STRIDE, predict=predict))
               for d in ctx["digits"]]
    rows, figures = [], []
    flips_total = 0
    for d, o in results:
        i, j = np.unravel_index(int(np.argmax(o.drop)), o.drop.shape)
        flips = int((o.predicted != o.target).sum())
        flips_total += flips > 0
        r, c = o.worst
        rows.append([d.name, classes[o.target], _num(o.p0), _num(float(o.drop[i, j])),
                     f"rows {r}–{r + o.patch - 1}, cols {c}–{c + o.patch - 1}",
                     classes[int(o.predicted[i, j])], f"{flips} of {o.drop.size}"])
        figures.append(_figure(ctx, href, occlusion_figure(d.x, o, d.name, None, classes), f"occ-{d.slug}",
                               f"occlusion map of {d.name}"))
    drops = [float(o.drop.max()) for _, o in results]
    worst_d, worst_o = max(results, key=lambda t: float(t[1].drop.max()))
    wi = np.unravel_index(int(np.argmax(worst_o.drop)), worst_o.drop.shape)
    lead = (f"Red marks where hiding a {OCCLUSION_PATCH}×{OCCLUSION_PATCH} patch of background (value 0) "
            f"lowers the probability of the predicted class, blue where it raises it; each map has its own "
            f"colour scale (its colorbar), and the table compares the magnitudes. "
            f"Look for how local the evidence is: the single most damaging patch lowers the probability by "
            f"{np.median(drops):.2f} for the median digit and by up to {max(drops):.2f} ({worst_d.name}, "
            f"which then reads as {classes[int(worst_o.predicted[wi])]}), and for {flips_total} of "
            f"{len(results)} digits one patch is enough to change the prediction.")
    table = {"head": ["digit", "predicted", "p", "largest drop", "patch", "then predicts",
                      "patches that change the prediction"], "rows": rows}
    sections = [_section("why-zero", "Why a background patch, not gray",
                         "MNIST digits are white ink on a black (0) background. A gray patch would add a "
                         "blob of ink wherever it lands, so the map would mix \"this stroke mattered\" with "
                         "\"an added smudge confused the net\"; a patch of 0 only erases ink, and over empty "
                         f"background it changes nothing. Patch {OCCLUSION_PATCH}×{OCCLUSION_PATCH}, stride "
                         f"{OCCLUSION_STRIDE}, every position evaluated in one batched forward pass; each "
                         "pixel shows the mean drop of the patches covering it.", [])]
    sections += [_section(f"occ-{d.slug}", d.name, "", [f]) for (d, _), f in zip(results, figures)]
    _write(ctx, PAGES_BY_NAME["occlusion"], lead, sections, table)
    return (f"which pixels each prediction depends on: up to {max(drops):.2f} probability lost by hiding "
            f"one {OCCLUSION_PATCH}×{OCCLUSION_PATCH} patch")


# ---------------------------------------------------------------- the pages

PAGES_BY_NAME = {
    "dynamics": Page("dynamics.html", "Training dynamics", _dynamics),
    "init": Page("init.html", "Init claim", _init),
    "compare": Page("compare.html", "1998 vs modern", _compare),
    "top": Page("top-activations.html", "Top activations", _top),
    "occlusion": Page("occlusion.html", "Occlusion", _occlusion),
}
#: Every analysis page, in the order of the navigation bar: pass as ``extra_pages`` to ``build_gallery``.
PAGES = tuple(PAGES_BY_NAME.values())
