"""lenet5 vs modern vs mlp: parameters per layer, activation health, feature maps aligned by stage."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..errors import RenderError
from .curves import (
    MODEL_COLORS,
    _color,
)
from .figures import WIDTH, new_figure


def params_figure(summaries: list) -> Figure:
    """Learnable parameters per layer of each model (log scale), the largest layer highlighted.

    Args:
        summaries: :class:`lenet_viz.analyses.compare.ModelSummary` list.
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
        summaries: :class:`lenet_viz.analyses.compare.ModelSummary` list.
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
