"""Where misread digits lose their evidence: margins, the turning layer, failures found deterministically."""

import numpy as np
import pytest

from lenet_viz.analyses.robustness import find_failures, turning_layer
from lenet_viz.data import Dataset, Split, mnist5k

LAYERS = ["input", "conv1", "pool1", "dense1", "dense2"]


@pytest.mark.parametrize("margin, clean, turn", [
    ([0.1, 0.2, -0.1, -0.2, -0.3], [0.1, 0.2, 0.2, 0.3, 0.4], "pool1"),  # parted at pool1 (gap +0.3)
    ([0.1, 0.1, 0.0, 0.0, -0.5], [0.1, 0.1, 0.1, 0.1, 0.2], "pool1"),  # the read-out (last) is left out
    ([-0.1, -0.2, -0.1, -0.2, -0.3], [-0.1, 0.3, 0.3, 0.3, 0.3], "conv1"),  # never the input itself
])
def test_turning_layer(margin, clean, turn):
    assert turning_layer(LAYERS, margin, clean) == turn


@pytest.fixture(scope="module")
def small():
    full = mnist5k()
    idx = np.concatenate([np.flatnonzero(full.test.y == c)[:8] for c in range(10)])
    return Dataset("mnist-5k", full.train, Split(full.test.x[idx], full.test.y[idx]), full.classes, "small")


def test_failures_are_real_misreadings(small):
    from lenet_viz.model import load_model

    model = load_model("lenet5")
    fs = find_failures(model, small, n=3)
    again = find_failures(model, small, n=3)
    assert [(f.transform, f.index) for f in fs] == [(f.transform, f.index) for f in again]  # deterministic
    assert len({f.index for f in fs}) == len(fs)  # distinct digits
    for f in fs:
        assert f.transform != "clean" and f.truth == small.test.y[f.index]
        p = model.predict_proba(np.stack([f.x, f.clean]))
        assert p[0].argmax() == f.predicted != f.truth and p[1].argmax() == f.truth
        assert abs(p[0, f.predicted] - f.confidence) < 1e-5
        assert f.layers[0] == "input" and f.layers[-1] == "dense3" and len(f.margin) == len(f.layers)
        assert f.margin[-1] < 0  # at the output the class means agree with the misreading
        assert f.turn == turning_layer(f.layers, f.margin, f.clean_margin) not in ("input", "dense3")


def test_failure_figure():
    from lenet_viz.errors import RenderError
    from lenet_viz.render.robustness import failure_figure, units_figure

    x, clean = np.zeros((1, 28, 28)), np.ones((28, 28))
    fig = failure_figure(x, clean, LAYERS, [0.1, 0.2, -0.1, -0.2, -0.3], [0.1] * 5, "pool1", "7", "1", "blur")
    ims = [ax.images[0].get_array() for ax in fig.axes[:2]]
    np.testing.assert_array_equal(ims[0], 0) and np.testing.assert_array_equal(ims[1], 1)
    lines = fig.axes[2].get_lines()
    np.testing.assert_allclose(lines[-1].get_ydata(), [0.1, 0.2, -0.1, -0.2, -0.3])
    assert "blur: read as 1" == fig.axes[0].get_title()
    with pytest.raises(RenderError, match="turning layer"):
        failure_figure(x, clean, LAYERS, [0.1] * 5, [0.1] * 5, "conv9", "7", "1", "blur")
    fig = units_figure(np.arange(10.0), np.zeros(10), "dense2", "rotate-20 (read 2)", "clean (read 1)")
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), [np.arange(10.0), np.zeros(10)])
    assert fig.axes[0].get_yticklabels()[0].get_text() == "rotate-20 (read 2)"


def test_centroids_of_a_split_missing_classes():
    from lenet_viz.analyses.robustness import centroids
    from lenet_viz.model import load_model

    full = mnist5k()
    idx = np.flatnonzero(full.test.y == 3)[:2]
    cents = centroids(load_model("lenet5"), full.test.x[idx], full.test.y[idx])
    for m in cents.values():
        assert np.isfinite(m).all() and not m[0].any() and abs(np.linalg.norm(m[3]) - 1) < 1e-6


def test_stress_figure():
    from lenet_viz.errors import RenderError
    from lenet_viz.render.robustness import stress_figure

    fig = stress_figure({"a": ({"blur": 0.3}, {"blur": 0.9, "thin": 0.8}), "b": ({}, {"blur": 0.5})},
                        ["blur", "thin"])
    assert len(fig.axes) == 2
    widths = [[p.get_width() for p in ax.patches] for ax in fig.axes]
    np.testing.assert_allclose(widths[0], [0.3, np.nan, 0.9, 0.8])
    np.testing.assert_allclose(widths[1], [np.nan, np.nan, 0.5, np.nan])
    with pytest.raises(RenderError):
        stress_figure({}, ["blur"])
