"""Record every layer of a Gluon net with forward hooks, into a plain :class:`~lenet_viz.tracedata.Trace`.

Hooks are registered on every leaf block and on the ``.act`` child of a Conv2D/Dense with a fused
activation, and are always detached in ``finally``. Hybridized blocks run imperatively during the
capture (hooks on the children of a cached graph do not fire) and get their state back afterwards.

Hooks only keep references to MXNet's output arrays; they are copied to numpy after the whole forward
pass has been queued, so the engine is never made to stop and wait inside the forward.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .errors import CaptureError, mxnet_message
from .tracedata import LayerRecord, Trace

_KIND = {
    "Conv2D": "conv", "Dense": "dense", "AvgPool2D": "pool", "MaxPool2D": "pool",
    "GlobalAvgPool2D": "gap", "GlobalMaxPool2D": "gap", "BatchNorm": "bn",
    "Activation": "act", "Flatten": "flatten", "Dropout": "dropout",
}
SUPPORTED = tuple(_KIND)
_CONTAINERS = ("Sequential", "HybridSequential")
INPUT_SHAPE = (1, 28, 28)


def _is_gluon(block: Any, names: Any) -> bool:
    # Match on the class *and* its home: a user class that happens to be called ``Dense`` (or a
    # subclass of Sequential with its own forward) would be recorded wrongly, so it is rejected.
    cls = type(block)
    return cls.__name__ in names and cls.__module__.startswith("mxnet.gluon")


def unwrap(model: Any) -> tuple[Any, str, str]:
    """The Gluon net inside ``model`` plus a label and variant, for a Model, a d2l model or a net.

    Args:
        model: a :class:`~lenet_viz.model.Model`, a ``d2l.Classifier`` or a Gluon block.
    Returns:
        ``(net, label, variant)``.
    Raises:
        CaptureError: ``model`` is not a Gluon block and holds none as ``.net``.
    """
    net = getattr(model, "net", model)
    label = getattr(model, "source", "") or type(model).__name__
    variant = getattr(model, "variant", "")
    if not hasattr(net, "register_forward_hook") or not hasattr(net, "_children"):
        raise CaptureError(f"cannot trace a {type(model).__name__}: expected a lenet_viz Model, a "
                           f"d2l.Classifier with .net, or a Gluon Sequential/HybridSequential")
    return net, label, variant


def leaves(net: Any) -> list:
    """The net's layers in call order, flattening nested (Hybrid)Sequentials.

    Args:
        net: a Gluon ``Sequential``/``HybridSequential``.
    Returns:
        the leaf blocks (Conv2D, Dense, pools, …) in the order they run.
    Raises:
        CaptureError: ``net`` is not a Sequential, or holds a block that cannot be traced (named).
    """
    # Checked before walking: a custom block's children say nothing about the order its forward
    # calls them in.
    if not _is_gluon(net, _CONTAINERS):
        raise CaptureError(f"unsupported net {type(net).__name__}: expected a Gluon Sequential or "
                           f"HybridSequential (or a d2l.Classifier whose .net is one)")
    out = []
    for i, child in enumerate(net._children.values()):
        if _is_gluon(child, _CONTAINERS):
            out.extend(leaves(child))
        elif _is_gluon(child, _KIND):
            out.append(child)
        else:
            raise CaptureError(
                f"unsupported block {type(child).__name__} at position {i} of {type(net).__name__}: "
                f"lenet-viz traces Sequential nets of {', '.join(SUPPORTED)}")
    return out


def check_input(x: Any) -> np.ndarray:
    """Validate images before any work is done, without copying them.

    Args:
        x: numpy or MXNet array of shape (N,1,28,28), float, finite.
    Returns:
        ``x`` as a numpy array (MXNet arrays are copied to the host, numpy arrays are not copied).
    Raises:
        CaptureError: not an array, wrong shape, non-float dtype, NaN or infinity; the message
            states the expected shape.
    """
    from ._mx import mx

    expected = "expected float images of shape (N,1,28,28) with N >= 1"
    if isinstance(x, mx.nd.NDArray):
        x = x.asnumpy()
    if not isinstance(x, np.ndarray):
        raise CaptureError(f"input is a {type(x).__name__}; {expected} as a numpy or MXNet array")
    if x.ndim != 4 or x.shape[1:] != INPUT_SHAPE or x.shape[0] < 1:
        raise CaptureError(f"input has shape {tuple(x.shape)}; {expected} "
                           f"(use load_digit() for an image file, or x[None, None] for one 28x28 array)")
    if not np.issubdtype(x.dtype, np.floating):
        raise CaptureError(f"input has dtype {x.dtype}; {expected}, values in [0,1] "
                           f"(divide uint8 pixels by 255)")
    if not np.isfinite(x).all():
        raise CaptureError(f"input contains NaN or infinite values; {expected}, finite values in [0,1]")
    return x


def _as_input(x: Any) -> np.ndarray:
    # A private float32 copy: the Trace must not change if the caller later edits its array.
    return np.array(check_input(x), dtype=np.float32)


@contextmanager
def imperative(net: Any) -> Iterator[None]:
    """Run every hybridized block of ``net`` imperatively inside the block; restore afterwards.

    Setting ``_active`` directly (instead of ``hybridize(active=False)``) keeps the user's
    hybridize flags such as ``static_alloc`` and the cached graph, which is still valid afterwards
    because neither the graph nor the parameters change during a capture.

    Args:
        net: any Gluon block.
    """
    blocks = []

    def walk(b: Any) -> None:
        blocks.append(b)
        for c in b._children.values():
            walk(c)

    walk(net)
    saved = [(b, b._active) for b in blocks if hasattr(b, "_active")]
    try:
        for b, _ in saved:
            b._active = False
        yield
    finally:
        for b, active in saved:
            b._active = active


def _config(block: Any, kind: str) -> tuple[dict, str | None]:
    kw = getattr(block, "_kwargs", {}) or {}
    act = getattr(block, "act", None)
    activation = act._act_type if act is not None else None
    if kind == "conv":
        cfg = {"channels": kw["num_filter"], "kernel": kw["kernel"][0], "stride": kw["stride"][0],
               "padding": kw["pad"][0]}
    elif kind == "pool":
        cfg = {"kernel": kw["kernel"][0], "stride": kw["stride"][0], "padding": kw["pad"][0],
               "pool": kw["pool_type"]}
    elif kind == "gap":
        cfg = {"pool": kw.get("pool_type", "avg")}
    elif kind == "dense":
        cfg = {"units": block._units}
    elif kind == "act":
        activation = block._act_type
        cfg = {}
    elif kind == "dropout":
        cfg = {"rate": getattr(block, "_rate", None)}
    else:
        cfg = {}
    return cfg, activation


def _params(block: Any, kind: str) -> tuple[dict, dict, int]:
    shapes, weights, n = {}, {}, 0
    # ``_reg_params`` is keyed by attribute name (weight, bias, gamma, running_mean…). Running
    # statistics are not learnable; they are recognised by ``_differentiable`` rather than by
    # ``grad_req``, so a frozen (grad_req='null') conv still shows its kernels and counts.
    for key, p in block._reg_params.items():
        if not getattr(p, "_differentiable", p.grad_req != "null"):
            continue
        shapes[key] = tuple(p.shape)
        n += int(np.prod(p.shape))
        if kind in ("conv", "dense"):
            weights[key] = p.data().asnumpy()
    return shapes, weights, n


def _forward(net: Any, layers: list, data: np.ndarray) -> tuple[list, np.ndarray]:
    """Run ``data`` through ``net`` with hooks on ``layers``.

    Returns:
        ``(rows, probabilities)``: one ``(block, input shape, output, pre)`` row per layer call, in
        completion order, with numpy arrays; the softmax of the net's output.
    """
    from ._mx import autograd, mx, npx

    calls: list = []
    pending: dict = {}  # the pre-activation seen by the .act child, claimed by its parent's hook

    def is_array(v: Any) -> bool:
        # During deferred init Gluon calls each block once more with symbols to infer shapes;
        # those calls must pass through untouched or initialisation fails.
        return isinstance(v, mx.nd.NDArray)

    def on_act(block: Any, inputs: Any, output: Any) -> None:
        if is_array(output):
            pending["pre"] = inputs[0]

    def on_leaf(block: Any, inputs: Any, output: Any) -> None:
        if not is_array(output):
            return
        # The .act child completes inside its parent's forward, so its hook has just run. Popping
        # (not reading a dict keyed by block) keeps shared blocks used twice correct.
        pre = pending.pop("pre", None) if getattr(block, "act", None) is not None else None
        if _KIND[type(block).__name__] == "act":
            pre = inputs[0]
        calls.append((block, inputs[0], output, pre))

    # One copy per distinct array: a standalone activation's input *is* the previous layer's
    # output, so it is converted once and shared.
    copies: dict = {}

    def host(a: Any) -> np.ndarray | None:
        if a is None:
            return None
        if id(a) not in copies:
            copies[id(a)] = a.asnumpy()
        return copies[id(a)]

    handles = []
    try:
        with imperative(net):
            for b in layers:
                handles.append(b.register_forward_hook(on_leaf))
                act = getattr(b, "act", None)
                if act is not None:
                    handles.append(act.register_forward_hook(on_act))
            try:
                # Inference mode whatever the caller's scope: Dropout and BatchNorm must not
                # randomise or update running statistics, and no autograd graph is kept.
                with autograd.pause(train_mode=False):
                    probs = npx.softmax(net(mx.np.array(data)))
                # The forward is only queued; copying in call order lets the first layers' copies
                # overlap the engine computing the last ones, and engine errors surface here.
                rows = [(b, tuple(i.shape), host(o), host(p)) for b, i, o, p in calls]
                return rows, probs.asnumpy()
            except mx.base.MXNetError as e:
                raise CaptureError(f"forward pass failed: {mxnet_message(e)}") from None
            except RuntimeError as e:
                if "initialize" in str(e):
                    raise CaptureError("the net has uninitialised parameters: call "
                                       "net.initialize() (or load weights) before tracing") from None
                raise
    finally:
        for h in handles:
            h.detach()


def trace(model: Any, x: Any) -> Trace:
    """Run ``x`` through ``model`` and record every layer.

    Args:
        model: a :class:`~lenet_viz.model.Model`, a ``d2l.Classifier`` (its ``.net`` is used), or a
            Gluon ``Sequential``/``HybridSequential`` of the supported blocks.
        x: images, numpy or MXNet array of shape (N,1,28,28), float.
    Returns:
        a :class:`Trace` holding numpy copies of every layer's output (and pre-activation).
    Raises:
        CaptureError: unsupported block, wrong input shape/dtype, uninitialised or failing net.
    """
    net, label, variant = unwrap(model)
    layers = leaves(net)
    if not layers:
        raise CaptureError(f"the {type(net).__name__} has no layers to trace")
    data = _as_input(x)
    rows, probs = _forward(net, layers, data)
    return Trace(input=data, layers=_records(rows), probabilities=probs, model=label, variant=variant)


def _records(calls: list) -> list:
    counts: dict = {}
    records = []
    image = calls[0][1][-1] if calls and len(calls[0][1]) == 4 else 28  # RF is clipped to the image
    rf, jump = 1, 1
    for block, in_shape, out, pre in calls:
        cls = type(block).__name__
        kind = _KIND[cls]
        counts[kind] = counts.get(kind, 0) + 1
        cfg, activation = _config(block, kind)
        shapes, weights, n_params = _params(block, kind)
        macs = 0
        if kind in ("conv", "pool"):
            rf += (cfg["kernel"] - 1) * jump
            jump *= cfg["stride"]
        elif kind in ("gap", "dense", "flatten") and len(in_shape) == 4:
            rf += (in_shape[2] - 1) * jump
        if kind == "conv" and "weight" in shapes:
            macs = int(np.prod(out.shape[1:]) * np.prod(shapes["weight"][1:]))
        elif kind == "dense" and "weight" in shapes:
            macs = int(shapes["weight"][0] * shapes["weight"][1])
        records.append(LayerRecord(
            name=f"{kind}{counts[kind]}", kind=kind, block=cls, activation=activation,
            input_shape=tuple(in_shape), output_shape=tuple(out.shape), output=out, pre=pre,
            params=shapes, weights=weights, n_params=n_params, macs=macs, rf=min(rf, image),
            rf_jump=jump, config=cfg))
    return records
