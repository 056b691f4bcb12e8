"""The shipped colour tables are matplotlib's, and a value takes the entry matplotlib would give it."""

import numpy as np
import pytest
from matplotlib import colormaps
from matplotlib.colors import Normalize

from lenet_viz.render.colormaps import NAMES, colorize, hex_colour, ink, lut, lut_index


@pytest.mark.parametrize("name", NAMES)
def test_tables_are_the_installed_matplotlib_maps(name):
    assert np.array_equal(lut(name), colormaps[name](np.arange(256), bytes=True)[:, :3])
    assert not lut(name).flags.writeable


@pytest.mark.parametrize("name,lo,hi", [("viridis", 0.0, 1.0), ("RdBu_r", -3.7, 3.7), ("gray", 0, 255)])
def test_colorize_equals_matplotlib_on_a_fixed_scale(name, lo, hi):
    rng = np.random.default_rng(0)
    x = rng.uniform(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo), size=(40, 40))  # some off the scale
    x[0, :5] = [lo, hi, (lo + hi) / 2, lo - 1, hi + 1]  # the ends and beyond take the end colours
    want = colormaps[name](Normalize(lo, hi)(x), bytes=True)[..., :3]
    assert np.array_equal(colorize(x, name, lo, hi), want)
    assert lut_index(np.array([lo, hi]), lo, hi).tolist() == [0, 255]


def test_hex_and_ink():
    assert hex_colour(0.0, "gray", 0, 1) == "#000000" and hex_colour(1.0, "gray", 0, 1) == "#ffffff"
    assert ink(0.0, "gray", 0, 1) == "#fff" and ink(1.0, "gray", 0, 1) == "#000"
