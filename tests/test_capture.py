"""Capture: every layer's tensors against an independent symbolic oracle, hooks and hybridization
restored (also when the forward raises), the seed's own d2l code, names, errors and the Trace API."""

import warnings
from pathlib import Path

import numpy as np
import pytest

from lenet_viz._mx import autograd, gluon, init, mnp, mx, nn, seed_all
from lenet_viz.capture import trace
from lenet_viz.errors import CaptureError
from lenet_viz.model import build_net, load_model

WEIGHTS = Path(__file__).resolve().parents[1] / "lenet_viz" / "weights"
LENET5_NAMES = ["conv1", "pool1", "conv2", "pool2", "dense1", "dense2", "dense3"]
MODERN_NAMES = ["conv1", "bn1", "act1", "pool1", "conv2", "bn2", "act2", "pool2",
                "conv3", "bn3", "act3", "gap1", "flatten1", "dense1"]
CONTAINERS = ("Sequential", "HybridSequential")


# --- helpers written independently of lenet_viz.capture -------------------------------------------

def all_blocks(net):
    """Every block of ``net`` (containers, layers and their ``.act`` children)."""
    out = [net]
    for child in net._children.values():
        out.extend(all_blocks(child))
    return out


def layer_blocks(net):
    """Leaf layers in order, flattening nested Sequentials."""
    out = []
    for child in net._children.values():
        out.extend(layer_blocks(child) if type(child).__name__ in CONTAINERS else [child])
    return out


def state(net):
    """What a capture must leave untouched: hooks and hybridization flags of every block."""
    return [(b.name, getattr(b, "_active", None), len(b._forward_hooks), len(b._forward_pre_hooks))
            for b in all_blocks(net)]


def hybridized(net, active=True):
    # Sequential.hybridize warns that HybridSequential would be faster; that is the point here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net.hybridize(active=active)
    return net


def clone(model):
    """A fresh net with the same architecture and weights (so fixtures are never hybridized)."""
    net = build_net(model.variant)
    for dst, src in zip(net.collect_params().values(), model.net.collect_params().values()):
        dst.set_data(src.data())
    return net


def oracle(net, x):
    """Every layer's output (and fused pre-activation) from the symbolic graph of ``net``.

    ``net(symbol).get_internals()`` exposes each operator's output; a SymbolBlock sharing the
    net's parameters evaluates them all. Block prefixes map operators to layers.
    """
    data = mx.sym.var("data", dtype="float32")
    internals = net(data.as_np_ndarray()).get_internals()
    names = [n for n in internals.list_outputs() if n.endswith("_output")]
    wanted, index = [], {}
    for b in layer_blocks(net):
        ops = [n for n in names if n.startswith(b.name + "_")]
        assert ops, f"no operator for {b.name} in {names}"
        index[b.name] = (len(wanted), len(wanted) + len(ops) - 1)
        wanted.extend(ops)
    block = gluon.SymbolBlock([internals[n].as_np_ndarray() for n in wanted], data.as_np_ndarray(),
                              params=net.collect_params())
    values = [v.asnumpy() for v in block(mnp.array(x))]
    return {name: (values[last], values[first] if last != first else None)
            for name, (first, last) in index.items()}


def assert_matches_oracle(t, net, x):
    ref = oracle(net, x)
    blocks = layer_blocks(net)
    assert len(t.layers) == len(blocks)
    prev_out = t.input
    for rec, b in zip(t.layers, blocks):
        out, pre = ref[b.name]
        np.testing.assert_allclose(rec.output, out, rtol=0, atol=1e-6, err_msg=rec.name)
        if getattr(b, "act", None) is not None:
            np.testing.assert_allclose(rec.pre, pre, rtol=0, atol=1e-6, err_msg=rec.name + ".pre")
        elif rec.kind == "act":
            np.testing.assert_array_equal(rec.pre, prev_out, err_msg=rec.name + ".pre")
        else:
            assert rec.pre is None, rec.name
        if rec.activation == "sigmoid":
            np.testing.assert_allclose(rec.output, 1 / (1 + np.exp(-rec.pre.astype(np.float64))),
                                       rtol=0, atol=1e-6, err_msg=rec.name)
        prev_out = rec.output
    logits = ref[blocks[-1].name][0]
    soft = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(t.probabilities, soft / soft.sum(1, keepdims=True), atol=1e-6)


def shipped(name):
    # Skip-free on purpose: the shipped weights are part of the product.
    assert (WEIGHTS / f"{name}.params").exists(), f"shipped weights {name}.params missing in {WEIGHTS}"
    return load_model(name)


# --- the oracle -----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["seeded-lenet5", "seeded-modern", "shipped-lenet5", "shipped-modern"])
@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
def test_every_layer_matches_symbolic_oracle(source, hybridize, request, digits):
    kind, variant = source.split("-")
    if kind == "seeded":
        model = request.getfixturevalue("seeded_net" if variant == "lenet5" else "seeded_modern")
    else:
        model = shipped(variant)
    x = digits[0]
    net = hybridized(clone(model)) if hybridize else model.net
    if hybridize:
        net(mnp.array(x))  # build the cached graph: the capture must work around it
    before = state(net)
    t = trace(net, x)
    assert state(net) == before  # no hook left behind, _active flags as they were
    assert t.names == (LENET5_NAMES if variant == "lenet5" else MODERN_NAMES)
    assert_matches_oracle(t, net, x)
    if hybridize:  # the cached graph still runs and agrees with the capture
        assert all(b._active for b in all_blocks(net) if hasattr(b, "_active"))
        np.testing.assert_allclose(net(mnp.array(x)).asnumpy(), t.layers[-1].output, atol=1e-6)


def test_hybrid_sequential_is_captured(digits):
    seed_all(0)
    plain = build_net("lenet5")
    net = nn.HybridSequential()
    net.add(*plain._children.values())
    hybridized(net)(mnp.array(digits[0]))
    before = state(net)
    t = trace(net, digits[0])
    assert state(net) == before and net._active
    assert t.names == LENET5_NAMES
    assert_matches_oracle(t, net, digits[0])


# --- hooks are removed ----------------------------------------------------------------------------

@pytest.fixture
def hook_calls(monkeypatch):
    """Counts every call of every forward hook registered from now on."""
    calls = {"n": 0}
    original = gluon.Block.register_forward_hook

    def register(block, hook):
        def counted(*args):
            calls["n"] += 1
            return hook(*args)
        return original(block, counted)

    monkeypatch.setattr(gluon.Block, "register_forward_hook", register)
    return calls


def test_no_hook_runs_after_capture(seeded_net, digits, hook_calls):
    trace(seeded_net, digits[0])
    assert hook_calls["n"] >= 7 + 4  # 7 layers + 4 fused activations did fire during the capture
    hook_calls["n"] = 0
    seeded_net.net(mnp.array(digits[0]))
    assert hook_calls["n"] == 0
    assert all(not b._forward_hooks for b in all_blocks(seeded_net.net))


def test_hooks_and_hybridization_restored_when_forward_raises(seeded_net, digits, hook_calls,
                                                              monkeypatch):
    net = hybridized(clone(seeded_net))
    before = state(net)

    def boom(*args, **kwargs):
        raise RuntimeError("boom in dense1")

    monkeypatch.setattr(net[4], "hybrid_forward", boom)  # after conv/pool hooks have fired
    with pytest.raises(RuntimeError, match="boom in dense1"):
        trace(net, digits[0])
    assert hook_calls["n"] > 0
    assert state(net) == before
    monkeypatch.undo()
    hook_calls["n"] = 0
    hybridized(net, active=False)(mnp.array(digits[0]))  # so even .act hooks would fire
    assert hook_calls["n"] == 0


def test_hooks_removed_after_uninitialised_net():
    net = nn.Sequential()
    net.add(nn.Dense(10, activation="sigmoid"), nn.Dense(3))
    with pytest.raises(CaptureError, match="uninitialised"):
        trace(net, np.zeros((1, 1, 28, 28), "float32"))
    assert all(not b._forward_hooks for b in all_blocks(net))


# --- the seed's own code --------------------------------------------------------------------------

def test_seed_d2l_lenet_pasted_verbatim(digits):
    from d2l import mxnet as d2l
    from mxnet import init as mx_init
    from mxnet.gluon import nn as d2l_nn

    # d2l 7.6, as printed in the book.
    class LeNet(d2l.Classifier):
        def __init__(self, lr=0.1, num_classes=10):
            super().__init__()
            self.save_hyperparameters()
            self.net = d2l_nn.Sequential()
            self.net.add(d2l_nn.Conv2D(channels=6, kernel_size=5, padding=2, activation='sigmoid'),
                         d2l_nn.AvgPool2D(pool_size=2, strides=2),
                         d2l_nn.Conv2D(channels=16, kernel_size=5, activation='sigmoid'),
                         d2l_nn.AvgPool2D(pool_size=2, strides=2),
                         d2l_nn.Dense(120, activation='sigmoid'),
                         d2l_nn.Dense(84, activation='sigmoid'),
                         d2l_nn.Dense(num_classes))

    mx.random.seed(0)
    model = LeNet()
    model.initialize(mx_init.Xavier())  # deferred: shapes are inferred during the capture itself
    t = trace(model, digits[0])
    assert t.names == LENET5_NAMES
    assert t.model == "LeNet"
    assert [r.output_shape[1:] for r in t] == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5),
                                               (120,), (84,), (10,)]
    assert t.input.shape[1:] == (1, 28, 28)
    assert t.total_params == 61_706
    assert_matches_oracle(t, model.net, digits[0])


def test_lenet_classifier(digits):
    from lenet_viz.model import lenet_classifier

    t = trace(lenet_classifier(), digits[0])
    assert t.names == LENET5_NAMES and t.total_params == 61_706
    assert t.probabilities.shape == (10, 10)


# --- errors ---------------------------------------------------------------------------------------

class Custom(gluon.HybridBlock):
    def hybrid_forward(self, F, x):
        return x * 2


@pytest.mark.parametrize("make, name", [
    (lambda: gluon.rnn.LSTM(8), "LSTM"),
    (lambda: nn.Embedding(10, 4), "Embedding"),
    (lambda: Custom(), "Custom"),
])
def test_unsupported_block_is_named(make, name):
    net = nn.Sequential()
    inner = nn.HybridSequential()
    inner.add(make())
    net.add(nn.Dense(4), inner)
    net.initialize()
    with pytest.raises(CaptureError, match=rf"unsupported block {name} at position 0"):
        trace(net, np.zeros((1, 1, 28, 28), "float32"))
    assert all(not b._forward_hooks for b in all_blocks(net))


def test_unsupported_top_level_net():
    net = Custom()
    net.initialize()
    with pytest.raises(CaptureError, match="unsupported net Custom"):
        trace(net, np.zeros((1, 1, 28, 28), "float32"))


@pytest.mark.parametrize("x", [
    np.zeros((28, 28), "float32"),
    np.zeros((1, 3, 28, 28), "float32"),
    np.zeros((1, 1, 32, 32), "float32"),
    np.zeros((0, 1, 28, 28), "float32"),
    np.zeros((1, 1, 28, 28), "uint8"),
    np.full((1, 1, 28, 28), np.nan, "float32"),
    np.full((1, 1, 28, 28), np.inf, "float32"),
    [[0.0] * 28] * 28,
], ids=["28x28", "3-channel", "32x32", "empty", "uint8", "nan", "inf", "list"])
def test_bad_input_states_expected_shape(seeded_net, x):
    with pytest.raises(CaptureError, match=r"\(N,1,28,28\)"):
        trace(seeded_net, x)


def test_not_a_net():
    with pytest.raises(CaptureError, match="cannot trace a str"):
        trace("lenet5", np.zeros((1, 1, 28, 28), "float32"))


def test_mxnet_input_accepted(seeded_net, digits):
    t = trace(seeded_net, mnp.array(digits[0]))
    np.testing.assert_array_equal(t.input, digits[0])


# --- names, export, text --------------------------------------------------------------------------

def test_stable_names(seeded_net, seeded_modern, digits):
    assert trace(seeded_net, digits[0]).names == LENET5_NAMES
    assert trace(seeded_modern, digits[0]).names == MODERN_NAMES
    seed_all(0)
    assert trace(build_net("mlp"), digits[0]).names == ["dense1", "dense2"]
    # MXNet's global prefix counters keep growing; the names must not.
    assert trace(build_net("lenet5"), digits[0]).names == LENET5_NAMES


def test_to_npz_round_trip(seeded_net, seeded_modern, digits, tmp_path):
    for model in (seeded_net, seeded_modern):
        t = trace(model, digits[0])
        path = tmp_path / f"{model.variant}.npz"
        t.to_npz(path)
        with np.load(path) as z:
            loaded = {k: z[k] for k in z.files}
        expected = ["input"]
        for r in t:
            expected.append(r.name)
            if r.activation is not None:
                expected.append(f"{r.name}.pre")
        expected.append("probabilities")
        assert sorted(loaded) == sorted(expected)
        np.testing.assert_array_equal(loaded["input"], digits[0])
        np.testing.assert_array_equal(loaded["probabilities"], t.probabilities)
        for r in t:
            np.testing.assert_array_equal(loaded[r.name], r.output)
            if r.pre is not None:
                np.testing.assert_array_equal(loaded[f"{r.name}.pre"], r.pre)


def test_text_views(seeded_net, digits):
    t = trace(seeded_net, digits[0])
    for text in (repr(t), t._repr_html_(), t.summary()):
        assert all(name in text for name in LENET5_NAMES)
    assert "400 x 120 = 48,000" in t.summary()
    assert "61,706" in t.summary()


def test_layer_metadata(seeded_net, digits):
    t = trace(seeded_net, digits[0])
    conv1, dense1 = t["conv1"], t["dense1"]
    assert conv1.params == {"weight": (6, 1, 5, 5), "bias": (6,)}
    assert conv1.config == {"channels": 6, "kernel": 5, "stride": 1, "padding": 2}
    np.testing.assert_array_equal(conv1.weights["weight"], seeded_net.net[0].weight.data().asnumpy())
    assert conv1.macs == 6 * 28 * 28 * 25 and dense1.macs == 48_000
    assert [r.rf for r in t] == [5, 6, 14, 16, 28, 28, 28]
    assert t["pool1"].config["pool"] == "avg"


def test_deterministic(seeded_modern, digits):
    a, b = trace(seeded_modern, digits[0]).arrays(), trace(seeded_modern, digits[0]).arrays()
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_trace_is_a_private_copy(seeded_net, digits):
    x = digits[0].copy()
    t = trace(seeded_net, x)
    x[:] = 0
    np.testing.assert_array_equal(t.input, digits[0])


# --- nesting and the other supported blocks -------------------------------------------------------

def test_nested_sequential_and_other_blocks(digits):
    mx.random.seed(0)
    inner = nn.HybridSequential()
    inner.add(nn.Conv2D(4, kernel_size=3, padding=1), nn.BatchNorm(in_channels=4), nn.Activation("relu"),
              nn.MaxPool2D(pool_size=2, strides=2))
    deeper = nn.Sequential()
    deeper.add(inner, nn.Dropout(0.5))
    net = nn.Sequential()
    net.add(deeper, nn.GlobalAvgPool2D(), nn.Flatten(), nn.Dense(10))
    net.initialize(init.Xavier())
    bn = inner[1]
    running = bn.running_mean.data().asnumpy().copy()
    with autograd.record():  # even in a training scope, the capture runs in inference mode
        t = trace(net, digits[0])
    assert t.names == ["conv1", "bn1", "act1", "pool1", "dropout1", "gap1", "flatten1", "dense1"]
    assert [r.kind for r in t] == ["conv", "bn", "act", "pool", "dropout", "gap", "flatten", "dense"]
    assert [r.output_shape[1:] for r in t] == [(4, 28, 28), (4, 28, 28), (4, 28, 28), (4, 14, 14),
                                               (4, 14, 14), (4, 1, 1), (4,), (10,)]
    assert t["act1"].activation == "relu" and t["pool1"].config["pool"] == "max"
    assert t["bn1"].params == {"gamma": (4,), "beta": (4,)}  # running statistics are not learnable
    np.testing.assert_array_equal(t["dropout1"].output, t["pool1"].output)  # no dropout at inference
    np.testing.assert_array_equal(bn.running_mean.data().asnumpy(), running)
    assert_matches_oracle(t, net, digits[0])


def test_shared_block_used_twice(digits):
    mx.random.seed(0)
    shared = nn.Dense(784, activation="sigmoid")
    net = nn.Sequential()
    net.add(nn.Flatten(), shared, shared, nn.Dense(10))
    net.initialize(init.Xavier())
    t = trace(net, digits[0])
    assert t.names == ["flatten1", "dense1", "dense2", "dense3"]
    for name in ("dense1", "dense2"):
        np.testing.assert_allclose(t[name].output, 1 / (1 + np.exp(-t[name].pre)), atol=1e-6)
    assert not np.allclose(t["dense1"].pre, t["dense2"].pre)
