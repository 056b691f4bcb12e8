"""Figures for the analysis pages: training dynamics, the init comparison, lenet5 vs modern vs mlp,
top activating examples and occlusion maps.

Pure renderers: records, summaries and arrays in (from :mod:`lenet_viz.analysis`), a
``matplotlib.figure.Figure`` out, built without pyplot; nothing is printed or written.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, LogLocator, PercentFormatter

from ..errors import RenderError
from .figures import WIDTH, new_figure

LAYER_COLORS = {"conv1": "#1f77b4", "conv2": "#ff7f0e", "dense1": "#2ca02c", "dense2": "#d62728",
                "dense3": "#9467bd", "conv3": "#8c564b"}
INIT_COLORS = {"xavier": "#1f77b4", "default": "#8c564b", "normal": "#d62728", "he": "#2ca02c"}
INIT_STYLES = {"default": (0, (4, 2))}  # dashed: it overlaps Xavier's flat line at chance
INIT_LABELS = {"xavier": "Xavier", "default": "MXNet default U(±0.07)", "normal": "normal N(0, 1)",
               "he": "He"}
MODEL_COLORS = {"lenet5": "#1f77b4", "modern": "#2ca02c", "mlp": "#7f7f7f"}
_PLATEAU = "#f2c14e"
_BAND = "#d62728"
SIGMOID_MAX_SLOPE = 0.25


def _color(table: dict, key: str, i: int) -> str:
    fallback = ("#17becf", "#bcbd22", "#e377c2", "#7f7f7f")
    return table.get(key, fallback[i % len(fallback)])


def _series(history: list, key: str, layer: str | None = None, field: str | None = None) -> tuple:
    """(epochs, values) of one quantity; missing values are dropped."""
    xs, ys = [], []
    for h in history:
        if layer is None:
            v = h.get(key)
        else:
            v = (h.get(key) or {}).get(layer)
            v = v.get(field) if isinstance(v, dict) else v
        if v is not None:
            xs.append(h["epoch"])
            ys.append(v)
    return np.asarray(xs), np.asarray(ys, dtype=float)


def _runs(record: dict) -> list:
    """The record's runs in the order they were asked for (JSON keys come back sorted)."""
    runs = record.get("runs") or {}
    if not runs:
        raise RenderError("init comparison record has no runs")
    asked = record.get("inits", [])
    order = [n for n in asked if n in runs] + [n for n in runs if n not in asked]
    return [(n, runs[n]) for n in order]


def _layers(history: list) -> list:
    return list(history[0].get("layers", {})) if history else []


def _check_history(history: Any, what: str) -> list:
    if not isinstance(history, list) or not history or "epoch" not in history[0]:
        raise RenderError(f"{what}: expected a non-empty per-epoch history (a list of dicts with 'epoch')")
    return history


def _shade(ax: Any, span: tuple | None, label: str | None = None) -> None:
    if span:
        ax.axvspan(span[0] - 0.5, span[1] + 0.5, color=_PLATEAU, alpha=0.25, linewidth=0, zorder=0,
                   label=label)


def _mark(ax: Any, epoch: int | None) -> None:
    if epoch is not None:
        ax.axvline(epoch, color="#333333", linestyle=":", linewidth=1)


def _small(ax: Any) -> None:
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.25, linewidth=0.6)


# ---------------------------------------------------------------- 1. training dynamics

def dynamics_figure(record: dict) -> Figure:
    """Held-out accuracy, and per activation layer: saturated fraction, mean σ'(z), how much the layer's
    output varies across digits, and the weight gradient, all against epoch.

    The plateau (accuracy within 5 points of epoch 1) is shaded; the take-off epoch (≥ 50 %) is dotted.

    Args:
        record: the ``dynamics`` record of :func:`lenet_viz.analysis.dynamics_record`.
    Returns:
        a Figure with 5 axes stacked on a shared epoch axis (accuracy, saturated, mean σ'(z),
        spread, gradient), one line per layer in the four lower ones.
    Raises:
        RenderError: a record without history.
    """
    history = _check_history(record.get("history"), "dynamics figure")
    summary = record.get("summary", {})
    layers = _layers(history)
    plateau = summary.get("plateau_epochs") or 0
    span = (1, plateau) if plateau else None
    takeoff = summary.get("takeoff_epoch")
    fig = new_figure(WIDTH, 11.0)
    axes = fig.subplots(5, 1, sharex=True, height_ratios=(1.1, 1, 1, 1, 1))
    ax = axes[0]
    x, y = _series(history, "test_acc")
    ax.plot(x, y, color="#111111", marker="o", markersize=2.5, linewidth=1.6, label="held-out accuracy")
    x2, y2 = _series(history, "train_acc")
    ax.plot(x2, y2, color="#777777", linewidth=1, linestyle="--", label="training accuracy (during epoch)")
    ax.axhline(0.1, color="#999999", linewidth=0.8)
    ax.text(x[-1], 0.115, "chance 10 %", fontsize=7, color="#666666", ha="right", va="bottom")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("accuracy", fontsize=9)
    _shade(ax, span, f"plateau: epochs 1–{plateau}")
    ax.legend(fontsize=8, loc="center left")
    panels = (("saturated", "saturated fraction\n(< 0.05 or > 0.95)", "lin"),
              ("mean_dsigmoid", "mean σ'(z)\n(max 0.25)", "lin"),
              ("spread", "spread across digits\n(mean std per unit)", "log"))
    for ax, (field, label, scale) in zip(axes[1:4], panels):
        for i, name in enumerate(layers):
            xs, ys = _series(history, "layers", name, field)
            if len(xs):
                ax.plot(xs, ys, color=_color(LAYER_COLORS, name, i), linewidth=1.5, label=name)
        ax.set_ylabel(label, fontsize=9)
        if scale == "log":
            ax.set_yscale("log")
        _shade(ax, span)
    axes[1].set_ylim(0, 1)
    axes[1].yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes[2].set_ylim(0, 0.27)
    axes[2].axhline(SIGMOID_MAX_SLOPE, color="#999999", linewidth=0.8)
    axes[1].legend(fontsize=8, ncol=len(layers), loc="upper left")
    ax = axes[4]
    grads = [n for n in history[0].get("grad_rms", {})]
    for i, name in enumerate(grads):
        xs, ys = _series(history, "grad_rms", name)
        ax.plot(xs, ys, color=_color(LAYER_COLORS, name, i), linewidth=1.5, label=name)
    ax.set_yscale("log")
    ax.set_ylabel("RMS weight gradient\n(probe batch)", fontsize=9)
    _shade(ax, span)
    if grads:
        ax.legend(fontsize=8, ncol=len(grads), loc="lower left")
    ax.set_xlabel("epoch (0 = before training)", fontsize=9)
    for ax in axes:
        _mark(ax, takeoff)
        _small(ax)
    meta = record.get("meta", {})
    rec = meta.get("recipe", {})
    fig.suptitle(f"LeNet-5 (sigmoid, {record.get('init', 'xavier')} init), "
                 f"{rec.get('optimizer', '?').upper()} "
                 f"lr {rec.get('lr', '?')}, batch {rec.get('batch_size', '?')}, "
                 f"{meta.get('train_images', '?'):,} training digits; statistics on "
                 f"{meta.get('probe_images', '?')} held-out probe digits\n"
                 f"shaded: plateau · dotted: first epoch ≥ 50 % (epoch {takeoff})", fontsize=10)
    return fig


def histogram_grid(record: dict, epochs: list | None = None, notes: dict | None = None) -> Figure:
    """Each activation layer's output histogram on the probe batch at a few epochs.

    Args:
        record: a ``dynamics`` record (histograms are kept at ``summary.hist_epochs``).
        epochs: which epochs (default: every epoch that kept a histogram).
        notes: epoch → a word for the column title (e.g. ``{33: "peak saturation"}``).
    Returns:
        a Figure with one row per layer and one column per epoch; the saturation bands are shaded
        and each panel states its saturated fraction.
    Raises:
        RenderError: an epoch without histograms.
    """
    history = _check_history(record.get("history"), "histogram grid")
    by_epoch = {h["epoch"]: h for h in history}
    if epochs is None:
        epochs = [h["epoch"] for h in history if any("hist" in s for s in h.get("layers", {}).values())]
    missing = [e for e in epochs if e not in by_epoch or not any(
        "hist" in s for s in by_epoch[e].get("layers", {}).values())]
    if missing or not epochs:
        raise RenderError(f"no histograms for epoch(s) {missing or epochs}; the record keeps them for "
                          f"{record.get('summary', {}).get('hist_epochs')}")
    layers = _layers(history)
    th = record.get("meta", {}).get("thresholds", {"low": 0.05, "high": 0.95})
    fig = new_figure(WIDTH, 1.55 * len(layers) + 0.9)
    axes = fig.subplots(len(layers), len(epochs), squeeze=False, sharex=True)
    for c, e in enumerate(epochs):
        h = by_epoch[e]
        for r, name in enumerate(layers):
            ax = axes[r, c]
            s = h["layers"][name]
            counts = np.asarray(s["hist"], dtype=float)
            lo, hi = s["hist_range"]
            edges = np.linspace(lo, hi, len(counts) + 1)
            frac = counts / max(counts.sum(), 1.0)
            ax.stairs(frac, edges, fill=True, color=_color(LAYER_COLORS, name, r))
            ax.axvspan(lo, th["low"], color=_BAND, alpha=0.12, linewidth=0)
            ax.axvspan(th["high"], hi, color=_BAND, alpha=0.12, linewidth=0)
            ax.set_xlim(lo, hi)
            ax.set_ylim(0, max(frac.max() * 1.35, 1e-3))
            ax.text(0.5, 0.96, f"sat {s['saturated']:.0%} · σ' {s['mean_dsigmoid']:.3f}",
                    transform=ax.transAxes, ha="center", va="top", fontsize=7)
            ax.tick_params(labelsize=7)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            if r == 0:
                acc = h.get("test_acc")
                note = (notes or {}).get(e)
                ax.set_title(f"epoch {e}" + (f" (acc {acc:.0%})" if acc is not None else "")
                             + (f"\n{note}" if note else ""), fontsize=9)
            if c == 0:
                ax.set_ylabel(name, fontsize=9)
            if r == len(layers) - 1:
                ax.set_xlabel("sigmoid output", fontsize=8)
    fig.suptitle("Output histograms on the probe batch (share of unit values per bin); "
                 "shaded: saturated tails", fontsize=10)
    return fig


# ---------------------------------------------------------------- 2. init comparison

def init_accuracy_figure(record: dict) -> Figure:
    """Held-out accuracy and training loss against epoch, one line per initialiser.

    Args:
        record: the ``init`` record of :func:`lenet_viz.analysis.compare_init`.
    Returns:
        a Figure with two axes (accuracy, loss), one line per init in each.
    Raises:
        RenderError: a record without runs.
    """
    runs = _runs(record)
    fig = new_figure(WIDTH, 3.4)
    ax_acc, ax_loss = fig.subplots(1, 2)
    for i, (name, hist) in enumerate(runs):
        style = {"color": _color(INIT_COLORS, name, i), "linewidth": 1.6,
                 "label": INIT_LABELS.get(name, name), "linestyle": INIT_STYLES.get(name, "-")}
        ax_acc.plot(*_series(hist, "test_acc"), **style)
        ax_loss.plot(*_series(hist, "train_loss"), **style)
    ax_acc.axhline(0.1, color="#999999", linewidth=0.8)
    ax_acc.set_ylim(0, 1)
    ax_acc.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_acc.set_ylabel("held-out accuracy", fontsize=9)
    ax_loss.set_ylabel("training loss (epoch mean)", fontsize=9)
    ax_loss.set_yscale("log")
    for ax in (ax_acc, ax_loss):
        ax.set_xlabel("epoch", fontsize=9)
        _small(ax)
    ax_acc.legend(fontsize=8)
    rec = record.get("meta", {}).get("recipe", {})
    fig.suptitle(f"Same net, seed and recipe ({rec.get('optimizer', '?').upper()} lr {rec.get('lr')}, "
                 f"batch {rec.get('batch_size')}); only the initial weights differ", fontsize=10)
    return fig


def init_layers_figure(record: dict) -> Figure:
    """Per layer (columns): saturated fraction, spread across digits and RMS weight gradient (rows)
    against epoch, one line per initialiser.

    Args:
        record: the ``init`` record.
    Returns:
        a Figure of 3 × (activation layers) axes.
    Raises:
        RenderError: a record without runs.
    """
    runs = _runs(record)
    layers = _layers(runs[0][1])
    fig = new_figure(WIDTH, 7.4)
    axes = fig.subplots(3, len(layers), squeeze=False, sharex=True)
    rows = (("layers", "saturated", "saturated fraction"), ("layers", "spread", "spread across digits"),
            ("grad_rms", None, "RMS weight gradient"))
    for r, (key, field, label) in enumerate(rows):
        for c, layer in enumerate(layers):
            ax = axes[r, c]
            for i, (name, hist) in enumerate(runs):
                x, y = _series(hist, key, layer, field)
                ax.plot(x, y, color=_color(INIT_COLORS, name, i), linewidth=1.4,
                        linestyle=INIT_STYLES.get(name, "-"), label=INIT_LABELS.get(name, name))
            if field == "saturated":
                ax.set_ylim(-0.02, 1.02)
                ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            else:
                ax.set_yscale("log")
                ax.yaxis.set_major_locator(LogLocator(numticks=5))
            if r == 0:
                ax.set_title(layer, fontsize=10)
            if c == 0:
                ax.set_ylabel(label, fontsize=9)
            if r == 2:
                ax.set_xlabel("epoch", fontsize=9)
            _small(ax)
    axes[0, 0].legend(fontsize=7, loc="center right")
    fig.suptitle("Per sigmoid layer, on the probe batch: how many units saturate, how much the "
                 "output depends on the digit,\nand how large the weight gradient is", fontsize=10)
    return fig


# ---------------------------------------------------------------- 3. lenet5 vs modern vs mlp

def params_figure(summaries: list) -> Figure:
    """Learnable parameters per layer of each model (log scale), the largest layer highlighted.

    Args:
        summaries: :class:`lenet_viz.analysis.ModelSummary` list.
    Returns:
        a Figure with one horizontal bar axes per model, on a shared log-scaled x axis.
    """
    if not summaries:
        raise RenderError("no models to compare")
    heights = [max(len(s.params), 1) for s in summaries]
    fig = new_figure(WIDTH, 0.9 + 0.32 * sum(heights) + 0.5 * len(summaries))
    axes = fig.subplots(len(summaries), 1, sharex=True, height_ratios=heights, squeeze=False)[:, 0]
    top = max(p[2] for s in summaries for p in s.params)
    for ax, s in zip(axes, summaries):
        names = [p[0] for p in s.params][::-1]
        counts = [p[2] for p in s.params][::-1]
        big = max(counts)
        cols = ["#d62728" if c == big else _color(MODEL_COLORS, s.name, 0) for c in counts]
        ax.barh(names, counts, color=cols)
        for yy, c in enumerate(counts):
            ax.text(c * 1.08, yy, f"{c:,} ({c / s.total_params:.0%})", va="center", fontsize=8)
        ax.set_xscale("log")
        ax.set_xlim(1, top * 12)
        ax.set_title(f"{s.name}: {s.total_params:,} parameters, held-out accuracy {s.accuracy:.1%}",
                     fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.25)
    axes[-1].set_xlabel("learnable parameters in the layer (log scale); red: the largest layer", fontsize=9)
    return fig


def health_figure(summaries: list) -> Figure:
    """Saturated sigmoid units vs zero and dead ReLU units, per activation layer of each model.

    Args:
        summaries: :class:`lenet_viz.analysis.ModelSummary` list.
    Returns:
        a Figure with one bar axes per model: for sigmoid layers the saturated fraction, for ReLU
        layers the zero-output fraction and the dead-unit fraction.
    """
    if not summaries:
        raise RenderError("no models to compare")
    fig = new_figure(WIDTH, 3.3)
    axes = fig.subplots(1, len(summaries), squeeze=False)[0]
    for ax, s in zip(axes, summaries):
        names = [r["layer"] for r in s.stats]
        x = np.arange(len(names))
        for xx, r in zip(x, s.stats):
            if r["activation"] == "relu":
                bars = ((xx - 0.2, r["zero"], "#9fb7d9", "zero output (ReLU)"),
                        (xx + 0.2, r["dead"], "#1d3557", "dead unit (ReLU)"))
            else:
                bars = ((xx, r["saturated"], "#d62728", f"saturated ({r['activation']})"),)
            for pos, v, col, lab in bars:
                if v is None or math.isnan(v):
                    continue
                ax.bar(pos, v, 0.4, color=col, label=lab)
                ax.text(pos, v + 0.02, f"{v:.0%}", ha="center", fontsize=7)
        ax.set_xlim(-0.7, len(names) - 0.3)
        ax.set_xticks(x, names, fontsize=8, rotation=30)
        ax.set_ylim(0, 1.08)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(s.name, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", alpha=0.25)
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8)
    n = summaries[0].n_test
    fig.suptitle(f"Activation health over {n:,} held-out digits: sigmoid tails (< 0.05 or > 0.95) vs ReLU "
                 f"zeros; a dead unit is zero for every digit", fontsize=10)
    return fig


def _mosaic(tiles: list, gap: int = 1) -> np.ndarray:
    """Equal-sized 2-D tiles side by side with ``gap`` NaN columns between (drawn as background)."""
    h, w = tiles[0].shape
    out = np.full((h, len(tiles) * (w + gap) - gap), np.nan, dtype=np.float32)
    for i, t in enumerate(tiles):
        out[:, i * (w + gap):i * (w + gap) + w] = t
    return out


def aligned_maps_figure(rows: list, title: str, max_channels: int = 16) -> Figure:
    """Feature maps of several models for the same digits, one row per (digit, model), one shared
    colour scale for the whole figure.

    Each row is one image: the channels side by side (one axes per row, not per tile, so a figure of
    a hundred maps draws in a fraction of a second).

    Args:
        rows: dicts with ``label`` (row title), ``maps`` (C, H, W) and optional ``image`` (28, 28),
            drawn in its own axes at the start of the row.
        title: the figure title (say which stage is shown).
        max_channels: channels drawn per row (the first ones); the row title says when some are left out.
    Returns:
        a Figure: per row an input axes (``image`` given) and a maps axes whose image is the channels
        side by side; the last axes is the colorbar. The shared limits are min(0, smallest value) and
        the 99.5th percentile of all maps (brighter values clip), stated on the colorbar.
    """
    if not rows:
        raise RenderError("no feature maps to draw")
    allv = np.concatenate([np.asarray(r["maps"], dtype=np.float32).ravel() for r in rows])
    vmax = float(np.percentile(allv, 99.5)) or 1.0
    vmin = min(0.0, float(allv.min()))
    norm = Normalize(vmin, vmax)
    shown = [min(np.asarray(r["maps"]).shape[0], max_channels) for r in rows]
    side = max(np.asarray(r["maps"]).shape[-1] for r in rows)
    left, img_w = 1.9, 0.55
    avail = WIDTH - left - img_w - 0.25
    px = avail / (max(shown) * (side + 1))  # inches per map pixel: the widest row fills the width
    row_h = max(side * px, 0.42) + 0.12
    fig = new_figure(WIDTH, 1.55 + len(rows) * row_h, layout=None)
    fw, fh = fig.get_size_inches()
    cmap = colormaps["viridis"].with_extremes(bad="white")
    im = None
    for r, row in enumerate(rows):
        maps = np.asarray(row["maps"], dtype=np.float32)
        n = shown[r]
        y = fh - 0.6 - (r + 1) * row_h
        label = row["label"] + (f"\n(first {n} of {maps.shape[0]} channels)" if n < maps.shape[0] else "")
        fig.text((left - 0.08) / fw, (y + row_h / 2) / fh, label, ha="right", va="center", fontsize=7)
        if row.get("image") is not None:
            ax = fig.add_axes((left / fw, (y + 0.06) / fh, (row_h - 0.12) / fw, (row_h - 0.12) / fh))
            ax.imshow(row["image"], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        mos = _mosaic([maps[c] for c in range(n)])
        w_in = n * (side + 1) * px
        h_in = side * px
        ax = fig.add_axes(((left + img_w + 0.1) / fw, (y + (row_h - h_in) / 2) / fh, w_in / fw, h_in / fh))
        im = ax.imshow(np.ma.masked_invalid(mos), cmap=cmap, norm=norm, interpolation="nearest",
                       aspect="auto")
        ax.set_yticks([])
        step = maps.shape[-1] + 1
        if r == 0 or shown[r - 1] < n:
            ax.set_xticks([c * step + (maps.shape[-1] - 1) / 2 for c in range(n)],
                          [str(c) for c in range(n)], fontsize=6)
            ax.xaxis.set_ticks_position("top")
            ax.tick_params(length=0, pad=1)
        else:
            ax.set_xticks([])
        for sp in ax.spines.values():
            sp.set_visible(False)
    cax = fig.add_axes(((fw - 5.0) / 2 / fw, 0.55 / fh, 5.0 / fw, 0.12 / fh))
    cb = fig.colorbar(im, cax=cax, orientation="horizontal", extend="max")
    cb.set_label(f"activation, one scale for every map: {vmin:g} to {vmax:.2f} (99.5th percentile; "
                 f"brighter values clip)", fontsize=8)
    cb.ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10, y=1 - 0.08 / fh, va="top")
    return fig


# ---------------------------------------------------------------- 4. top activating examples

def _short(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.3g}"


def _kernel_strip(w: np.ndarray) -> np.ndarray:
    """One output channel's kernel (in, kh, kw) as a strip of its input-channel slices, NaN gaps."""
    n_in, kh, kw = w.shape
    strip = np.full((kh, n_in * (kw + 1) - 1), np.nan, dtype=np.float32)
    for i in range(n_in):
        strip[:, i * (kw + 1):i * (kw + 1) + kw] = w[i]
    return strip


def top_examples_figure(top: Any, x: np.ndarray, labels: np.ndarray | None = None,
                        max_channels: int = 16, margin: int = 3) -> Figure:
    """For each channel (rows): its kernel, then the inputs that excite it most as crops around the
    receptive field of the maximum, the receptive field outlined.

    Args:
        top: a :class:`lenet_viz.analysis.TopK`.
        x: the ranked images (N,1,28,28) (``top.indices`` index into them).
        labels: their labels, written under each crop when given.
        max_channels: rows drawn (the first channels).
        margin: context pixels drawn around the receptive field (outside the image: zero padding).
    Returns:
        a Figure: per row a kernel axes and a crops axes (the ``k`` crops side by side, each with a
        red receptive-field box and its activation written above).
    """
    from ..analysis import rf_crop

    chans = min(top.values.shape[0], max_channels)
    k = top.values.shape[1]
    w = None if top.kernel is None else np.asarray(top.kernel)
    n_in = 1 if w is None else w.shape[1]
    side = top.rf + 2 * margin
    step = side + 2
    kern_w = 0.5 if n_in == 1 else min(2.2, 0.09 * n_in * (w.shape[3] + 1))
    crops_w = WIDTH - 0.75 - kern_w - 0.35
    px = crops_w / (k * step)
    crop_h = side * px
    row_h = crop_h + 0.34
    fig = new_figure(WIDTH, 1.0 + chans * row_h, layout=None)
    fw, fh = fig.get_size_inches()
    m = float(np.abs(w).max()) if w is not None else 1.0
    kcmap = colormaps["RdBu_r"].with_extremes(bad="#a6a6a6")
    gcmap = colormaps["gray"].with_extremes(bad="white")
    for c in range(chans):
        y = fh - 0.8 - (c + 1) * row_h + 0.12
        fig.text(0.08 / fw, (y + crop_h / 2) / fh, f"ch {c}", fontsize=8, va="center")
        if w is not None:
            img = w[c, 0] if n_in == 1 else _kernel_strip(w[c])
            kh = min(crop_h, kern_w * img.shape[0] / img.shape[1])
            ax = fig.add_axes((0.5 / fw, (y + (crop_h - kh) / 2) / fh, kern_w / fw, kh / fh))
            ax.imshow(np.ma.masked_invalid(img), cmap=kcmap, vmin=-m, vmax=m, interpolation="nearest",
                      aspect="auto")
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_title("kernel" + (f", {n_in} input ch." if n_in > 1 else ""), fontsize=7, pad=2)
        crops = [rf_crop(x[int(top.indices[c, j]), 0], *top.box(c, j), top.rf, margin) for j in range(k)]
        mos = np.full((side, k * step - 2), np.nan, dtype=np.float32)
        for j, cr in enumerate(crops):
            mos[:, j * step:j * step + side] = cr
        ax = fig.add_axes(((0.75 + kern_w) / fw, y / fh, (k * step - 2) * px / fw, crop_h / fh))
        ax.imshow(np.ma.masked_invalid(mos), cmap=gcmap, vmin=0, vmax=1, interpolation="nearest",
                  aspect="auto")
        for j in range(k):
            ax.add_patch(Rectangle((j * step + margin - 0.5, margin - 0.5), top.rf, top.rf, fill=False,
                                   edgecolor="#ff3b30", linewidth=0.9))
            ax.text(j * step + side / 2 - 0.5, -0.8, _short(float(top.values[c, j])), ha="center",
                    va="bottom", fontsize=6)
            if labels is not None:
                idx = int(top.indices[c, j])
                ax.text(j * step + side / 2 - 0.5, side - 0.2, f"#{idx} ({int(labels[idx])})", ha="center",
                        va="top", fontsize=6, color="#444444")
        ax.set_xticks([])
        ax.set_yticks([])
        for sp in ax.spines.values():
            sp.set_visible(False)
    more = f"; first {chans} of {top.values.shape[0]} channels" if chans < top.values.shape[0] else ""
    what = f"pre-activation z of {top.layer}" if top.measure == "pre" else f"{top.layer} output"
    fig.suptitle(f"{top.conv}: the {k} held-out digits (of {top.n_seen:,}) that excite each channel "
                 f"most{more}\n"
                 f"ranked by the maximum over positions of the {what}\n"
                 f"crops: the {top.rf}×{top.rf} px receptive field of that position (red box) + {margin} px "
                 f"context; above: {'z' if top.measure == 'pre' else 'value'} · below: digit index (label)",
                 fontsize=9, y=1 - 0.08 / fh, va="top")
    return fig


# ---------------------------------------------------------------- 5. occlusion

def occlusion_figure(x: np.ndarray, occ: Any, title: str = "", vmax: float | None = None,
                     classes: Any = None) -> Figure:
    """The input with the most damaging patch outlined, the per-pixel probability drop with the
    digit's outline, and the input with that patch hidden.

    Args:
        x: the image, 28×28 (leading size-1 axes allowed).
        occ: an :class:`lenet_viz.analysis.Occlusion`.
        title: a line naming the digit.
        vmax: the colour limit (symmetric ±vmax); the map's own largest magnitude by default.
        classes: class names (default: the class index).
    Returns:
        a Figure with three image axes and one colorbar axes.
    """
    img = np.asarray(x, dtype=np.float32).reshape(28, 28)
    names = list(classes) if classes is not None else [str(i) for i in range(10)]
    m = vmax if vmax else max(float(np.abs(occ.pixel).max()), 1e-6)
    fig = new_figure(WIDTH, 3.45)
    axes = fig.subplots(1, 3)
    i, j = np.unravel_index(int(np.argmax(occ.drop)), occ.drop.shape)
    r, c = int(occ.rows[i]), int(occ.cols[j])
    now = int(occ.predicted[i, j])
    target = names[occ.target]
    axes[0].imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].add_patch(Rectangle((c - 0.5, r - 0.5), occ.patch, occ.patch, fill=False,
                                edgecolor="#ff3b30", linewidth=1.5))
    axes[0].set_title(f"input: p({target}) = {occ.p0:.3f}\nred box: the most damaging patch", fontsize=9)
    im = axes[1].imshow(occ.pixel, cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
    axes[1].contour(img, levels=[0.5], colors="#222222", linewidths=0.8)
    axes[1].set_title(f"drop in p({target}) when hidden\n(mean of the patches covering a pixel)", fontsize=9)
    hidden = img.copy()
    hidden[r:r + occ.patch, c:c + occ.patch] = occ.value
    axes[2].imshow(hidden, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[2].add_patch(Rectangle((c - 0.5, r - 0.5), occ.patch, occ.patch, fill=False,
                                edgecolor="#ff3b30", linewidth=1.0, linestyle=":"))
    axes[2].set_title(f"that patch hidden: p({target}) = {occ.p0 - occ.drop[i, j]:.3f}\n"
                      + (f"the net still predicts {names[now]}" if now == occ.target
                         else f"the net now predicts {names[now]}"), fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    cb = fig.colorbar(im, ax=list(axes), shrink=0.85, aspect=22)
    cb.set_label(f"probability drop (±{m:.2g}; red: the patch held evidence)", fontsize=8)
    cb.ax.tick_params(labelsize=7)
    cb.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.2g}"))
    fig.suptitle(f"{title}{' · ' if title else ''}{occ.patch}×{occ.patch} patch of value {occ.value:g} "
                 f"(the background), stride {occ.stride}, {occ.drop.size} positions", fontsize=10)
    return fig
