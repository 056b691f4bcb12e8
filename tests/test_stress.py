"""The stress set: built from the held-out split only, deterministic, every transform named."""

import numpy as np
import pytest

from lenet_viz.data import mnist5k
from lenet_viz.errors import LenetVizError
from lenet_viz.stress import TRANSFORMS, format_table, make_stress_set, stress_accuracy


@pytest.fixture(scope="module")
def data():
    return mnist5k()


@pytest.fixture(scope="module")
def sset(data):
    return make_stress_set(data, limit=30)


def test_every_transform_built_from_held_out(sset, data):
    assert sset.names == list(TRANSFORMS)
    np.testing.assert_array_equal(sset.y, data.test.y[:30])
    for name, x in sset.x.items():
        assert x.shape == (30, 1, 28, 28) and x.dtype == np.float32, name
        assert 0.0 <= x.min() and x.max() <= 1.0
        assert sset.failed[name] == 0, name


def test_clean_is_the_held_out_digit(sset, data):
    # MNIST digits pass through the preprocessing (nearly) unchanged
    assert np.abs(sset.x["clean"] - data.test.x[:30]).max() < 0.02


def test_transforms_differ_from_clean(sset):
    for name in TRANSFORMS:
        if name not in ("clean", "off-centre"):
            assert np.abs(sset.x[name] - sset.x["clean"]).mean() > 0.01, name


def test_photo_comes_out_on_black(sset):
    x = sset.x["photo"][:, 0]
    border = np.concatenate([x[:, 0], x[:, -1], x[:, :, 0], x[:, :, -1]], axis=1)
    assert border.max() <= 0.05  # background removal: no grey slab left


def test_deterministic(data):
    a = make_stress_set(data, ["photo", "off-centre"], limit=5)
    b = make_stress_set(data, ["photo", "off-centre"], limit=5)
    for k in a.x:
        np.testing.assert_array_equal(a.x[k], b.x[k])


def test_unknown_transform(data):
    with pytest.raises(LenetVizError, match="unknown stress transform 'sepia'.*photo"):
        make_stress_set(data, ["sepia"])


def test_accuracy_and_table(sset):
    from lenet_viz.model import load_model

    acc = stress_accuracy(load_model("lenet5").net, sset)
    assert list(acc) == list(TRANSFORMS) and acc["clean"] > 0.9
    text = format_table({"lenet5": acc}, 30)
    assert text.splitlines()[0].split() == ["transform", "lenet5"]
    assert f"{acc['photo']:.3f}" in text and "30 held-out digits" in text
