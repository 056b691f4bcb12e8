"""Figures for the Robustness page: a misread digit beside its clean original, and its evidence margin
layer by layer.

Pure renderer: arrays and lists in (from :mod:`lenet_viz.analyses.robustness`), a ``Figure`` out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..errors import RenderError
from .figures import WIDTH, new_figure

_STRESSED, _CLEAN, _TURN = "#d62728", "#1f77b4", "#f2c14e"


def failure_figure(x: np.ndarray, clean: np.ndarray, layers: Sequence[str], margin: Sequence[float],
                   clean_margin: Sequence[float], turn: str, truth: str, predicted: str,
                   transform: str) -> Figure:
    """The stressed input, the clean input and both evidence margins per layer.

    Args:
        x, clean: the stressed and the clean 28×28 inputs (leading axes of length 1 allowed).
        layers: layer names, input first; ``margin``/``clean_margin`` give one value per layer.
        turn: the layer where the evidence went wrong (the step into it is shaded).
        truth, predicted: class names; transform: the stress transform's name.
    Returns:
        a Figure with three axes: stressed input, clean input, margin chart.
    Raises:
        RenderError: lengths disagree, or ``turn`` is not one of ``layers``.
    """
    if not (len(layers) == len(margin) == len(clean_margin)) or turn not in layers:
        raise RenderError(f"failure figure needs one margin per layer and a turning layer among them; "
                          f"got {len(layers)} layers, {len(margin)}/{len(clean_margin)} margins, {turn!r}")
    fig = new_figure(WIDTH, 2.6, layout=None)
    axes = [fig.add_axes(r) for r in ((0.01, 0.08, 0.17, 0.74), (0.20, 0.08, 0.17, 0.74),
                                      (0.45, 0.22, 0.53, 0.62))]
    for ax, img, title in ((axes[0], x, f"{transform}: read as {predicted}"),
                           (axes[1], clean, f"clean: read as {truth}")):
        ax.imshow(np.asarray(img, dtype=np.float32).reshape(28, 28), cmap="gray", vmin=0, vmax=1,
                  interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    ax = axes[2]
    pos = np.arange(len(layers))
    k = list(layers).index(turn)
    ax.axvspan(k - 1, k, color=_TURN, alpha=0.35, lw=0)  # the step into the turning layer
    ax.axhline(0, color="#444", lw=0.8)
    ax.plot(pos, clean_margin, "o-", color=_CLEAN, lw=1.5, ms=4, label="clean digit")
    ax.plot(pos, margin, "o-", color=_STRESSED, lw=1.5, ms=4, label=f"{transform} digit")
    ax.set_xticks(pos)
    ax.set_xticklabels(layers, fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylabel(f"closer to {truth} ↑ / {predicted} ↓", fontsize=8)
    ax.set_title(f"evidence for {truth} over {predicted}, per layer (shaded: {turn} widens the gap most)",
                 fontsize=9)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    return fig


def units_figure(a: np.ndarray, b: np.ndarray, layer: str, label_a: str, label_b: str) -> Figure:
    """A dense layer's units for two inputs as a two-row heat strip on one colour scale.

    Args:
        a, b: the layer's output (F,) for the stressed and the clean input.
        layer: the layer's name; label_a, label_b: the two rows' labels.
    Returns:
        a Figure whose first axes shows the (2, F) array, the second its colorbar.
    """
    rows = np.stack([np.asarray(a, np.float32).ravel(), np.asarray(b, np.float32).ravel()])
    fig = new_figure(WIDTH, 1.9)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(rows, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_yticks([0, 1])
    ax.set_yticklabels([label_a, label_b], fontsize=8)
    ax.set_xlabel(f"{layer} units (0–{rows.shape[1] - 1})", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(f"{layer}: the layer where the evidence parted", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.01).ax.tick_params(labelsize=8)
    return fig


def stress_figure(tables: dict, transforms: Sequence[str]) -> Figure:
    """Accuracy per transform before and after, one panel per model.

    Args:
        tables: model name → ``(before, after)``, each a dict transform → accuracy (``before`` may be empty).
        transforms: the transforms to show, top to bottom.
    Returns:
        a Figure with one axes per model; each holds a "before" and an "after" bar per transform.
    Raises:
        RenderError: no models or no transforms.
    """
    if not tables or not transforms:
        raise RenderError("no stress table to draw")
    fig = new_figure(WIDTH, 0.32 * len(transforms) + 1.2)
    axes = fig.subplots(1, len(tables), sharey=True, squeeze=False)[0]
    pos = np.arange(len(transforms))
    for ax, (name, (before, after)) in zip(axes, tables.items()):
        b = [before.get(t, np.nan) for t in transforms]
        a = [after.get(t, np.nan) for t in transforms]
        ax.barh(pos - 0.2, b, height=0.4, color="#bbbbbb", label="before")
        ax.barh(pos + 0.2, a, height=0.4, color=_CLEAN, label="after")
        ax.set_xlim(0, 1)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    axes[0].set_yticks(pos)
    axes[0].set_yticklabels(transforms, fontsize=8)
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="outside upper center", ncols=2, frameon=False)
    return fig
