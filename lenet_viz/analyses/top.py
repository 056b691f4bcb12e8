"""Top activating examples: for each conv channel, the inputs that excite it most."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import LenetVizError
from ..facts import activation_layer


@dataclass
class TopK:
    """The k inputs that excite each channel of one layer most (max over positions).

    Attributes:
        layer: the layer whose activation is ranked (the conv itself when its activation is fused,
            else the activation layer after it).
        conv: the conv layer that owns the kernels.
        measure: ``"pre"`` (ranked on the pre-activation z, which a monotonic activation preserves
            but does not squash into ties) or ``"output"``.
        values: (C, k) the channel's maximum for each chosen input, descending.
        indices: (C, k) indices of the inputs into the ranked set.
        positions: (C, k, 2) (row, col) of the maximum in the layer's output map.
        rf, jump, offset: receptive field size, stride in input pixels and the padding offset:
            output unit (i, j) sees input rows ``i*jump - offset … i*jump - offset + rf - 1``.
        n_seen: inputs ranked.
        kernel: the conv's weight (C, in, kh, kw).
    """

    layer: str
    conv: str
    measure: str
    values: np.ndarray
    indices: np.ndarray
    positions: np.ndarray
    rf: int
    jump: int
    offset: int
    n_seen: int = 0
    kernel: np.ndarray | None = field(default=None, repr=False)

    def box(self, c: int, j: int) -> tuple[int, int]:
        """Top-left input pixel (row, col) of the receptive field of entry ``j`` of channel ``c``."""
        r, q = self.positions[c, j]
        return int(r) * self.jump - self.offset, int(q) * self.jump - self.offset


def rf_geometry(t: Any, layer: str) -> tuple[int, int, int]:
    """``(rf, jump, offset)`` of ``layer`` in trace ``t``, from its ``rf``, ``rf_jump`` and the paddings."""
    offset, jump = 0, 1
    for r in t.layers:
        if r.kind in ("conv", "pool"):
            offset += int(r.config.get("padding", 0)) * jump
        jump = r.rf_jump
        if r.name == layer:
            return int(r.rf), int(r.rf_jump), offset
    raise LenetVizError(f"no layer {layer!r}; layers: {', '.join(t.names)}")


def conv_channels(t: Any) -> list:
    """``(conv, ranked layer)`` for every conv of trace ``t``: the conv's activation output."""
    return [(r.name, activation_layer(t, r.name)) for r in t.layers if r.kind == "conv"]


def _merge_topk(vals: np.ndarray, idx: np.ndarray, pos: np.ndarray, k: int) -> tuple:
    """Per row, the k largest values; ties go to the smaller input index (same as a stable sort)."""
    order = np.lexsort((idx, -vals), axis=-1)[..., :k]
    take = np.take_along_axis
    return take(vals, order, -1), take(idx, order, -1), take(pos, order[..., None], 1)


def channel_scores(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per input and channel of maps (N, C, H, W): the maximum over positions and its (row, col),
    the first maximum in row-major order. Returns ``(values (N, C), positions (N, C, 2))``."""
    n, c, h, w = a.shape
    flat = a.reshape(n, c, h * w)
    arg = flat.argmax(axis=2)
    vals = np.take_along_axis(flat, arg[..., None], 2)[..., 0]
    return vals, np.stack(np.divmod(arg, w), axis=-1)


def top_activations(model: Any, x: np.ndarray, k: int = 8, layers: Sequence[str] | None = None,
                    batch_size: int = 250, measure: str = "pre") -> list:
    """For each channel of each conv layer, the ``k`` inputs of ``x`` that excite it most.

    Streams ``x`` in batches and keeps only a running top-k per channel (never all activations).
    A channel's score for an input is the maximum of its map over positions; ties are broken by the
    smaller input index, and the argmax is the first maximum in row-major order.

    Args:
        model: anything :func:`~lenet_viz.capture.trace` accepts.
        x: images (N,1,28,28).
        k: examples per channel (1..N).
        layers: conv layer names (default: every conv); each is ranked on its activation.
        batch_size: images per forward pass.
        measure: ``"pre"`` ranks on the activation's input z (sigmoid and ReLU are monotonic, so the
            order is the same, but saturated sigmoid outputs of exactly 1.0 would tie); ``"output"``
            ranks on the activation's output. Layers without a recorded pre-activation use the output.
    Returns:
        one :class:`TopK` per conv layer, in net order.
    Raises:
        LenetVizError: k out of range, unknown or non-conv layer, bad batch size or measure.
    """
    from ..capture import check_input, trace

    x = check_input(x)
    n = len(x)
    if not 1 <= k <= n:
        raise LenetVizError(f"k must be 1..{n} (the number of inputs), got {k}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise LenetVizError(f"batch_size must be a positive integer, got {batch_size!r}")
    if measure not in ("pre", "output"):
        raise LenetVizError(f"measure must be 'pre' or 'output', got {measure!r}")
    t0 = trace(model, x[:1])
    pairs = conv_channels(t0)
    if layers is not None:
        known = dict(pairs)
        bad = [name for name in layers if name not in known]
        if bad:
            raise LenetVizError(f"not conv layers: {', '.join(bad)}; "
                                f"conv layers: {', '.join(known) or 'none'}")
        pairs = [(c, known[c]) for c in layers]
    use_pre = {r: measure == "pre" and t0[r].pre is not None for _, r in pairs}
    running: dict = {}
    for start in range(0, n, batch_size):
        t = trace(model, x[start:start + batch_size])
        for conv, ranked in pairs:
            rec = t[ranked]
            vals, pos = channel_scores(rec.pre if use_pre[ranked] else rec.output)
            vals, pos = vals.T, pos.transpose(1, 0, 2)  # (C, B), (C, B, 2)
            idx = np.broadcast_to(np.arange(start, start + len(rec.output)), vals.shape)
            if conv in running:
                pv, pi, pp = running[conv]
                vals, idx, pos = (np.concatenate([pv, vals], 1), np.concatenate([pi, idx], 1),
                                  np.concatenate([pp, pos], 1))
            running[conv] = _merge_topk(vals, idx, pos, k)
        del t  # one batch of activations at a time
    out = []
    for conv, ranked in pairs:
        v, i, p = running[conv]
        rf, jump, offset = rf_geometry(t0, ranked)
        out.append(TopK(ranked, conv, "pre" if use_pre[ranked] else "output", v, i, p, rf, jump, offset, n,
                        t0[conv].weights.get("weight")))
    return out
