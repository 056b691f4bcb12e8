"""Saturation figure: the plotted counts, texts and bands are the statistics, checked against numpy."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch

from lenet_viz.capture import trace
from lenet_viz.errors import RenderError
from lenet_viz.render.histograms import dead_text, saturation_figure, saturation_text
from lenet_viz.stats import DatasetStats, dataset_stats, layer_stats

LOW, HIGH = 0.05, 0.95


pytestmark = pytest.mark.usefixtures("no_open_figures")

@pytest.fixture(scope="module")
def t5(seeded_net, digits):
    return trace(seeded_net, digits[0])


@pytest.fixture(scope="module")
def tm(seeded_modern, digits):
    return trace(seeded_modern, digits[0][:4])


def panels(fig, cols):
    """(top row, bottom row) axes: the first 2·cols axes in creation order; twins come after."""
    return fig.axes[:cols], fig.axes[cols:2 * cols]


def by_gid(ax, gid, kind="texts"):
    found = [a for a in getattr(ax, kind) if a.get_gid() == gid]
    assert len(found) == 1, f"expected one {gid!r} in {kind}, found {len(found)}"
    return found[0]


def x_extent(patch):
    ext = patch.get_path().get_extents(patch.get_patch_transform())
    return ext.x0, ext.x1


def hist(ax, gid):
    (step,) = [p for p in ax.patches if isinstance(p, StepPatch) and p.get_gid() == gid]
    return step.get_data()


def test_sigmoid_panels_show_the_counted_histogram_and_saturated_fraction(t5):
    stats = layer_stats(t5, LOW, HIGH)
    fig = saturation_figure(stats)
    assert isinstance(fig, Figure)
    top, bottom = panels(fig, 4)
    assert [s.name for s in stats] == ["conv1", "conv2", "dense1", "dense2"]
    for ax, s in zip(top, stats):
        out = t5[s.name].output
        values, edges, _ = hist(ax, "post-hist")
        assert values.sum() == s.n == out.size  # every unit value of every input is counted once
        np.testing.assert_array_equal(values, s.post_counts)
        np.testing.assert_array_equal(edges, s.post_edges)
        # The printed fraction is the computed one, recomputed here from the raw outputs.
        frac = np.mean((out < LOW) | (out > HIGH))
        assert by_gid(ax, "saturated").get_text() == f"saturated: {frac:.1%}" == saturation_text(s)
        assert x_extent(by_gid(ax, "band-low", "patches")) == pytest.approx((0.0, LOW))
        assert x_extent(by_gid(ax, "band-high", "patches")) == pytest.approx((HIGH, 1.0))
        assert s.name in ax.get_title()
    for ax, s in zip(bottom, stats):
        values, edges, _ = hist(ax, "pre-hist")
        assert values.sum() == s.n
        z_low = math.log(LOW / (1 - LOW))  # σ(z) = 0.05: the same units, seen before the sigmoid
        assert x_extent(by_gid(ax, "pre-band-low", "patches")) == pytest.approx((edges[0], z_low))
        assert x_extent(by_gid(ax, "pre-band-high", "patches")) == pytest.approx((-z_low, edges[-1]))
        assert by_gid(ax, "mean-dsigmoid").get_text() == f"mean σ'(z) = {s.mean_dsigmoid:.3f}"
    for ax in bottom:  # σ'(z) overlaid: peaks at 0.25 at z = 0
        (line,) = [ln for ln in ax.lines if ln.get_gid() == "slope"]
        x, y = line.get_data()
        assert y.max() == pytest.approx(0.25) and x[y.argmax()] == pytest.approx(0.0)
    # One twin axis labels the slope scale the four panels share; its range is the one drawn.
    (twin,) = fig.axes[8:]
    assert twin.get_ylim() == pytest.approx((0, 0.25 * 1.35))


def test_other_thresholds_move_the_bands_and_the_text(t5):
    stats = layer_stats(t5, 0.2, 0.7)
    ax = saturation_figure(stats).axes[1]
    out = t5["conv2"].output
    assert by_gid(ax, "saturated").get_text() == f"saturated: {np.mean((out < 0.2) | (out > 0.7)):.1%}"
    assert x_extent(by_gid(ax, "band-low", "patches")) == pytest.approx((0.0, 0.2))
    assert x_extent(by_gid(ax, "band-high", "patches")) == pytest.approx((0.7, 1.0))


def test_relu_panels_show_the_dead_fraction(tm):
    stats = layer_stats(tm)
    fig = saturation_figure(stats)
    top, bottom = panels(fig, 3)
    assert [s.name for s in stats] == ["act1", "act2", "act3"]
    for ax, s in zip(top, stats):
        out = tm[s.name].output.reshape(4, -1)
        dead = np.mean(~(out > 0).any(axis=0))  # zero for every input seen
        assert by_gid(ax, "dead").get_text() == f"dead: {dead:.1%}" == dead_text(s)
        assert not [t for t in ax.texts if t.get_gid() == "saturated"]
        assert hist(ax, "post-hist")[0].sum() == out.size
        assert "ReLU" in ax.get_title()
    for ax in bottom:  # ReLU passes no gradient for z < 0
        assert x_extent(by_gid(ax, "pre-band-low", "patches"))[1] == pytest.approx(0.0)
        (line,) = [ln for ln in ax.lines if ln.get_gid() == "slope"]
        x, y = line.get_data()
        assert set(y[x < 0]) == {0.0} and set(y[x > 0]) == {1.0}


def test_streamed_dataset_stats_render_the_same_way(seeded_net, digits):
    stats = dataset_stats(seeded_net, digits[0], batch_size=4)
    top, _ = panels(saturation_figure(stats), 4)
    for ax, s in zip(top, stats):
        assert hist(ax, "post-hist")[0].sum() == s.n == 10 * s.units
    assert "10 inputs" in saturation_figure(stats)._suptitle.get_text()


def test_no_activation_layers_is_an_error():
    with pytest.raises(RenderError, match="no activation layers"):
        saturation_figure(DatasetStats(layers=[], n_samples=3))
    with pytest.raises(RenderError, match="expected a DatasetStats"):
        saturation_figure(object())
