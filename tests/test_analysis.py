"""Each analysis equals a direct computation on a small case: the probe hook equals layer_stats,
the streamed top-k equals a brute-force sort, occlusion equals a loop and leaves blank regions alone,
the init comparison is deterministic for a seed, and the shipped records are consistent."""

import json

import numpy as np
import pytest

from lenet_viz import analysis as an
from lenet_viz.capture import trace
from lenet_viz.errors import LenetVizError
from lenet_viz.stats import layer_stats

BATCH = 7  # ragged batches: 40 digits = 5 full batches of 7 and one of 5


@pytest.fixture(scope="module")
def data():
    from lenet_viz.data import mnist5k

    return mnist5k()


@pytest.fixture(scope="module")
def small(data):
    return data.test.x[:40], data.test.y[:40]


# ---------------------------------------------------------------- 1. probe hook

def test_probe_hook_equals_layer_stats_on_the_probe(seeded_net, small):
    x, y = small
    hook = an.saturation_probe(x, y)
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
    an.saturation_probe(x, y)(3, seeded_net.net)
    np.testing.assert_array_equal(trace(seeded_net, x).probabilities, before)


def test_probe_hook_relu_dead_fraction(seeded_modern, small):
    x, _ = small
    out = an.saturation_probe(x, histograms=False)(0, seeded_modern.net)
    stats = layer_stats(trace(seeded_modern, x))
    assert list(out["layers"]) == ["act1", "act2", "act3"]
    for s in stats:
        got = out["layers"][s.name]
        assert got["dead"] == pytest.approx(s.dead_fraction, abs=1e-6)
        assert got["mean_dsigmoid"] is None and "hist" not in got


def test_probe_hook_keeps_histograms_only_where_asked(seeded_net, small):
    hook = an.saturation_probe(small[0][:8], hist_epochs={0, 5})
    assert "hist" in hook(0, seeded_net.net)["layers"]["conv1"]
    assert "hist" not in hook(1, seeded_net.net)["layers"]["conv1"]


def test_probe_hook_rejects_bad_input_before_training():
    with pytest.raises(LenetVizError, match="shape"):
        an.saturation_probe(np.zeros((3, 28, 28), np.float32))
    with pytest.raises(LenetVizError, match="labels"):
        an.saturation_probe(np.zeros((3, 1, 28, 28), np.float32), np.zeros(2))


def test_hook_in_training_records_every_epoch(data, small):
    """Epoch 0 of a training run equals the hook applied to a fresh net of the same seed."""
    from lenet_viz._mx import seed_all
    from lenet_viz.model import build_net
    from lenet_viz.train import TrainConfig, train

    x, y = small
    hook = an.saturation_probe(x, y)
    cfg = TrainConfig(epochs=1, optimizer="sgd", lr=0.9, train_limit=64, seed=3)
    hist = train(cfg, data, epoch_hook=hook).history
    assert [h["epoch"] for h in hist] == [0, 1]
    seed_all(3)
    fresh = hook(0, build_net("lenet5"))
    assert hist[0]["layers"] == fresh["layers"] and hist[0]["probe_acc"] == fresh["probe_acc"]
    assert hist[1]["layers"] != hist[0]["layers"]  # one epoch of SGD lr 0.9 moves them


def test_probe_batch_is_fixed_by_seed(data):
    a, ya = an.probe_batch(data, 16, seed=1)
    b, yb = an.probe_batch(data, 16, seed=1)
    c, _ = an.probe_batch(data, 16, seed=2)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a, c)
    with pytest.raises(LenetVizError, match="probe size"):
        an.probe_batch(data, 0)


# ---------------------------------------------------------------- 1–2. records

def test_plateau_and_takeoff_helpers():
    hist = [{"epoch": 0, "test_acc": 0.1}] + [{"epoch": e, "test_acc": a} for e, a in
                                               enumerate([0.1, 0.1, 0.12, 0.3, 0.6, 0.9], 1)]
    assert an.plateau_epochs(hist) == 3
    assert an.takeoff_epoch(hist) == 5
    assert an.takeoff_epoch(hist, 0.95) is None


def test_dynamics_record_small(data):
    rec = an.dynamics_record(epochs=2, data=data, probe_n=16, train_limit=64)
    assert [h["epoch"] for h in rec["history"]] == [0, 1, 2]
    assert all("seconds" not in h for h in rec["history"])  # no wall-clock time in a record
    kept = {h["epoch"] for h in rec["history"] if "hist" in h["layers"]["conv1"]}
    assert kept == set(rec["summary"]["hist_epochs"]) and {0, 1, 2} <= kept
    assert rec["history"][0]["test_acc"] is not None  # measured before training too
    assert rec["meta"]["recipe"] == an.SEED_RECIPE and rec["meta"]["train_images"] == 64
    json.loads(an.dump_record(rec))


def test_compare_init_is_deterministic_for_a_seed(data):
    kw = {"inits": ("xavier", "normal"), "epochs": 1, "seed": 5, "data": data, "probe_n": 16,
          "train_limit": 96}
    a, b = an.compare_init(**kw), an.compare_init(**kw)
    assert an.dump_record(a) == an.dump_record(b)
    assert list(a["runs"]) == ["xavier", "normal"]
    assert a["runs"]["xavier"] != a["runs"]["normal"]  # only the init differs, and it matters
    for name in ("xavier", "normal"):
        assert a["summary"][name]["saturated_epoch0"] == {
            n: s["saturated"] for n, s in a["runs"][name][0]["layers"].items()}


def test_format_init_summary_states_the_shipped_numbers():
    rec = an.load_record("init")
    text = an.format_init_summary(rec)
    lines = text.splitlines()
    assert [ln.split()[0] for ln in lines[2:5]] == list(rec["inits"])
    normal = rec["summary"]["normal"]
    assert f"{normal['saturated_epoch1']['dense2'] * 100:.1f}%" in lines[4]
    assert f"{normal['final_test_acc'] * 100:.1f}%" in lines[4]


def test_compare_init_checks_its_input_first():
    for bad in (("xavier", "bogus"), ("xavier", "xavier"), ()):
        with pytest.raises(LenetVizError, match="inits must be"):
            an.compare_init(inits=bad)
    with pytest.raises(LenetVizError, match="epochs"):
        an.compare_init(epochs=0)


def test_write_record_is_canonical(tmp_path):
    rec = {"b": [1.5, None], "a": {"z": 1, "y": 0.1}}
    p = an.write_record(rec, tmp_path / "r.json")
    assert p.read_text() == '{"a":{"y":0.1,"z":1},"b":[1.5,null]}\n'
    assert [q.name for q in tmp_path.iterdir()] == ["r.json"]  # no temporary file left
    with pytest.raises(ValueError):
        an.dump_record({"x": float("nan")})


def test_load_record_errors():
    with pytest.raises(LenetVizError, match="unknown record"):
        an.load_record("nope")


def test_shipped_records_are_consistent():
    dyn, ini = an.load_record("dynamics"), an.load_record("init")
    s = dyn["summary"]
    assert s["plateau_epochs"] >= 20 and s["takeoff_epoch"] > s["plateau_epochs"]
    assert dyn["history"][-1]["epoch"] == an.DYNAMICS_EPOCHS
    assert ini["inits"] == list(an.INIT_NAMES) and ini["epochs"] == an.INIT_EPOCHS
    # Same seed and recipe: the init comparison's Xavier run is the dynamics run, epoch for epoch.
    def strip(h):
        return (h["epoch"], h["test_acc"], h["grad_rms"],
                {n: {k: v for k, v in st.items() if k not in ("hist", "hist_range")}
                 for n, st in h["layers"].items()})

    first = dyn["history"][:an.INIT_EPOCHS + 1]
    assert [strip(h) for h in ini["runs"]["xavier"]] == [strip(h) for h in first]


# ---------------------------------------------------------------- 3. model comparison

def test_stage_layers(seeded_net, seeded_modern, small):
    x, _ = small
    assert an.stage_layers(trace(seeded_net, x[:1])) == ["conv1", "pool1", "conv2", "pool2"]
    assert an.stage_layers(trace(seeded_modern, x[:1])) == ["act1", "pool1", "act2", "pool2"]


def test_compare_models_small(seeded_net, seeded_modern, small):
    from lenet_viz.data import Dataset, Split
    from lenet_viz.train import accuracy, fused

    x, y = small
    data = Dataset("tiny", Split(x, y), Split(x, y), tuple("0123456789"), "tiny")
    out = an.compare_models({"a": seeded_net, "b": seeded_modern}, data, batch_size=BATCH)
    assert [s.name for s in out] == ["a", "b"]
    assert out[0].accuracy == accuracy(fused(seeded_net.net), x, y)
    assert sum(p[2] for p in out[0].params) == out[0].total_params == 61706
    assert {r["activation"] for r in out[1].stats} == {"relu"}
    assert all(np.isnan(r["saturated"]) and 0 <= r["zero"] <= 1 for r in out[1].stats)


# ---------------------------------------------------------------- 4. top activating examples

def _brute_force(model, x, ranked, k, measure):
    """Every activation materialised (from the same batches the stream sees), then one stable sort."""
    parts = [trace(model, x[i:i + BATCH])[ranked] for i in range(0, len(x), BATCH)]
    a = np.concatenate([p.pre if measure == "pre" else p.output for p in parts])
    n, c, h, w = a.shape
    flat = a.reshape(n, c, h * w)
    vals, idx, pos = [], [], []
    for ch in range(c):
        score = flat[:, ch].max(axis=1)
        order = np.argsort(-score, kind="stable")[:k]  # stable: ties keep the smaller index first
        arg = flat[order, ch].argmax(axis=1)
        vals.append(score[order])
        idx.append(order)
        pos.append(np.stack([arg // w, arg % w], axis=1))
    return np.array(vals), np.array(idx), np.array(pos)


@pytest.mark.parametrize("which,measure", [("lenet5", "pre"), ("lenet5", "output"), ("modern", "pre")])
def test_top_k_equals_brute_force_sort(seeded_net, seeded_modern, small, which, measure):
    model = seeded_net if which == "lenet5" else seeded_modern
    x, _ = small
    k = 5
    tops = an.top_activations(model, x, k=k, batch_size=BATCH, measure=measure)
    convs = ["conv1", "conv2"] if which == "lenet5" else ["conv1", "conv2", "conv3"]
    assert [t.conv for t in tops] == convs
    for top in tops:
        v, i, p = _brute_force(model, x, top.layer, k, top.measure)
        np.testing.assert_array_equal(top.indices, i)
        np.testing.assert_array_equal(top.values, v)
        np.testing.assert_array_equal(top.positions, p)
        assert top.n_seen == len(x) and top.kernel.shape[0] == v.shape[0]


def test_top_k_ties_go_to_the_smaller_index(seeded_net, small):
    x, _ = small
    dup = np.concatenate([x[:6], x[:6], x[:6]])  # every score appears three times
    top = an.top_activations(seeded_net, dup, k=3, layers=["conv1"], batch_size=4)[0]
    for c in range(top.values.shape[0]):
        assert top.values[c, 0] == top.values[c, 1] == top.values[c, 2]
        assert list(top.indices[c]) == sorted(top.indices[c]) and top.indices[c, 0] < 6


def test_top_k_checks_input(seeded_net, small):
    x, _ = small
    with pytest.raises(LenetVizError, match="k must be"):
        an.top_activations(seeded_net, x[:3], k=4)
    with pytest.raises(LenetVizError, match="not conv layers: dense1"):
        an.top_activations(seeded_net, x, layers=["dense1"])
    with pytest.raises(LenetVizError, match="measure"):
        an.top_activations(seeded_net, x, measure="max")


def test_receptive_field_geometry(seeded_net, small):
    """conv1 at the argmax equals the kernel applied to the crop; conv2 ignores pixels outside its box."""
    x, _ = small
    t = trace(seeded_net, x[:4])
    assert an.rf_geometry(t, "conv1") == (5, 1, 2)
    assert an.rf_geometry(t, "conv2") == (14, 2, 2)
    top = an.top_activations(seeded_net, x[:4], k=1, batch_size=4)
    c1 = top[0]
    w, b = t["conv1"].weights["weight"], t["conv1"].weights["bias"]
    for c in range(6):
        crop = an.rf_crop(x[c1.indices[c, 0], 0], *c1.box(c, 0), c1.rf)
        assert float((w[c, 0] * crop).sum() + b[c]) == pytest.approx(float(c1.values[c, 0]), abs=1e-4)
    c2 = top[1]
    for c in (0, 7):
        i = int(c2.indices[c, 0])
        r0, q0 = c2.box(c, 0)
        noisy = np.random.RandomState(c).rand(1, 1, 28, 28).astype(np.float32)
        inside = np.zeros((28, 28), bool)
        inside[max(r0, 0):r0 + c2.rf, max(q0, 0):q0 + c2.rf] = True
        noisy[0, 0][inside] = x[i, 0][inside]  # same pixels inside the box, noise outside
        r, q = c2.positions[c, 0]
        z = trace(seeded_net, np.concatenate([x[i:i + 1], noisy]))["conv2"].pre[:, c, r, q]
        assert z[1] == pytest.approx(z[0], abs=1e-4)


def test_rf_crop_pads_with_fill():
    img = np.arange(28 * 28, dtype=np.float32).reshape(28, 28)
    crop = an.rf_crop(img, -2, -2, 5, margin=1)
    assert crop.shape == (7, 7)
    assert (crop[:3, :] == 0).all() and (crop[:, :3] == 0).all()
    np.testing.assert_array_equal(crop[3:, 3:], img[:4, :4])
    np.testing.assert_array_equal(an.rf_crop(img, 10, 12, 5), img[10:15, 12:17])


# ---------------------------------------------------------------- 5. occlusion

@pytest.fixture(scope="module")
def trained():
    """The shipped lenet5: a random net's output hardly depends on its input, a trained one's does."""
    from lenet_viz.model import load_model

    return load_model("lenet5")


@pytest.fixture(scope="module")
def half_blank(small):
    """A real digit with its lower half erased: rows 14–27 are exactly the background (0)."""
    x = small[0][3].copy()
    x[0, 14:] = 0.0
    return x


def test_occlusion_of_a_blank_region_changes_nothing(trained, half_blank):
    occ = an.occlusion_map(trained, half_blank, patch=6, stride=2)
    blank_rows = occ.rows >= 14  # patches lying wholly in the erased half
    assert blank_rows.sum() == 5  # rows 14, 16, …, 22
    np.testing.assert_allclose(occ.drop[blank_rows], 0.0, atol=1e-6)
    assert (occ.predicted[blank_rows] == occ.target).all()
    assert np.abs(occ.drop[~blank_rows]).max() > 0.01  # elsewhere the patch does erase ink
    # A gray patch over the same blank region is new ink, and the net reacts to it: why 0 is used.
    gray = an.occlusion_map(trained, half_blank, patch=6, stride=2, value=0.5)
    assert np.abs(gray.drop[blank_rows]).max() > 0.01


def test_occlusion_equals_a_direct_loop(trained, small):
    x = small[0][5]
    occ = an.occlusion_map(trained, x, patch=5, stride=4, batch_size=9)
    assert list(occ.rows) == list(occ.cols) == [0, 4, 8, 12, 16, 20, 23]  # last flush with the edge
    p0 = trained.predict_proba(x[None])[0]
    assert occ.target == int(p0.argmax()) and occ.p0 == pytest.approx(float(p0.max()))
    expected = np.zeros((7, 7))
    for a, r in enumerate(occ.rows):
        for b, c in enumerate(occ.cols):
            img = x.copy()
            img[0, r:r + 5, c:c + 5] = 0.0
            expected[a, b] = p0[occ.target] - trained.predict_proba(img[None])[0, occ.target]
    np.testing.assert_allclose(occ.drop, expected, atol=1e-5)
    # the pixel map is the mean over the patches covering each pixel
    covering = [(a, b) for a, r in enumerate(occ.rows) for b, c in enumerate(occ.cols)
                if r <= 22 < r + 5 and c <= 3 < c + 5]
    assert occ.pixel[22, 3] == pytest.approx(np.mean([occ.drop[a, b] for a, b in covering]), abs=1e-6)
    assert occ.pixel.shape == (28, 28) and np.isfinite(occ.pixel).all()


def test_occlusion_with_the_fast_predictor_agrees(small):
    from lenet_viz.model import load_model

    model = load_model("lenet5")  # a private copy: fast_predictor hybridizes the net's layers
    x = small[0][7]
    slow = an.occlusion_map(model, x)
    fast = an.occlusion_map(model, x, predict=an.fast_predictor(model))
    np.testing.assert_allclose(fast.drop, slow.drop, atol=1e-5)
    assert fast.target == slow.target and (fast.predicted == slow.predicted).all()
    assert len(trace(model, x[None]).layers) == 7  # tracing still sees every layer afterwards


def test_occlusion_target_and_input_checks(seeded_net, small):
    x = small[0][0]
    occ = an.occlusion_map(seeded_net, x, target=3)
    assert occ.target == 3 and occ.drop.shape == (12, 12)
    with pytest.raises(LenetVizError, match="target"):
        an.occlusion_map(seeded_net, x, target=10)
    with pytest.raises(LenetVizError, match="patch"):
        an.occlusion_map(seeded_net, x, patch=0)
    with pytest.raises(LenetVizError, match="28×28"):
        an.occlusion_map(seeded_net, np.zeros((2, 28, 28)))


# ---------------------------------------------------------------- figures

def test_figures_are_pure_and_shaped(seeded_net, small, half_blank):
    from matplotlib.figure import Figure

    from lenet_viz.render import analysis as ra

    dyn, ini = an.load_record("dynamics"), an.load_record("init")
    fig = ra.dynamics_figure(dyn)
    assert isinstance(fig, Figure) and len(fig.axes) == 5
    labels = [ln.get_label() for ln in fig.axes[1].lines if not ln.get_label().startswith("_")]
    assert labels == ["conv1", "conv2", "dense1", "dense2"]  # one saturation line per sigmoid layer
    grid = ra.histogram_grid(dyn)
    assert len(grid.axes) == 4 * len(dyn["summary"]["hist_epochs"])
    layers = ra.init_layers_figure(ini)
    assert len(layers.axes) == 12 and len(layers.axes[0].lines) == 3  # one line per init
    x, y = small
    top = an.top_activations(seeded_net, x, k=4, layers=["conv1"])[0]
    tf = ra.top_examples_figure(top, x, y)
    assert len(tf.axes) == 2 * 6  # kernel + crops per channel
    occ = an.occlusion_map(seeded_net, half_blank)
    of = ra.occlusion_figure(half_blank, occ, "d")
    np.testing.assert_array_equal(of.axes[1].images[0].get_array(), occ.pixel)
    lim = of.axes[1].images[0].get_clim()
    assert lim[0] == -lim[1] == pytest.approx(-float(np.abs(occ.pixel).max()))


def test_probe_with_gradients_leaves_training_unchanged():
    """The per-epoch probe must observe, not steer: BatchNorm statistics are put back."""
    from lenet_viz.analysis import probe_batch, saturation_probe
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
