"""The facts about activations that statistics, figures and pages share.

Which activations are bounded (and to what range), which are rectified, the thresholds that make a
unit saturated, the display names, and which layer shows a conv's activation.
"""

from __future__ import annotations

from typing import Any

#: Output range of the bounded activations; a unit is saturated in the outer tails of it.
BOUNDED = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0)}
#: Activations whose flat side is exactly zero: a unit is dead when it is zero for every input.
RECTIFIED = ("relu", "softrelu")
#: Default saturation thresholds, as fractions of a bounded activation's range.
LOW, HIGH = 0.05, 0.95
#: How activations are written in prose and figure labels.
PRETTY = {"relu": "ReLU", "softrelu": "softplus"}
#: Layer kinds that end the search for a conv's activation.
_BLOCKING = ("conv", "pool", "gap", "dense", "flatten")


def pretty(activation: str | None) -> str:
    """The display name of an activation (``relu`` → ``ReLU``)."""
    return PRETTY.get(activation, activation) if activation else ""


def activation_layer(trace: Any, conv: str) -> str:
    """The layer of ``trace`` that shows conv ``conv``'s activation output.

    The conv itself when its activation is fused (``lenet5``), else the first activation layer after
    it before the next conv, pool, dense or flatten (``modern``: conv → BatchNorm → ReLU); the conv
    when there is none.
    """
    names = trace.names
    i = names.index(conv)
    if trace.layers[i].activation is not None:
        return conv
    for r in trace.layers[i + 1:]:
        if r.kind in _BLOCKING:
            break
        if r.activation is not None:
            return r.name
    return conv
