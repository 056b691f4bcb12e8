"""The training loop: learns, is deterministic for a seed, validates its recipe."""

import numpy as np
import pytest

from lenet_viz.data import mnist5k
from lenet_viz.errors import LenetVizError
from lenet_viz.train import TrainConfig, train


@pytest.fixture(scope="module")
def small():
    d = mnist5k()
    # a seeded, class-balanced slice: 600 train digits, the 1,000 held-out ones
    rng = np.random.RandomState(1)
    idx = rng.permutation(len(d.train))[:600]
    d.train.x, d.train.y = d.train.x[idx], d.train.y[idx]
    return d


def _params(net):
    # structural keys ("0.weight"), not MXNet's global-counter names, so two nets compare
    return {k: p.data().asnumpy() for k, p in net._collect_params_with_prefix().items()}


def test_learns_well_above_chance(small):
    r = train(TrainConfig(variant="lenet5", epochs=8, lr=0.003, batch_size=16, seed=3), small)
    assert r.test_accuracy > 0.6  # chance is 0.1
    assert [h["epoch"] for h in r.history] == list(range(1, 9))
    assert r.history[-1]["train_loss"] < r.history[0]["train_loss"]


def test_same_seed_same_parameters(small):
    cfg = TrainConfig(variant="lenet5", epochs=2, lr=0.01, batch_size=64, seed=7, augment="handwriting")
    a, b = _params(train(cfg, small).net), _params(train(cfg, small).net)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    c = _params(train(TrainConfig(variant="lenet5", epochs=2, lr=0.01, batch_size=64, seed=8,
                                  augment="handwriting"), small).net)
    assert any(not np.array_equal(a[k], c[k]) for k in a)  # the seed matters


def test_modern_trains(small):
    r = train(TrainConfig(variant="modern", epochs=2, batch_size=64, seed=0), small)
    assert r.test_accuracy > 0.5


@pytest.mark.parametrize("field,value,match", [
    ("variant", "vgg", "unknown variant"), ("optimizer", "rmsprop", "sgd or adam"),
    ("lr", -1.0, "positive"), ("epochs", -1, "epochs"), ("batch_size", 0, "batch_size"),
    ("augment", "wiggle", "unknown augmentation preset"), ("init", "zeros", "unknown init"),
])
def test_bad_recipe(field, value, match):
    cfg = TrainConfig(**{field: value})
    with pytest.raises(LenetVizError, match=match):
        train(cfg)
