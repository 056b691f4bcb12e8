"""Top activating examples: per channel its kernel and the receptive-field crops of its top inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .figures import WIDTH, new_figure


def _short(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.3g}"


def _kernel_strip(w: np.ndarray) -> np.ndarray:
    """One output channel's kernel (in, kh, kw) as a strip of its input-channel slices, NaN gaps."""
    n_in, kh, kw = w.shape
    strip = np.full((kh, n_in * (kw + 1) - 1), np.nan, dtype=np.float32)
    for i in range(n_in):
        strip[:, i * (kw + 1):i * (kw + 1) + kw] = w[i]
    return strip


def rf_crop(image: np.ndarray, top: int, left: int, size: int, margin: int = 0,
            fill: float = 0.0) -> np.ndarray:
    """The ``size``×``size`` window at (top, left) of a 28×28 image plus ``margin`` on each side;
    pixels outside the image (the conv's zero padding) are ``fill``."""
    img = np.asarray(image).reshape(image.shape[-2], image.shape[-1])
    s = size + 2 * margin
    out = np.full((s, s), fill, dtype=np.float32)
    r0, c0 = top - margin, left - margin
    rs, cs = max(r0, 0), max(c0, 0)
    re, ce = min(r0 + s, img.shape[0]), min(c0 + s, img.shape[1])
    if rs < re and cs < ce:
        out[rs - r0:re - r0, cs - c0:ce - c0] = img[rs:re, cs:ce]
    return out


def top_examples_figure(top: Any, x: np.ndarray, labels: np.ndarray | None = None,
                        max_channels: int = 16, margin: int = 3) -> Figure:
    """For each channel (rows): its kernel, then the inputs that excite it most as crops around the
    receptive field of the maximum, the receptive field outlined.

    Args:
        top: a :class:`lenet_viz.analyses.top.TopK`.
        x: the ranked images (N,1,28,28) (``top.indices`` index into them).
        labels: their labels, written under each crop when given.
        max_channels: rows drawn (the first channels).
        margin: context pixels drawn around the receptive field (outside the image: zero padding).
    Returns:
        a Figure: per row a kernel axes and a crops axes (the ``k`` crops side by side, each with a
        red receptive-field box and its activation written above).
    """

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
