"""Init-comparison figures: accuracy and per-layer curves of an ``init`` record, one line per init."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, PercentFormatter

from .curves import (
    INIT_COLORS,
    INIT_LABELS,
    INIT_STYLES,
    _color,
    _layers,
    _runs,
    _series,
    _small,
)
from .figures import WIDTH, new_figure


def init_accuracy_figure(record: dict) -> Figure:
    """Held-out accuracy and training loss against epoch, one line per initialiser.

    Args:
        record: the ``init`` record of :func:`lenet_viz.analyses.inits.compare_init`.
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
