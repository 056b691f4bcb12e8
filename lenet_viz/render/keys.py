"""Which figures a trace gets, decided without importing matplotlib (the CLI's main process
plans the figures while forked workers draw them)."""

from __future__ import annotations

from ..tracedata import LayerRecord, Trace


def is_map(rec: LayerRecord) -> bool:
    """A layer drawn as a grid of 2-D channel maps."""
    return rec.output.ndim == 4 and rec.output.shape[2] * rec.output.shape[3] > 1


def is_vector(rec: LayerRecord) -> bool:
    """A layer drawn as a strip of units (dense, or a 1×1 global pool)."""
    return rec.output.ndim == 2 or (rec.output.ndim == 4 and rec.output.shape[2] * rec.output.shape[3] == 1)


def figure_keys(trace: Trace) -> list:
    """The names of ``maps.trace_figures``' figures, in network order.

    ``input``; each drawable layer's name, plus ``<name>.pre`` where it has a fused pre-activation
    (a standalone activation's pre is the previous layer's output, already drawn); ``prediction``.
    Flatten and dropout layers are skipped: they repeat the layer before them.
    """
    keys = ["input"]
    for rec in trace:
        if rec.kind in ("flatten", "dropout") or not (is_map(rec) or is_vector(rec)):
            continue
        keys.append(rec.name)
        if rec.pre is not None and rec.kind != "act":
            keys.append(f"{rec.name}.pre")
    keys.append("prediction")
    return keys
