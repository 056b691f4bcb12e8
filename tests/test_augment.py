"""Augmentation presets: deterministic per seed, labels kept, digits distorted but still digits."""

import numpy as np
import pytest

from lenet_viz.augment import PRESETS, _lowres_matrix, _sample, augment, get_preset
from lenet_viz.data import mnist5k
from lenet_viz.errors import LenetVizError


@pytest.fixture(scope="module")
def batch():
    d = mnist5k()
    return d.train.x[:256].copy(), d.train.y[:256].copy()


@pytest.mark.parametrize("name", list(PRESETS))
def test_deterministic_per_seed(batch, name):
    x, _ = batch
    a = augment(x, np.random.RandomState(5), name)
    b = augment(x, np.random.RandomState(5), name)
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0
    if name != "none":
        c = augment(x, np.random.RandomState(6), name)
        assert not np.array_equal(a, c)  # the seed matters


def test_input_untouched(batch):
    x, _ = batch
    before = x.copy()
    augment(x, np.random.RandomState(0), "handwriting")
    np.testing.assert_array_equal(x, before)


def test_none_is_identity(batch):
    x, _ = batch
    np.testing.assert_array_equal(augment(x, np.random.RandomState(0), "none"), x)


def test_shift_moves_whole_digits(batch):
    x, _ = batch
    y = augment(x, np.random.RandomState(0), "shift")
    for i in range(0, 256, 37):  # each image is a whole-pixel translate of its original
        found = False
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                moved = np.roll(np.roll(np.pad(x[i, 0], 2), dy, 0), dx, 1)[2:-2, 2:-2]
                found |= np.array_equal(moved, y[i, 0])
        assert found, i


def test_handwriting_keeps_labels(batch):
    """The shipped lenet5 (trained with this preset) still reads the distorted digits as their labels."""
    from lenet_viz.model import load_model

    x, y = batch
    model = load_model("lenet5")
    plain = (model.predict_proba(x).argmax(1) == y).mean()
    bent = augment(x, np.random.RandomState(0), "handwriting")
    distorted = (model.predict_proba(bent).argmax(1) == y).mean()
    assert plain > 0.97 and distorted > 0.9  # distortions keep the digit's identity


def test_handwriting_changes_most_digits_moderately(batch):
    x, _ = batch
    y = augment(x, np.random.RandomState(1), "handwriting")
    diff = np.abs(y - x).mean(axis=(1, 2, 3))
    assert (diff > 0.01).mean() > 0.9  # nearly every digit is changed
    ink = y.sum(axis=(1, 2, 3)) / x.sum(axis=(1, 2, 3))
    assert ink.min() > 0.2 and ink.max() < 5  # none erased, none blotted out


def test_sampler_matches_identity_and_zero_outside():
    img = np.random.RandomState(0).rand(2, 28, 28).astype(np.float32)
    ys, xs = np.indices((28, 28)).astype(np.float64)
    out = _sample(img, np.broadcast_to(ys, (2, 28, 28)), np.broadcast_to(xs, (2, 28, 28)))
    np.testing.assert_allclose(out, img, atol=1e-6)
    far = _sample(img, np.full((2, 28, 28), -5.0), np.full((2, 28, 28), 40.0))
    assert not far.any()


def test_lowres_matrix_keeps_constant_and_loses_detail():
    m = _lowres_matrix(7)
    np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-5)  # a flat image stays flat
    stripes = np.tile([0.0, 1.0], 14)
    assert np.ptp(m @ stripes) < 0.1  # 1-px stripes cannot survive 7 px


def test_unknown_preset():
    with pytest.raises(LenetVizError, match="unknown augmentation preset 'wiggle'.*handwriting"):
        get_preset("wiggle")
