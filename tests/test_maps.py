"""Feature maps, strips, prediction, kernels and input figures: properties of the returned Figure
(axes per channel, image data == the captured arrays, stated colour limits), not pixels."""

import gc
import os
import weakref

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from lenet_viz.capture import trace
from lenet_viz.errors import RenderError
from lenet_viz.render.figures import save_figure
from lenet_viz.render.maps import (
    dense_strip,
    feature_maps,
    input_figure,
    prediction_chart,
    trace_figures,
)

SIGMOID_MAPS = ("conv1", "pool1", "conv2", "pool2")  # pools of sigmoid outputs stay in [0, 1]


pytestmark = pytest.mark.usefixtures("no_open_figures")

def tiles(fig, n):
    """The first ``n`` axes (the tiles) and the rest (colorbars)."""
    return fig.axes[:n], fig.axes[n:]


def clims(ax):
    return tuple(float(v) for v in ax.images[0].get_clim())


# ---------------------------------------------------------------- feature maps


@pytest.mark.parametrize("layer", SIGMOID_MAPS)
def test_sigmoid_maps_one_tile_per_channel_with_the_traced_data_on_fixed_0_1(t5, layer):
    rec = t5[layer]
    fig = feature_maps(t5, layer, index=1)
    assert isinstance(fig, Figure)
    c = rec.output.shape[1]
    tile_axes, rest = tiles(fig, c)
    assert len(rest) == 1 and not rest[0].images  # exactly one colorbar, no extra image axes
    for ch, ax in enumerate(tile_axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), rec.output[1, ch])
        assert clims(ax) == (0.0, 1.0)
        assert ax.images[0].get_interpolation() == "nearest"
        assert ax.get_title().startswith(f"{ch}  μ={rec.output[1, ch].mean():.2f}")
    assert "(fixed 0–1)" in rest[0].get_xlabel()
    assert layer in fig._suptitle.get_text() and rec.describe() in fig._suptitle.get_text()


def test_index_selects_the_sample(t5):
    rec = t5["conv2"]
    for i in (0, 2):
        fig = feature_maps(t5, "conv2", index=i)
        np.testing.assert_array_equal(fig.axes[5].images[0].get_array(), rec.output[i, 5])


def test_pre_activation_is_diverging_and_symmetric(t5):
    rec = t5["conv1"]
    fig = feature_maps(t5, "conv1", index=0, pre=True)
    m = float(np.abs(rec.pre[0]).max())
    tile_axes, (cbar,) = tiles(fig, 6)
    for ch, ax in enumerate(tile_axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), rec.pre[0, ch])
        assert clims(ax) == pytest.approx((-m, m))
        assert ax.images[0].get_cmap().name == "RdBu_r"
    assert cbar.get_xlabel().startswith("pre-activation z")


def test_channel_scale_gives_each_tile_its_own_limits_and_a_true_colorbar(t5):
    rec = t5["conv2"]
    fig = feature_maps(t5, "conv2", index=0, scale="channel")
    tile_axes, (cbar,) = tiles(fig, 16)
    for ch, ax in enumerate(tile_axes):
        lo, hi = clims(ax)
        data = rec.output[0, ch]
        assert lo == pytest.approx(float(data.min()), abs=1e-6)
        assert hi == pytest.approx(float(data.max()), abs=1e-6)
        assert f"[{data.min():.2f}, {data.max():.2f}]" in ax.get_title()
    # One colorbar must be true for every tile: it is labelled relative, not in values.
    assert [t.get_text() for t in cbar.get_xticklabels()] == ["tile min", "tile max"]


def test_channel_scale_of_a_pre_activation_is_symmetric_per_tile(t5):
    rec = t5["conv1"]
    fig = feature_maps(t5, "conv1", scale="channel", pre=True)
    for ch, ax in enumerate(fig.axes[:6]):
        m = float(np.abs(rec.pre[0, ch]).max())
        assert clims(ax) == pytest.approx((-m, m))


def test_relu_maps_share_one_scale_and_bn_maps_diverge(tm):
    act = tm["act1"].output[1]
    fig = feature_maps(tm, "act1", index=1)
    assert len(fig.axes) == 16 + 1
    assert all(clims(ax) == pytest.approx((0.0, float(act.max()))) for ax in fig.axes[:16])
    assert "ReLU output" in fig.axes[-1].get_xlabel()
    bn = tm["bn2"].output[0]
    fig = feature_maps(tm, "bn2")
    m = float(np.abs(bn).max())
    assert len(fig.axes) == 32 + 1
    assert all(clims(ax) == pytest.approx((-m, m)) for ax in fig.axes[:32])
    fig = feature_maps(tm, "conv3")
    assert len(fig.axes) == 64 + 1
    np.testing.assert_array_equal(fig.axes[63].images[0].get_array(), tm["conv3"].output[0, 63])


@pytest.mark.parametrize("kwargs, match", [
    ({"layer": "conv9"}, "no layer 'conv9'.*conv1, pool1"),
    ({"layer": "dense1"}, "not channel maps.*conv1, pool1, conv2, pool2.*dense_strip"),
    ({"layer": "pool1", "pre": True}, "pool1 has no pre-activation"),
    ({"layer": "conv1", "index": 3}, "index 3 is out of range.*3 input.*0..2"),
    ({"layer": "conv1", "index": -1}, "index -1"),
    ({"layer": "conv1", "scale": "global"}, "unknown scale 'global'.*layer, channel"),
])
def test_feature_maps_bad_input_names_the_value(t5, kwargs, match):
    with pytest.raises(RenderError, match=match):
        feature_maps(t5, **kwargs)


# ---------------------------------------------------------------- kernels


def test_dense_strip_wraps_all_units_in_order(t5):
    out = t5["dense1"].output[2]
    fig = dense_strip(t5, "dense1", index=2)
    ax, cbar = fig.axes
    grid = ax.images[0].get_array()
    assert grid.shape == (5, 24)
    np.testing.assert_array_equal(grid.compressed(), out)
    assert clims(ax) == (0.0, 1.0)
    assert [t.get_text() for t in ax.texts if t.get_gid() == "row"] == ["0", "24", "48", "72", "96"]
    assert [t.get_text() for t in ax.texts if t.get_gid() == "column"] == [str(c) for c in range(24)]
    grid = dense_strip(t5, "dense2").axes[0].images[0].get_array()
    assert grid.shape == (4, 21) and grid.count() == 84  # 84 = 4 × 21: no ragged row


def test_dense_strip_pre_and_logits_are_symmetric(t5):
    fig = dense_strip(t5, "dense2", pre=True)
    m = float(np.abs(t5["dense2"].pre[0]).max())
    assert clims(fig.axes[0]) == pytest.approx((-m, m))
    fig = dense_strip(t5, "dense3")
    logits = t5["dense3"].output[0]
    ax = fig.axes[0]
    m = float(np.abs(logits).max())
    assert clims(ax) == pytest.approx((-m, m))
    assert [t.get_text() for t in ax.texts if t.get_gid() == "value"] == [f"{v:.2f}" for v in logits]
    assert "logits" in fig.axes[1].get_xlabel()


def test_dense_strip_of_a_global_pool_and_bad_layers(tm, t5):
    ax = dense_strip(tm, "gap1", index=1).axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array().compressed(), tm["gap1"].output[1].ravel())
    with pytest.raises(RenderError, match="conv1 .*not a vector.*dense1, dense2, dense3"):
        dense_strip(t5, "conv1")
    with pytest.raises(RenderError, match="dense3 has no pre-activation"):
        dense_strip(t5, "dense3", pre=True)


def test_prediction_chart_bars_are_the_probabilities_and_the_argmax_is_highlighted(t5):
    for i in range(3):
        probs = t5.probabilities[i]
        ax = prediction_chart(t5, index=i).axes[0]
        bars = list(ax.containers[0])
        np.testing.assert_allclose([b.get_height() for b in bars], probs, rtol=1e-6)
        best = int(np.argmax(probs))
        assert [b.get_gid() for b in bars].index("predicted") == best
        others = {b.get_facecolor() for k, b in enumerate(bars) if k != best}
        assert len(others) == 1 and bars[best].get_facecolor() not in others
        assert len(ax.texts) == 10 and ax.get_ylim() == (0, 1.12)
        assert ax.get_title().startswith(f"prediction: {best} ")


def test_prediction_chart_class_names(t5):
    names = [f"c{k}" for k in range(10)]
    ax = prediction_chart(t5, classes=names).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    with pytest.raises(RenderError, match="classes has 3 labels but the model has 10 outputs"):
        prediction_chart(t5, classes=["a", "b", "c"])


# ---------------------------------------------------------------- input, the full set


def test_input_figure_with_and_without_the_raw_image(t5):
    pre = t5.input[0, 0]
    fig = input_figure(None, pre)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 1 and len(fig.axes) == 2
    np.testing.assert_array_equal(images[0].images[0].get_array(), pre)
    assert clims(images[0]) == (0.0, 1.0)
    raw = (np.arange(40 * 30) % 256).astype(np.uint8).reshape(40, 30)
    fig = input_figure(raw, t5.input[0])
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 2
    np.testing.assert_array_equal(images[0].images[0].get_array(), raw)
    assert clims(images[0]) == (0.0, 255.0) and clims(images[1]) == (0.0, 1.0)
    assert "30×40" in images[0].get_title()


@pytest.mark.parametrize("raw, pre, match", [
    (None, np.zeros((14, 14)), "shape \\(14, 14\\); expected 28×28"),
    (np.zeros((5, 5, 3), np.uint8), np.zeros((28, 28)), "2-D uint8.*\\(5, 5, 3\\)"),
    (np.zeros((5, 5)), np.zeros((28, 28)), "dtype float64"),
])
def test_input_figure_bad_arrays(raw, pre, match):
    with pytest.raises(RenderError, match=match):
        input_figure(raw, pre)


def test_trace_figures_name_every_figure_in_network_order(t5):
    figs = trace_figures(t5, index=1)
    assert list(figs) == ["input", "conv1", "conv1.pre", "pool1", "conv2", "conv2.pre", "pool2",
                          "dense1", "dense1.pre", "dense2", "dense2.pre", "dense3", "prediction"]
    assert all(isinstance(f, Figure) for f in figs.values())
    np.testing.assert_array_equal(figs["conv2.pre"].axes[3].images[0].get_array(), t5["conv2"].pre[1, 3])
    with pytest.raises(RenderError, match="index 5"):
        trace_figures(t5, index=5)


# ---------------------------------------------------------------- saving, leaks


def test_save_figure_writes_atomically_and_closes(t5, tmp_path):
    fig = prediction_chart(t5)
    out = save_figure(fig, tmp_path / "p.png")
    assert out == tmp_path / "p.png" and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path) == ["p.png"]  # no temporary file left behind
    ref = weakref.ref(fig)
    del fig
    gc.collect()
    assert ref() is None  # nothing (no registry, no cache) keeps a saved figure alive
    fig = plt.figure()  # a pyplot figure is unregistered (checked by the no_open_figures fixture)
    save_figure(fig, tmp_path / "q.svg")
    assert (tmp_path / "q.svg").read_text().lstrip().startswith("<?xml")


def test_save_figure_errors_still_close(t5, tmp_path):
    fig = plt.figure()
    with pytest.raises(RenderError, match="'p.gif'.*\\.png, \\.svg, \\.pdf"):
        save_figure(fig, tmp_path / "p.gif")
    assert plt.get_fignums() == []
    with pytest.raises(RenderError, match="folder .*missing does not exist"):
        save_figure(prediction_chart(t5), tmp_path / "missing" / "p.png")
    assert os.listdir(tmp_path) == []


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads the RSS from /proc")
def test_100_renders_leave_no_figures_and_no_growing_memory(t5, tmp_path):
    # Resident memory, not tracemalloc: tracing every matplotlib allocation made this take 75 s.
    # A kept figure costs ~1.5 MB here, so 10 MB of growth would mean a handful leaked.
    def render(k):
        fig = dense_strip(t5, "dense3") if k % 2 else prediction_chart(t5, index=k % 3)
        if k % 10 == 0:
            save_figure(fig, tmp_path / "f.png")

    for k in range(10):  # warm matplotlib's caches (fonts, text layout) before measuring
        render(k)
    gc.collect()
    base = _rss()
    for k in range(100):
        render(k)
    gc.collect()
    grown = _rss() - base
    assert plt.get_fignums() == []
    assert grown < 10_000_000, f"resident memory grew by {grown:,} bytes over 100 renders"


def test_conv1_feature_maps_of_a_real_digit_artifact(digits, seeded_net, artifacts):
    """Writes test-artifacts/feature_maps_conv1.png for a person to look at."""
    from lenet_viz.model import load_model, shipped_path

    has_weights = shipped_path("lenet5").with_suffix(".params").exists()
    model = load_model("lenet5") if has_weights else seeded_net
    x, y = digits
    t = trace(model, x[7:8])
    fig = feature_maps(t, "conv1")
    width_px = round(fig.get_figwidth() * fig.dpi)
    path = save_figure(fig, os.path.join(artifacts, "feature_maps_conv1.png"))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == width_px <= 900  # fits a web page column
    if has_weights:
        assert int(t.predictions[0]) == int(y[7])
