"""Learned kernels: one symmetric scale, tiles or an out × in mosaic."""

import numpy as np
import pytest

from lenet_viz.errors import RenderError
from lenet_viz.render.kernels import kernels_figure

pytestmark = pytest.mark.usefixtures("no_open_figures")


def tiles(fig, n):
    """The first ``n`` axes (the tiles) and the rest (colorbars)."""
    return fig.axes[:n], fig.axes[n:]


def clims(ax):
    return tuple(float(v) for v in ax.images[0].get_clim())


def test_conv1_kernels_are_six_tiles_on_one_symmetric_scale(t5):
    w = t5["conv1"].weights["weight"]
    fig = kernels_figure(t5, "conv1")
    tile_axes, (cbar,) = tiles(fig, 6)
    m = float(np.abs(w).max())
    for o, ax in enumerate(tile_axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), w[o, 0])
        assert clims(ax) == pytest.approx((-m, m))
        assert ax.get_title() == f"out {o}"
    assert "symmetric" in cbar.get_xlabel()


def test_conv2_kernels_form_a_16_by_6_grid_rows_out_columns_in(t5):
    w = t5["conv2"].weights["weight"]
    fig = kernels_figure(t5, "conv2")
    ax, cbar = fig.axes
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (16 * 6 - 1, 6 * 6 - 1)
    for o in range(16):
        for i in range(6):
            np.testing.assert_array_equal(mosaic[o * 6:o * 6 + 5, i * 6:i * 6 + 5], w[o, i])
    assert mosaic.mask[5, :].all() and mosaic.mask[:, 5].all()  # gaps between kernels are blank
    assert mosaic.count() == w.size
    m = float(np.abs(w).max())
    assert clims(ax) == pytest.approx((-m, m))
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(i) for i in range(6)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(o) for o in range(16)]
    assert "symmetric" in cbar.get_ylabel()


def test_kernels_of_a_layer_without_them(t5):
    with pytest.raises(RenderError, match="pool1 has no convolution kernels.*conv1, conv2"):
        kernels_figure(t5, "pool1")


# ---------------------------------------------------------------- dense strips, prediction
