"""The activation facts pages and statistics share: display names, which layer shows a conv's activation."""

import numpy as np

from lenet_viz.capture import trace
from lenet_viz.facts import BOUNDED, HIGH, LOW, activation_layer, pretty


def test_pretty():
    assert pretty("relu") == "ReLU" and pretty("softrelu") == "softplus" and pretty("sigmoid") == "sigmoid"
    assert pretty(None) == "" and pretty("") == ""


def test_thresholds_are_the_documented_ones():
    assert (LOW, HIGH) == (0.05, 0.95) and BOUNDED["sigmoid"] == (0.0, 1.0)


def test_activation_layer(seeded_net, seeded_modern):
    x = np.zeros((1, 1, 28, 28), np.float32)
    fused = trace(seeded_net, x)
    assert activation_layer(fused, "conv1") == "conv1" and activation_layer(fused, "conv2") == "conv2"
    t = trace(seeded_modern, x)
    convs = [r.name for r in t if r.kind == "conv"]
    for conv in convs:
        shown = activation_layer(t, conv)
        i, j = t.names.index(conv), t.names.index(shown)
        assert j > i and t.layers[j].activation == "relu", (conv, shown)
        assert all(r.kind not in ("conv", "pool", "dense") for r in t.layers[i + 1:j])
    from dataclasses import replace

    no_bn = replace(t, layers=[r for r in t.layers if r.kind != "bn"])  # conv → ReLU, adjacent
    for conv in convs:
        i = no_bn.names.index(conv)
        assert activation_layer(no_bn, conv) == no_bn.layers[i + 1].name and no_bn.layers[i + 1].kind == "act"
    no_act = replace(t, layers=[r for r in t.layers if r.kind != "act"])
    # a conv with no activation after it before the next conv shows itself
    assert activation_layer(no_act, convs[1]) == convs[1]
