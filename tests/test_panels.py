"""The light per-digit panels: tile pixels are the captured arrays through the colour table on the
stated scale; strips colour every unit; the input keeps the raw image's size."""

import numpy as np
import pytest

from lenet_viz.errors import RenderError
from lenet_viz.render.colormaps import colorize, hex_colour, lut
from lenet_viz.render.keys import figure_keys
from lenet_viz.render.panels import digit_panels, input_panel, map_panel, strip_panel


@pytest.mark.parametrize("layer", ["conv1", "pool1", "conv2", "pool2"])
def test_sigmoid_tiles_are_the_array_through_viridis_on_fixed_0_1(t5, layer):
    p = map_panel(t5, layer, index=1)
    (sc,) = p.scales
    assert (sc.cmap, sc.vmin, sc.vmax) == ("viridis", 0.0, 1.0) and "fixed 0–1" in sc.label
    data = t5[layer].output[1]
    assert len(p.tiles) == data.shape[0]
    for c, tile in enumerate(p.tiles):
        assert tile.rgb.shape == (*data.shape[1:], 3)  # one pixel per value
        assert np.array_equal(tile.rgb, colorize(data[c], "viridis", 0.0, 1.0))
        assert tile.caption == f"{c}  μ={float(data[c].mean()):.2f}"
        assert tile.width == tile.height and 100 <= tile.width <= 112  # an integer zoom


def test_pre_activation_tiles_are_diverging_and_symmetric(t5):
    p = map_panel(t5, "conv2", pre=True)
    (sc,) = p.scales
    m = float(np.abs(t5["conv2"].pre[0]).max())
    assert (sc.cmap, sc.vmin, sc.vmax) == ("RdBu_r", -m, m) and "symmetric" in sc.label
    assert np.array_equal(p.tiles[3].rgb, colorize(t5["conv2"].pre[0, 3], "RdBu_r", -m, m))


def test_relu_tiles_share_one_scale(tm):
    name = next(r.name for r in tm if r.activation == "relu" and r.output.ndim == 4)
    (sc,) = map_panel(tm, name).scales
    assert sc.cmap == "viridis" and sc.vmin == 0 and sc.vmax == pytest.approx(float(tm[name].output[0].max()))


def test_strip_colours_every_unit_in_order(t5):
    p = strip_panel(t5, "dense1", index=2)
    vec = t5["dense1"].output[2]
    cells = [c for r in p.strip["rows"] for c in r["cells"]]
    assert [c["unit"] for c in cells] == list(range(120)) and p.strip["width"] == 24
    assert [r["label"] for r in p.strip["rows"]] == [0, 24, 48, 72, 96]
    assert all(c["bg"] == hex_colour(v, "viridis", 0, 1) for c, v in zip(cells, vec))
    assert all(c["text"] == "" for c in cells)  # values are written only for ≤ 32 units
    logits = strip_panel(t5, "dense3")
    (sc,) = logits.scales
    assert sc.cmap == "RdBu_r" and sc.vmin == -sc.vmax and "logits" in sc.label
    written = [c["text"] for c in logits.strip["rows"][0]["cells"]]
    assert written == [f"{v:.2f}" for v in t5["dense3"].output[0]]


def test_input_panel_keeps_the_raw_image_and_the_net_input():
    raw = np.arange(60 * 30, dtype=np.uint8).reshape(30, 60)
    x = np.linspace(0, 1, 784, dtype=np.float32).reshape(1, 1, 28, 28)
    p = input_panel(raw, x)
    assert [t.name for t in p.tiles] == ["input-raw", "input"]
    assert np.array_equal(p.tiles[0].rgb, lut("gray")[raw])  # gray on 0–255: entry = value
    assert np.array_equal(p.tiles[1].rgb, colorize(x.reshape(28, 28), "gray", 0, 1))
    assert (p.tiles[0].width, p.tiles[0].height) == (224, 112)
    assert [s.label for s in p.scales] == ["your image: pixel value (fixed 0–255)",
                                           "what the net saw: pixel value (fixed 0–1)"]
    assert [t.name for t in input_panel(None, x).tiles] == ["input"]
    with pytest.raises(RenderError, match="2-D uint8"):
        input_panel(raw.astype(float), x)
    with pytest.raises(RenderError, match="28×28"):
        input_panel(None, np.zeros((27, 27)))


def test_digit_panels_follow_the_figure_keys(t5, tm):
    for t in (t5, tm):
        assert [p.key for p in digit_panels(t)] == figure_keys(t)[:-1]  # the prediction is a chart


def test_kernel_tiles_are_the_weights_on_one_symmetric_scale(t5):
    from lenet_viz.render.panels import kernel_tiles

    for name, n_in, shape in (("conv1", 1, (5, 5)), ("conv2", 6, (2 * 6 - 1, 3 * 6 - 1))):
        w = t5[name].weights["weight"]
        tiles, scale = kernel_tiles(t5, name)
        m = float(np.abs(w).max())
        assert (scale.cmap, scale.vmin, scale.vmax) == ("RdBu_r", -m, m) and "±" in scale.label
        assert len(tiles) == w.shape[0]
        for o, tile in enumerate(tiles):
            assert tile.rgb.shape[:2] == shape
            for i in range(n_in):  # planes in rows of three, one white pixel between them
                r, c = divmod(i, 3)
                plane = tile.rgb[r * 6:r * 6 + 5, c * 6:c * 6 + 5]
                assert np.array_equal(plane, colorize(w[o, i], "RdBu_r", -m, m)), (name, o, i)
            assert tile.width == tile.rgb.shape[1] * (64 // max(shape))
    assert kernel_tiles(t5, "pool1") is None and kernel_tiles(t5, "dense1") is None
