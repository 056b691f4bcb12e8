"""What a capture records: plain dataclasses and numpy arrays, no MXNet inside.

Naming rules (stable across runs, never MXNet's global counters):
- a layer is named by kind and 1-based position among layers of that kind: ``conv1, pool1, conv2,
  pool2, dense1, dense2, dense3`` for the seed net; kinds are ``conv, pool, gap, dense, bn, act,
  flatten, dropout``;
- where a Conv2D/Dense has a fused activation, ``output`` is after the activation and ``pre`` holds
  the input of the activation; its npz key is ``<name>.pre``.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("conv", "pool", "gap", "dense", "bn", "act", "flatten", "dropout")


@dataclass
class LayerRecord:
    """One layer's record for one input batch.

    Attributes:
        name: stable name, e.g. ``conv1``.
        kind: one of :data:`KINDS`.
        block: the Gluon class name, e.g. ``Conv2D``.
        activation: ``sigmoid``/``relu``/… when the layer applies one (fused or an ``act`` layer), else None.
        input_shape, output_shape: full shapes including the batch dimension.
        output: the layer's output (after its activation), float32, shape ``output_shape``.
        pre: the pre-activation where an activation is fused, else None.
        params: parameter name (``weight``, ``bias``, ``gamma``…) → shape; learnable only.
        weights: parameter name → array (for kernels pages); may be empty.
        n_params: learnable parameter count.
        macs: multiply-accumulates per sample.
        rf: receptive field (pixels of the input, per side) of one output unit.
        rf_jump: distance in input pixels between adjacent output units.
        config: layer settings: ``channels``, ``kernel``, ``stride``, ``padding``, ``pool``, ``units``.
    """

    name: str
    kind: str
    block: str
    activation: str | None
    input_shape: tuple
    output_shape: tuple
    output: np.ndarray
    pre: np.ndarray | None = None
    params: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    n_params: int = 0
    macs: int = 0
    rf: int = 1
    rf_jump: int = 1
    config: dict = field(default_factory=dict)

    @property
    def is_spatial(self) -> bool:
        return len(self.output_shape) == 4

    def describe(self) -> str:
        """One line such as ``Conv2D 6@5x5 pad 2, sigmoid``."""
        c = self.config
        parts = [self.block]
        if self.kind == "conv":
            parts.append(f"{c.get('channels')}@{c.get('kernel')}x{c.get('kernel')}"
                         + (f" stride {c['stride']}" if c.get("stride", 1) != 1 else "")
                         + (f" pad {c['padding']}" if c.get("padding") else ""))
        elif self.kind == "pool":
            parts.append(f"{c.get('kernel')}x{c.get('kernel')} stride {c.get('stride')}")
        elif self.kind == "dense":
            parts.append(f"{c.get('units')} units")
        text = " ".join(parts)
        return f"{text}, {self.activation}" if self.activation else text


@dataclass
class Trace:
    """Every layer of one forward pass, in order, plus the input and the output probabilities.

    Attributes:
        input: what the net saw, (N,1,28,28) float32.
        layers: ordered :class:`LayerRecord` list.
        probabilities: softmax of the last layer, (N,10).
        model: a label for the model (shipped name or path), for captions.
        variant: registry variant when known.
    """

    input: np.ndarray
    layers: list
    probabilities: np.ndarray
    model: str = ""
    variant: str = ""

    def __iter__(self) -> Iterator[LayerRecord]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, name: str) -> LayerRecord:
        for rec in self.layers:
            if rec.name == name:
                return rec
        raise KeyError(f"no layer {name!r}; layers: {', '.join(self.names)}")

    @property
    def names(self) -> list:
        return [r.name for r in self.layers]

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def total_params(self) -> int:
        return int(sum(r.n_params for r in self.layers))

    @property
    def total_macs(self) -> int:
        return int(sum(r.macs for r in self.layers))

    def select(self, index: int) -> Trace:
        """The trace of one input of the batch, as a batch of one."""
        n = self.input.shape[0]
        if not -n <= index < n:
            raise IndexError(f"input index {index} out of range for a trace of {n} input(s)")
        sl = slice(index, index + 1) if index != -1 else slice(-1, None)
        layers = [LayerRecord(**{**r.__dict__, "output": r.output[sl],
                                 "pre": None if r.pre is None else r.pre[sl],
                                 "input_shape": (1, *r.input_shape[1:]),
                                 "output_shape": (1, *r.output_shape[1:])}) for r in self.layers]
        return Trace(self.input[sl], layers, self.probabilities[sl], self.model, self.variant)

    def arrays(self) -> dict:
        """The npz mapping: ``input``, one key per layer, ``<name>.pre``, ``probabilities``."""
        out = {"input": self.input}
        for r in self.layers:
            out[r.name] = r.output
            if r.pre is not None:
                out[f"{r.name}.pre"] = r.pre
        out["probabilities"] = self.probabilities
        return out

    def to_npz(self, path: Any) -> None:
        """Write :meth:`arrays` to ``path`` (a compressed ``.npz``)."""
        np.savez_compressed(path, **self.arrays())

    def rows(self) -> list:
        """Table rows for the shape walk: name, kind, output shape (no batch), params, MACs, RF."""
        rows = []
        for r in self.layers:
            rows.append({
                "name": r.name, "kind": r.kind, "block": r.block, "activation": r.activation,
                "describe": r.describe(),
                "output_shape": list(r.output_shape[1:]), "params": r.n_params,
                "param_shapes": {k: list(v) for k, v in r.params.items()},
                "macs": r.macs, "receptive_field": r.rf,
            })
        return rows

    def to_dict(self) -> dict:
        """The shape walk as JSON-ready data: model, input shape, :meth:`rows` and totals."""
        return {"model": self.model, "variant": self.variant, "input_shape": list(self.input.shape[1:]),
                "layers": self.rows(), "total_params": self.total_params, "total_macs": self.total_macs}

    def summary(self) -> str:
        """A plain-text table of the shape walk, with totals."""
        head = f"{'layer':<10}{'kind':<9}{'output':<14}{'params':>9}{'MACs':>12}{'RF':>5}  details"
        lines = [head, "-" * len(head)]
        lines.append(f"{'input':<10}{'':<9}{'x'.join(map(str, self.input.shape[1:])):<14}")
        for r in self.layers:
            detail = r.describe()
            if r.kind == "dense" and "weight" in r.params:
                out_u, in_u = r.params["weight"]
                detail += f"; {in_u} x {out_u} = {in_u * out_u:,} weights"
            lines.append(f"{r.name:<10}{r.kind:<9}{'x'.join(map(str, r.output_shape[1:])):<14}"
                         f"{r.n_params:>9,}{r.macs:>12,}{r.rf:>5}  {detail}")
        lines.append("-" * len(head))
        lines.append(f"{'total':<33}{self.total_params:>9,}{self.total_macs:>12,}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        n = self.input.shape[0]
        preds = ", ".join(str(int(p)) for p in self.predictions[:10])
        more = ", …" if n > 10 else ""
        return (f"<Trace {self.model or 'model'}: {n} input(s), {len(self.layers)} layers "
                f"({' → '.join(self.names)}); predicted [{preds}{more}]>")

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(r['name'])}</td><td>{html.escape(r['describe'])}</td>"
            f"<td>{'×'.join(map(str, r['output_shape']))}</td><td>{r['params']:,}</td>"
            f"<td>{r['macs']:,}</td><td>{r['receptive_field']}</td></tr>"
            for r in self.rows())
        return (f"<table><caption>{html.escape(repr(self))}</caption><tr><th>layer</th><th>block</th>"
                f"<th>output</th><th>params</th><th>MACs</th><th>RF</th></tr>{rows}</table>")
