"""Streamed statistics equal statistics computed directly with numpy from materialised activations."""

import json

import numpy as np
import pytest

from lenet_viz._mx import seed_all
from lenet_viz.capture import trace
from lenet_viz.errors import CaptureError, LenetVizError
from lenet_viz.model import Model, build_net
from lenet_viz.stats import DatasetStats, dataset_stats, layer_stats

N, BATCH = 200, 37  # 5 full batches and a ragged one of 15: batching edges matter


@pytest.fixture(scope="module")
def images():
    from lenet_viz.data import mnist5k

    return mnist5k().test.x[:N]


@pytest.fixture(scope="module")
def nets(seeded_net, seeded_modern):
    seed_all(1)
    # A wide normal init drives sigmoid layers into saturation, so the counts are not all zero.
    return {"lenet5": seeded_net, "modern": seeded_modern,
            "saturated": Model(build_net("lenet5", "normal"), "lenet5", source="normal-init"),
            "mlp": Model(build_net("mlp"), "mlp", source="seeded-mlp")}


def materialised(model, x):
    """Every layer's activations for all of ``x``, from the same batches the stream sees.

    Dense layers' GEMM results depend on the batch size in the last bit, so a single trace of all
    200 images can differ from the streamed batches by 1 ulp; the exact comparison uses the very
    activations the stream saw, concatenated (a single whole trace is checked separately).
    """
    parts = [trace(model, x[i:i + BATCH]) for i in range(0, len(x), BATCH)]
    whole = parts[0]
    return {r.name: (r.activation, np.concatenate([p[r.name].output for p in parts]),
                     np.concatenate([p[r.name].pre for p in parts]) if r.pre is not None else None,
                     r.output_shape[1:], parts[0][r.name].output)
            for r in whole if r.activation is not None}


def expected(activation, out, pre, shape, low, high):
    """The statistics straight from the definitions, with numpy on all activations at once."""
    n = out.shape[0]
    c = shape[0] if len(shape) == 3 else 1
    per_c = out.reshape(n, c, -1)
    e = {"n": out.size, "channels": c}
    if activation == "sigmoid":
        lo_mask, hi_mask = per_c < low, per_c > high
        s64 = per_c.astype(np.float64)
        e["mean_dsigmoid"] = (s64 * (1 - s64)).mean()
        e["per_channel_mean_dsigmoid"] = (s64 * (1 - s64)).mean(axis=(0, 2))
        e["dead_fraction"] = np.nan
    else:  # relu
        lo_mask, hi_mask = per_c == 0, np.zeros_like(per_c, bool)
        e["mean_dsigmoid"] = np.nan
        dead = ~(out.reshape(n, -1) > 0).any(axis=0)
        e["dead_fraction"] = dead.mean()
        e["per_channel_dead"] = dead.reshape(c, -1).mean(axis=1)
        e["dead_mask"] = dead.reshape(shape)
    e["saturated_low"] = lo_mask.mean()
    e["saturated_high"] = hi_mask.mean()
    e["saturated_fraction"] = (lo_mask | hi_mask).mean()
    e["per_channel_saturated"] = (lo_mask | hi_mask).mean(axis=(0, 2))
    return e


def histogram(values, edges):
    return np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)[0]


@pytest.mark.parametrize("which", ["lenet5", "saturated", "modern", "mlp"])
def test_streamed_equals_materialised(which, nets, images):
    model = nets[which]
    got = dataset_stats(model, images, batch_size=BATCH)
    acts = materialised(model, images)
    assert got.n_samples == N and got.model == model.source
    assert got.names == list(acts)
    for name, (activation, out, pre, shape, first_batch) in acts.items():
        s = got[name]
        e = expected(activation, out, pre, shape, 0.05, 0.95)
        assert (s.activation, s.n, s.channels, s.n_samples, s.units) == \
            (activation, e["n"], e["channels"], N, int(np.prod(shape)))
        for key in ("saturated_fraction", "saturated_low", "saturated_high", "mean_dsigmoid",
                    "dead_fraction"):
            np.testing.assert_allclose(getattr(s, key), e[key], rtol=1e-9, err_msg=f"{name}.{key}")
        np.testing.assert_allclose(s.per_channel_saturated, e["per_channel_saturated"], rtol=1e-9)
        assert s.per_channel_saturated.shape == (e["channels"],)
        if activation == "sigmoid":
            np.testing.assert_allclose(s.per_channel_mean_dsigmoid, e["per_channel_mean_dsigmoid"],
                                       rtol=1e-9)
            assert np.isnan(s.per_channel_dead).all() and s.dead_mask is None
            np.testing.assert_array_equal(s.post_edges, np.linspace(0, 1, 51))
        else:
            np.testing.assert_array_equal(s.per_channel_dead, e["per_channel_dead"])
            np.testing.assert_array_equal(s.dead_mask, e["dead_mask"])
            assert np.isnan(s.per_channel_mean_dsigmoid).all()
            hi = s.post_edges[-1]
            # fixed from the first batch: at or above its 99.9th percentile, rounded up a little
            p999 = np.percentile(first_batch, 99.9)
            assert p999 <= hi <= 1.25 * p999 or (p999 == 0 and hi == 1)
            np.testing.assert_array_equal(s.post_edges, np.linspace(0, hi, 51))
            assert s.post_overflow == np.count_nonzero(out > hi)
        # histograms: exactly the counts of all activations, clipped into the end bins
        np.testing.assert_array_equal(s.post_counts, histogram(out, s.post_edges), err_msg=name)
        np.testing.assert_array_equal(s.pre_edges, np.linspace(-10, 10, 81))
        np.testing.assert_array_equal(s.pre_counts, histogram(pre, s.pre_edges), err_msg=name)
        assert s.post_counts.sum() == s.pre_counts.sum() == s.n == out.size
        assert (s.pre_underflow, s.pre_overflow) == (np.count_nonzero(pre < -10),
                                                     np.count_nonzero(pre > 10))
    if which == "saturated":  # the check above is not vacuous
        assert got["conv1"].saturated_fraction > 0.05 and got["dense1"].pre_overflow > 0
    if which == "modern":
        assert 0 < got["act1"].dead_fraction < 1


def test_matches_one_whole_trace(nets, images):
    """Against a single trace of all 200 images: equal up to dense layers' last-bit differences."""
    model = nets["lenet5"]
    got = dataset_stats(model, images, batch_size=BATCH)
    direct = layer_stats(trace(model, images))
    for s, d in zip(got, direct):
        assert s.name == d.name and s.n == d.n
        np.testing.assert_allclose(s.mean_dsigmoid, d.mean_dsigmoid, rtol=1e-6)
        assert np.abs(s.post_counts - d.post_counts).sum() <= 2
        assert np.abs(s.pre_counts - d.pre_counts).sum() <= 2


def test_layer_stats_of_one_trace_equals_dataset_stats_in_one_batch(nets, images):
    a = layer_stats(trace(nets["modern"], images[:50]))
    b = dataset_stats(nets["modern"], images[:50], batch_size=50)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())


def test_thresholds_change_results(nets, images):
    model = nets["saturated"]
    default = dataset_stats(model, images, batch_size=BATCH)
    narrow = dataset_stats(model, images, batch_size=BATCH, low=0.2, high=0.8)
    none = dataset_stats(model, images, batch_size=BATCH, low=0.0, high=1.0)
    acts = materialised(model, images)
    for name, (activation, out, pre, shape, _) in acts.items():
        e = expected(activation, out, pre, shape, 0.2, 0.8)
        assert narrow[name].low == 0.2 and narrow[name].high == 0.8
        np.testing.assert_allclose(narrow[name].saturated_fraction, e["saturated_fraction"], rtol=1e-9)
        assert narrow[name].saturated_fraction > default[name].saturated_fraction
        assert none[name].saturated_fraction == np.count_nonzero((out < 0) | (out > 1)) / out.size
        # thresholds do not touch σ'(z) or the histograms
        assert narrow[name].mean_dsigmoid == default[name].mean_dsigmoid
        np.testing.assert_array_equal(narrow[name].post_counts, default[name].post_counts)


def test_relu_max_fixes_the_histogram(nets, images):
    s = dataset_stats(nets["modern"], images, batch_size=BATCH, relu_max=0.5)["act2"]
    out = materialised(nets["modern"], images)["act2"][1]
    np.testing.assert_array_equal(s.post_edges, np.linspace(0, 0.5, 51))
    np.testing.assert_array_equal(s.post_counts, histogram(out, s.post_edges))
    assert s.post_overflow == np.count_nonzero(out > 0.5) > 0


def test_relu_max_reaches_layer_stats_and_the_default_is_a_nice_ceiling(nets, images):
    from lenet_viz.capture import trace
    from lenet_viz.stats import _nice_ceil

    t = trace(nets["modern"], images[:8])
    assert layer_stats(t, relu_max=0.5)["act2"].post_edges[-1] == 0.5
    out = t["act2"].output
    assert layer_stats(t)["act2"].post_edges[-1] == _nice_ceil(float(np.percentile(out, 99.9)))
    cases = {0.0: 1.0, -1.0: 1.0, float("nan"): 1.0, 1.0: 1.0, 1.1: 1.2, 1.2: 1.2, 1.3: 1.5, 7.9: 8.0,
             8.1: 10.0, 0.07: 0.08, 0.5: 0.5, 2.2e-3: 2.5e-3, 41.0: 50.0}
    for v, nice in cases.items():
        assert _nice_ceil(v) == np.float32(nice), v


def test_progress_and_split(nets, images):
    from lenet_viz.data import Split

    seen = []
    s = dataset_stats(nets["mlp"], Split(images, np.zeros(N, np.int32)), batch_size=BATCH,
                      progress=lambda done, total: seen.append((done, total)), dataset="digits")
    assert seen == [(37, N), (74, N), (111, N), (148, N), (185, N), (200, N)]
    assert s.dataset == "digits" and s.n_samples == N


def test_to_dict_is_json(nets, images):
    s = dataset_stats(nets["modern"], images[:40], batch_size=BATCH)
    d = s.to_dict()
    text = json.dumps(d, allow_nan=False)  # NaN became null
    assert d["n_samples"] == 40 and [x["name"] for x in d["layers"]] == ["act1", "act2", "act3"]
    act1 = d["layers"][0]
    assert act1["mean_dsigmoid"] is None and len(act1["per_channel_dead"]) == 16
    assert "dead_mask" not in act1 and act1["dead_units"] == int(s["act1"].dead_mask.sum())
    assert max(len(v) for x in d["layers"] for v in x.values() if isinstance(v, list)) <= 81
    assert "act3" in text


def test_getitem_names_the_layers(nets, images):
    s = layer_stats(trace(nets["lenet5"], images[:5]))
    assert isinstance(s, DatasetStats) and s.names == ["conv1", "conv2", "dense1", "dense2"]
    with pytest.raises(KeyError, match="conv1, conv2, dense1, dense2"):
        s["pool1"]


@pytest.mark.parametrize("kwargs", [{"low": 0.6, "high": 0.4}, {"low": -0.1}, {"high": 1.5},
                                    {"batch_size": 0}, {"relu_max": 0}])
def test_bad_arguments(nets, images, kwargs):
    with pytest.raises(LenetVizError):
        dataset_stats(nets["mlp"], images[:5], **kwargs)


def test_bad_images_fail_before_any_batch(nets, images):
    bad = images[:80].copy()
    bad[-1, 0, 0, 0] = np.nan
    seen = []
    with pytest.raises(CaptureError, match=r"\(N,1,28,28\)"):
        dataset_stats(nets["mlp"], bad, batch_size=BATCH, progress=lambda *a: seen.append(a))
    assert seen == []


@pytest.mark.parametrize("act", ["tanh", "softsign"])
def test_bounded_activations_map_the_thresholds_onto_their_range(act, images):
    """tanh and softsign live on (-1, 1): saturated is y < 2·low-1 or y > 2·high-1 (a user's own net)."""
    from lenet_viz._mx import mx, nn

    seed_all(2)
    net = nn.Sequential()
    net.add(nn.Dense(32, activation=act), nn.Dense(10))
    net.initialize(mx.init.Normal(0.3))  # wide weights: both tails are populated
    s = layer_stats(trace(net, images[:16]), low=0.1, high=0.8)
    (rec,) = [r for r in s if r.activation == act]
    y = trace(net, images[:16]).layers[0].output.astype(np.float64)
    low, high = float((y < -0.8).mean()), float((y > 0.6).mean())
    assert low > 0 and high > 0
    assert rec.saturated_low == pytest.approx(low, abs=1e-12)
    assert rec.saturated_high == pytest.approx(high, abs=1e-12)
