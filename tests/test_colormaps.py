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


def _luminance(hex_rgb):
    c = np.array([int(hex_rgb[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


@pytest.mark.parametrize("name", NAMES)
def test_ink_reads_at_wcag_aa_on_every_colour(name):
    for v in np.linspace(0, 1, 256):
        bg, fg = _luminance(hex_colour(v, name, 0, 1)), 1.0 if ink(v, name, 0, 1) == "#fff" else 0.0
        hi, lo = max(bg, fg), min(bg, fg)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, (name, v)
