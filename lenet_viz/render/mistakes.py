"""The misread held-out images: each with its true and predicted class and their probabilities."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .figures import WIDTH, new_figure

PER_ROW = 8


def mistakes_figure(xs: np.ndarray, truths: Sequence[int], probs: np.ndarray, names: Sequence[str],
                    classes: Sequence[str]) -> Figure:
    """A grid of the images, each titled ``name``, ``true → predicted`` and both probabilities.

    Args:
        xs: (N, 1, 28, 28) images in [0, 1], N ≥ 1.
        truths: the N true classes.
        probs: (N, C) the net's class probabilities.
        names: what to call each image.
        classes: class names.
    Returns:
        a Figure with one image axes per image.
    """
    n = len(xs)
    rows = max(1, math.ceil(n / PER_ROW))
    fig = new_figure(WIDTH, 1.45 * rows + 0.1)
    axes = np.atleast_1d(fig.subplots(rows, PER_ROW)).ravel()
    for ax in axes:
        ax.set_axis_off()
    for k in range(n):
        pred = int(np.argmax(probs[k]))
        t = int(truths[k])
        img = np.asarray(xs[k]).reshape(28, 28)
        axes[k].imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes[k].set_title(f"{names[k]}\n{classes[t]} → {classes[pred]}\n"
                          f"p {probs[k][pred]:.2f} vs {probs[k][t]:.2f}", fontsize=7, pad=2)
    return fig
