"""Top activating examples."""


import numpy as np
import pytest

from lenet_viz.analyses.top import rf_geometry, top_activations
from lenet_viz.capture import trace
from lenet_viz.errors import LenetVizError
from lenet_viz.render.top import rf_crop

BATCH = 7  # ragged batches: 40 digits = 5 full batches of 7 and one of 5


def _brute_force(model, x, ranked, k, measure):
    """Every activation materialised (from the same batches the stream sees), then one stable sort."""
    parts = [trace(model, x[i:i + BATCH])[ranked] for i in range(0, len(x), BATCH)]
    a = np.concatenate([p.pre if measure == "pre" else p.output for p in parts])
    n, c, h, w = a.shape
    flat = a.reshape(n, c, h * w)
    vals, idx, pos = [], [], []
    for ch in range(c):
        score = flat[:, ch].max(axis=1)
        order = np.argsort(-score, kind="stable")[:k]  # stable: ties keep the smaller index first
        arg = flat[order, ch].argmax(axis=1)
        vals.append(score[order])
        idx.append(order)
        pos.append(np.stack([arg // w, arg % w], axis=1))
    return np.array(vals), np.array(idx), np.array(pos)


@pytest.mark.parametrize("which,measure", [("lenet5", "pre"), ("lenet5", "output"), ("modern", "pre")])
def test_top_k_equals_brute_force_sort(seeded_net, seeded_modern, small, which, measure):
    model = seeded_net if which == "lenet5" else seeded_modern
    x, _ = small
    k = 5
    tops = top_activations(model, x, k=k, batch_size=BATCH, measure=measure)
    convs = ["conv1", "conv2"] if which == "lenet5" else ["conv1", "conv2", "conv3"]
    assert [t.conv for t in tops] == convs
    for top in tops:
        v, i, p = _brute_force(model, x, top.layer, k, top.measure)
        np.testing.assert_array_equal(top.indices, i)
        np.testing.assert_array_equal(top.values, v)
        np.testing.assert_array_equal(top.positions, p)
        assert top.n_seen == len(x) and top.kernel.shape[0] == v.shape[0]


def test_top_k_ties_go_to_the_smaller_index(seeded_net, small):
    x, _ = small
    dup = np.concatenate([x[:6], x[:6], x[:6]])  # every score appears three times
    top = top_activations(seeded_net, dup, k=3, layers=["conv1"], batch_size=4)[0]
    for c in range(top.values.shape[0]):
        assert top.values[c, 0] == top.values[c, 1] == top.values[c, 2]
        assert list(top.indices[c]) == sorted(top.indices[c]) and top.indices[c, 0] < 6


def test_top_k_checks_input(seeded_net, small):
    x, _ = small
    with pytest.raises(LenetVizError, match="k must be"):
        top_activations(seeded_net, x[:3], k=4)
    with pytest.raises(LenetVizError, match="not conv layers: dense1"):
        top_activations(seeded_net, x, layers=["dense1"])
    with pytest.raises(LenetVizError, match="measure"):
        top_activations(seeded_net, x, measure="max")


def test_receptive_field_geometry(seeded_net, small):
    """conv1 at the argmax equals the kernel applied to the crop; conv2 ignores pixels outside its box."""
    x, _ = small
    t = trace(seeded_net, x[:4])
    assert rf_geometry(t, "conv1") == (5, 1, 2)
    assert rf_geometry(t, "conv2") == (14, 2, 2)
    top = top_activations(seeded_net, x[:4], k=1, batch_size=4)
    c1 = top[0]
    w, b = t["conv1"].weights["weight"], t["conv1"].weights["bias"]
    for c in range(6):
        crop = rf_crop(x[c1.indices[c, 0], 0], *c1.box(c, 0), c1.rf)
        assert float((w[c, 0] * crop).sum() + b[c]) == pytest.approx(float(c1.values[c, 0]), abs=1e-4)
    c2 = top[1]
    for c in (0, 7):
        i = int(c2.indices[c, 0])
        r0, q0 = c2.box(c, 0)
        noisy = np.random.RandomState(c).rand(1, 1, 28, 28).astype(np.float32)
        inside = np.zeros((28, 28), bool)
        inside[max(r0, 0):r0 + c2.rf, max(q0, 0):q0 + c2.rf] = True
        noisy[0, 0][inside] = x[i, 0][inside]  # same pixels inside the box, noise outside
        r, q = c2.positions[c, 0]
        z = trace(seeded_net, np.concatenate([x[i:i + 1], noisy]))["conv2"].pre[:, c, r, q]
        assert z[1] == pytest.approx(z[0], abs=1e-4)
