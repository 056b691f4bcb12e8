"""The analysis figures (render/dynamics, inits, top, occlusion) are pure and shaped by their data."""


import numpy as np
import pytest

from lenet_viz.analyses.occlusion import occlusion_map
from lenet_viz.analyses.records import load_record
from lenet_viz.analyses.top import top_activations
from lenet_viz.render.top import rf_crop


def test_figures_are_pure_and_shaped(seeded_net, small, half_blank):
    from matplotlib.figure import Figure

    from lenet_viz.render import dynamics, inits, occlusion
    from lenet_viz.render import top as rtop

    dyn, ini = load_record("dynamics"), load_record("init")
    fig = dynamics.dynamics_figure(dyn)
    assert isinstance(fig, Figure) and len(fig.axes) == 5
    labels = [ln.get_label() for ln in fig.axes[1].lines if not ln.get_label().startswith("_")]
    assert labels == ["conv1", "conv2", "dense1", "dense2"]  # one saturation line per sigmoid layer
    grid = dynamics.histogram_grid(dyn)
    assert len(grid.axes) == 4 * len(dyn["summary"]["hist_epochs"])
    layers = inits.init_layers_figure(ini)
    assert len(layers.axes) == 12 and len(layers.axes[0].lines) == 3  # one line per init
    x, y = small
    top = top_activations(seeded_net, x, k=4, layers=["conv1"])[0]
    tf = rtop.top_examples_figure(top, x, y)
    assert len(tf.axes) == 2 * 6  # kernel + crops per channel
    occ = occlusion_map(seeded_net, half_blank)
    of = occlusion.occlusion_figure(half_blank, occ, "d")
    np.testing.assert_array_equal(of.axes[1].images[0].get_array(), occ.pixel)
    lim = of.axes[1].images[0].get_clim()
    assert lim[0] == -lim[1] == pytest.approx(-float(np.abs(occ.pixel).max()))


def test_rf_crop_pads_with_fill():
    img = np.arange(28 * 28, dtype=np.float32).reshape(28, 28)
    crop = rf_crop(img, -2, -2, 5, margin=1)
    assert crop.shape == (7, 7)
    assert (crop[:3, :] == 0).all() and (crop[:, :3] == 0).all()
    np.testing.assert_array_equal(crop[3:, 3:], img[:4, :4])
    np.testing.assert_array_equal(rf_crop(img, 10, 12, 5), img[10:15, 12:17])
