"""The lenet5 vs modern vs mlp page: accuracy, parameters, saturation vs dead units, aligned maps."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...fmt import num, pct
from ...model import DIGIT_MODELS
from ..context import Page, PageContext, section

COMPARE_MODELS = DIGIT_MODELS


MAP_DIGITS = 3  # digits shown in the aligned feature maps
#: What the shipped ``lenet5`` is: d2l's LeNet, not LeCun et al.'s 1998 network.
LENET_NAME = "LeNet-5 (d2l: sigmoid, avg-pool)"
PAPER_NOTE = ("lenet5 is LeNet-5 as the d2l chapter builds it, not the network of LeCun et al. (1998). "
              "The paper squashes with a scaled tanh, not a sigmoid; its subsampling layers (S2, S4) "
              "multiply each average by a trainable coefficient and add a trainable bias before the "
              "squashing, where d2l's AvgPool2D has no parameters; its C3 layer connects each of its maps "
              "to only some of S2's maps (a fixed sparse table), where d2l's conv2 sees all of them; and "
              "its output layer is a set of Euclidean RBF units compared with fixed digit codes, not a "
              "dense layer with a softmax. The layer sizes (6 and 16 maps, 120 and 84 units, 10 outputs) "
              "are the paper's.")


def _listing(pairs: Any) -> str:
    """``act1 6.3 %, act2 0.5 %, act3 0.0 %``."""
    return ", ".join(f"{name} {value}" for name, value in pairs)


def _background_caption(traces: dict, xs: Any) -> str:
    """What the first stage's maps show where the digits have no ink, measured on these digits."""
    from ...analyses.compare import background_levels, stage_layers

    parts = []
    for name, t in traces.items():
        layer = stage_layers(t)[0]
        if layer is None or t[layer].output.shape[2:] != xs.shape[2:]:
            continue
        kernel = int(t["conv1"].config["kernel"])
        levels = background_levels(xs, t[layer].output, kernel)
        act = t[layer].activation or t[layer].kind
        zero = [c for c, v in enumerate(levels) if v == 0]
        lit = sorted((c for c, v in enumerate(levels) if v > 0), key=lambda c: -levels[c])
        head = f"{name} {layer} ({act})"
        if not lit:
            parts.append(f"{head} is exactly zero on the background in all {len(levels)} channels")
        elif not zero:
            parts.append(f"{head} keeps a non-zero background in all {len(levels)} channels "
                         f"({num(min(levels))}–{num(max(levels))})")
        else:
            top = lit[:3]
            why = ("BatchNorm shifts each channel before the ReLU, which leaves"
                   if any(r.kind == "bn" for r in t) else "it leaves")
            parts.append(f"{head} is exactly zero on the background in only {len(zero)} of its "
                         f"{len(levels)} channels: {why} channel{'s' if len(top) > 1 else ''} "
                         f"{', '.join(str(c) for c in top)} at "
                         f"{', '.join(num(levels[c]) for c in top)} where there is no ink")
    return (f"On these digits' background (map pixels whose {kernel}×{kernel} input window holds no ink, "
            f"median): " + "; ".join(parts) + "." if parts else "")


def _stage_rows(traces: dict, stage: int, digits: list) -> tuple[list, list]:
    from ...analyses.compare import stage_layers

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


def build(ctx: PageContext) -> str:
    from ...analyses.compare import STAGES, compare_models
    from ...capture import trace
    from ...model import load_model
    from ...render.compare import aligned_maps_figure, health_figure, params_figure

    data = ctx.data
    models = {name: load_model(name) for name in COMPARE_MODELS}
    summaries = compare_models(models, data)
    by = {s.name: s for s in summaries}
    rows = [[s.name, models[s.name].card.get("description", ""), pct(s.accuracy),
             pct(s.card_accuracy) if s.card_accuracy is not None else "—", f"{s.total_params:,}"]
            for s in summaries]
    table = {"head": ["model", "architecture", f"held-out accuracy (re-measured, {len(data.test):,})",
                      "model card", "parameters"], "rows": rows}
    lenet, modern, mlp = by["lenet5"], by["modern"], by["mlp"]
    big = max(lenet.params, key=lambda p: p[2])
    head = modern.params[-1]
    sat = [r["saturated"] for r in lenet.stats]
    zero = [r["zero"] for r in modern.stats]
    lead = (f"On the same {len(data.test):,} held-out digits modern scores {pct(modern.accuracy)} with "
            f"{modern.total_params:,} parameters, lenet5 {pct(lenet.accuracy)} with "
            f"{lenet.total_params:,} — {big[2]:,} ({pct(big[2] / lenet.total_params, 0)}) of them in "
            f"{big[0]} alone, where modern's global-average-pool head needs {head[2]:,} — and the dense MLP "
            f"{pct(mlp.accuracy)} with {mlp.total_params:,}. "
            f"Look at how the units behave: {pct(min(sat), 0)}–{pct(max(sat), 0)} of lenet5's sigmoid "
            f"values sit in the flat tails, while modern's ReLUs output exactly zero for "
            f"{pct(min(zero), 0)}–{pct(max(zero), 0)} of values yet few of their units are dead (zero "
            f"for every digit): {_listing((r['layer'], pct(r['dead'], 1)) for r in modern.stats)}.")
    pfig = ctx.figure(PAGE, params_figure(summaries), "params", "parameters per layer of each model")
    hfig = ctx.figure(PAGE, health_figure(summaries), "health", "saturated and dead units per layer")
    ptable = {"head": ["model", "layer", "block", "parameters", "share"],
              "rows": [[s.name, n, desc, f"{p:,}", pct(p / s.total_params)] for s in summaries
                       for n, _, p, desc, _ in s.params]}
    htable = {"head": ["model", "layer", "activation", "saturated (sigmoid)", "mean σ'(z)",
                       "zero outputs (ReLU)", "dead units (ReLU)"],
              "rows": [[s.name, r["layer"], r["activation"], pct(r["saturated"]), num(r["mean_dsigmoid"]),
                        pct(r["zero"]), pct(r["dead"])] for s in summaries for r in s.stats]}
    chosen = [d for d in ctx.digits if d.truth in (2, 4, 7)][:MAP_DIGITS] or ctx.digits[:MAP_DIGITS]
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
        map_figs.append(ctx.figure(PAGE, aligned_maps_figure(rows_k, title), f"maps-{kind}{idx}",
                                f"feature maps after {kind} {idx}, lenet5 and modern, same digits"))
    sections = [
        section("params", "Parameters per layer", _params_caption(lenet, modern, mlp), [pfig], ptable),
        section("health", "Saturation vs dead units",
                 "Sigmoid units fail by saturating (output near 0 or 1, slope near 0); ReLU units output "
                 "exactly 0 for negative inputs (normal, and input-dependent) and are dead only when that "
                 f"happens for every digit. Counted over all {len(data.test):,} held-out digits.", [hfig],
                 htable),
        section("maps", "Feature maps, layer by layer",
                 "The same digits through lenet5 and modern, stage by stage (conv output after its "
                 "activation, then the pool). One colour scale per figure. "
                 + _background_caption(traces, xs)
                 + " The MLP has no maps: its first layer sees the image as 784 unrelated numbers.",
                 map_figs),
        section("paper", "How this LeNet-5 differs from the 1998 paper", PAPER_NOTE, []),
    ]
    ctx.write_page(PAGE.href, PAGE.title, lead=lead, table=table, sections=sections)
    return (f"{LENET_NAME} vs modern vs MLP: {pct(lenet.accuracy)} / {pct(modern.accuracy)} / "
            f"{pct(mlp.accuracy)}, parameters, saturation vs dead units, aligned feature maps")


PAGE = Page("compare.html", "LeNet-5 vs modern", build, listed=True)
