"""Training-dynamics figures: per-epoch curves of a ``dynamics`` record and its output histograms."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..errors import RenderError
from .curves import (
    _BAND,
    LAYER_COLORS,
    SIGMOID_MAX_SLOPE,
    _check_history,
    _color,
    _layers,
    _mark,
    _series,
    _shade,
    _small,
)
from .figures import WIDTH, new_figure


def dynamics_figure(record: dict) -> Figure:
    """Held-out accuracy, and per activation layer: saturated fraction, mean σ'(z), how much the layer's
    output varies across digits, and the weight gradient, all against epoch.

    The plateau (accuracy within 5 points of epoch 1) is shaded; the take-off epoch (≥ 50 %) is dotted.

    Args:
        record: the ``dynamics`` record of :func:`lenet_viz.analyses.dynamics.dynamics_record`.
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
