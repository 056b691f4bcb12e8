"""Occlusion maps: the probability drop per hidden patch over the digit."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from .figures import WIDTH, new_figure


def occlusion_figure(x: np.ndarray, occ: Any, title: str = "", vmax: float | None = None,
                     classes: Any = None) -> Figure:
    """The input with the most damaging patch outlined, the per-pixel probability drop with the
    digit's outline, and the input with that patch hidden.

    Args:
        x: the image, 28×28 (leading size-1 axes allowed).
        occ: an :class:`lenet_viz.analyses.occlusion.Occlusion`.
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


def own_scale_map(occ: Any, x: np.ndarray, zoom: int = 6) -> tuple[np.ndarray, float]:
    """The per-pixel drop on the map's own symmetric scale, as RGB pixels with the digit's outline
    and a colour strip under it (no matplotlib): where the evidence lies for a map too pale to read
    on the shared scale.

    Args:
        occ: an :class:`lenet_viz.analyses.occlusion.Occlusion`.
        x: the image, 28×28 (leading size-1 axes allowed): its 0.5 outline is drawn in dark grey.
        zoom: screen pixels per map pixel (the PNG is drawn pixel-sharp at this size).
    Returns:
        ``(rgb, m)``: uint8 pixels (the map, a 6-pixel gap, a 10-pixel strip from −m to +m) and m,
        the map's largest magnitude.
    """
    from .colormaps import colorize

    m = max(float(np.abs(occ.pixel).max()), 1e-6)
    rgb = colorize(occ.pixel, "RdBu_r", -m, m).repeat(zoom, 0).repeat(zoom, 1)
    ink = (np.asarray(x).reshape(28, 28) > 0.5).repeat(zoom, 0).repeat(zoom, 1)
    edge = np.zeros_like(ink)
    edge[1:] |= ink[1:] != ink[:-1]
    edge[:, 1:] |= ink[:, 1:] != ink[:, :-1]
    rgb[edge] = (34, 34, 34)
    w = rgb.shape[1]
    strip = colorize(np.linspace(-m, m, w), "RdBu_r", -m, m)[None].repeat(10, 0)
    gap = np.full((6, w, 3), 255, np.uint8)
    return np.concatenate([rgb, gap, strip]), m
