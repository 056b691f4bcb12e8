"""The saturation probe: per-epoch statistics on a fixed held-out batch, and the history helpers."""

import json

import numpy as np
import pytest

from lenet_viz.analyses.probe import plateau_epochs, probe_batch, saturation_probe, takeoff_epoch
from lenet_viz.capture import trace
from lenet_viz.errors import LenetVizError
from lenet_viz.stats import layer_stats


def test_probe_hook_equals_layer_stats_on_the_probe(seeded_net, small):
    x, y = small
    hook = saturation_probe(x, y)
    out = hook(0, seeded_net.net)
    t = trace(seeded_net, x)
    stats = layer_stats(t)
    assert list(out["layers"]) == stats.names == ["conv1", "conv2", "dense1", "dense2"]
    for s in stats:
        got = out["layers"][s.name]
        assert got["saturated"] == pytest.approx(s.saturated_fraction, abs=1e-6)
        assert got["mean_dsigmoid"] == pytest.approx(s.mean_dsigmoid, abs=1e-6)
        assert got["dead"] is None  # sigmoid layers have no dead units
        assert got["hist"] == s.post_counts.tolist() and len(got["hist"]) == 50
        assert got["hist_range"] == [0.0, 1.0]
        flat = t[s.name].output.reshape(len(x), -1).astype(np.float64)
        assert got["spread"] == pytest.approx(flat.std(axis=0).mean(), abs=1e-6)
    assert out["probe_acc"] == pytest.approx(float((t.predictions == y).mean()))
    assert set(out["grad_rms"]) == {"conv1", "conv2", "dense1", "dense2", "dense3"}
    assert all(v > 0 and np.isfinite(v) for v in out["grad_rms"].values())
    json.dumps(out, allow_nan=False)  # JSON-ready, no NaN


def test_probe_hook_does_not_change_the_net(seeded_net, small):
    x, y = small
    before = trace(seeded_net, x).probabilities
    saturation_probe(x, y)(3, seeded_net.net)
    np.testing.assert_array_equal(trace(seeded_net, x).probabilities, before)


def test_probe_hook_relu_dead_fraction(seeded_modern, small):
    x, _ = small
    out = saturation_probe(x, histograms=False)(0, seeded_modern.net)
    stats = layer_stats(trace(seeded_modern, x))
    assert list(out["layers"]) == ["act1", "act2", "act3"]
    for s in stats:
        got = out["layers"][s.name]
        assert got["dead"] == pytest.approx(s.dead_fraction, abs=1e-6)
        assert got["mean_dsigmoid"] is None and "hist" not in got


def test_probe_hook_keeps_histograms_only_where_asked(seeded_net, small):
    hook = saturation_probe(small[0][:8], hist_epochs={0, 5})
    assert "hist" in hook(0, seeded_net.net)["layers"]["conv1"]
    assert "hist" not in hook(1, seeded_net.net)["layers"]["conv1"]


def test_probe_hook_rejects_bad_input_before_training():
    with pytest.raises(LenetVizError, match="shape"):
        saturation_probe(np.zeros((3, 28, 28), np.float32))
    with pytest.raises(LenetVizError, match="labels"):
        saturation_probe(np.zeros((3, 1, 28, 28), np.float32), np.zeros(2))


def test_hook_in_training_records_every_epoch(data, small):
    """Epoch 0 of a training run equals the hook applied to a fresh net of the same seed."""
    from lenet_viz._mx import seed_all
    from lenet_viz.model import build_net
    from lenet_viz.train import TrainConfig, train

    x, y = small
    hook = saturation_probe(x, y)
    cfg = TrainConfig(epochs=1, optimizer="sgd", lr=0.9, train_limit=64, seed=3)
    hist = train(cfg, data, epoch_hook=hook).history
    assert [h["epoch"] for h in hist] == [0, 1]
    seed_all(3)
    fresh = hook(0, build_net("lenet5"))
    assert hist[0]["layers"] == fresh["layers"] and hist[0]["probe_acc"] == fresh["probe_acc"]
    assert hist[1]["layers"] != hist[0]["layers"]  # one epoch of SGD lr 0.9 moves them


def test_probe_batch_is_fixed_by_seed(data):
    a, ya = probe_batch(data, 16, seed=1)
    b, yb = probe_batch(data, 16, seed=1)
    c, _ = probe_batch(data, 16, seed=2)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a, c)
    with pytest.raises(LenetVizError, match="probe size"):
        probe_batch(data, 0)


def test_plateau_and_takeoff_helpers():
    hist = [{"epoch": 0, "test_acc": 0.1}] + [{"epoch": e, "test_acc": a} for e, a in
                                               enumerate([0.1, 0.1, 0.12, 0.3, 0.6, 0.9], 1)]
    assert plateau_epochs(hist) == 3
    assert takeoff_epoch(hist) == 5
    assert takeoff_epoch(hist, 0.95) is None


def test_probe_with_gradients_leaves_training_unchanged():
    """The per-epoch probe must observe, not steer: BatchNorm statistics are put back."""
    from lenet_viz.data import mnist5k
    from lenet_viz.train import TrainConfig, train

    d = mnist5k()
    d.train.x, d.train.y = d.train.x[:512], d.train.y[:512]
    px, py = probe_batch(d, 64)

    def params(hook):
        net = train(TrainConfig(variant="modern", epochs=1, seed=0, batch_size=128), d, epoch_hook=hook).net
        return {k: v.data().asnumpy() for k, v in net._collect_params_with_prefix().items()}

    plain, probed = params(None), params(saturation_probe(px, py))
    assert all(np.array_equal(plain[k], probed[k]) for k in plain)
