"""Saturation and dead-unit statistics, per layer and per channel, streamed over a dataset.

Contract (renderers and the CLI depend on it):

- :class:`LayerStats` — for one activation layer (a layer whose ``activation`` is not None):
  ``name``, ``activation``, ``n`` (units counted = samples × units), ``channels`` (C, or 1 for dense),
  ``low``/``high`` thresholds, ``saturated_fraction`` (float, over all units), ``saturated_low``,
  ``saturated_high``, ``per_channel_saturated`` (C,), ``mean_dsigmoid`` (mean σ'(z) = s(1-s) over all
  units; NaN when not sigmoid), ``per_channel_mean_dsigmoid`` (C,), ``dead_fraction`` (ReLU: fraction of
  units that are zero for every sample seen; NaN otherwise), ``per_channel_dead`` (C,),
  ``post_edges``/``post_counts`` (fixed-bin histogram of outputs), ``pre_edges``/``pre_counts``
  (fixed-bin histogram of pre-activations).
- :class:`DatasetStats` — ``layers: list[LayerStats]`` (in net order), ``n_samples``, ``model``,
  ``dataset``; ``__getitem__(name)``; ``to_dict()`` (JSON-ready, no arrays longer than the bins).
- ``layer_stats(trace, low=0.05, high=0.95) -> DatasetStats`` for one Trace (one or many inputs).
- ``dataset_stats(model, x, batch_size=500, low=0.05, high=0.95, progress=None) -> DatasetStats``,
  streamed batch by batch: never holds all activations.

Definitions (the details behind the contract):

- *Saturated* means "in the flat, near-zero-gradient part of the activation". Sigmoid: ``s < low``
  (``saturated_low``) or ``s > high`` (``saturated_high``); tanh and softsign: the same thresholds mapped
  onto (-1, 1), i.e. ``y < 2·low-1`` or ``y > 2·high-1``; ReLU: ``y == 0`` (counted as low, its
  gradient is exactly zero there; ``low``/``high`` play no part); softrelu: NaN. ``saturated_low`` and
  ``saturated_high`` are fractions of ``n``, like ``saturated_fraction`` (their sum).
- *Per channel* means over the channel axis of a conv output (all samples × positions of channel c);
  a dense layer has one channel holding all its units.
- *Dead* (ReLU only) is judged per unit — per (channel, row, column) of a conv output, per unit of a
  dense layer — as "zero for every sample seen"; ``dead_mask`` (extra field) holds that per-unit map.
- Histograms have fixed bins so batches add up exactly. Outputs: 50 bins on [0, 1] for sigmoid,
  [-1, 1] for tanh/softsign, and [0, hi] for relu/softrelu, where ``hi`` is fixed from the **first
  batch** (its 99.9th percentile rounded up to a "nice" number 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k,
  then to float32) unless ``relu_max`` is given; a dead layer gets ``hi = 1``. Pre-activations: 80 bins
  on [-10, 10]. Values outside the range are clipped into the end bins, so counts always sum to ``n``,
  and how many were clipped is kept in ``post_underflow``/``post_overflow``/``pre_underflow``/
  ``pre_overflow``. A bin holds ``[e_i, e_{i+1})``, the last one ``[e_{n-1}, e_n]`` (``numpy.histogram``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import LenetVizError
from .facts import BOUNDED as _BOUNDED

POST_BINS = 50
PRE_BINS = 80
PRE_RANGE = (-10.0, 10.0)
_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


@dataclass
class LayerStats:
    """Statistics of one activation layer over every sample seen (see the module docstring).

    Attributes beyond the contract: ``kind`` (``conv``/``dense``/``act``), ``n_samples``, ``units``
    (units per sample), the four ``*_underflow``/``*_overflow`` clip counts and ``dead_mask`` (ReLU:
    bool array of one sample's output shape, True where the unit never fired; else None).
    """

    name: str
    activation: str
    n: int
    channels: int
    low: float
    high: float
    saturated_fraction: float
    saturated_low: float
    saturated_high: float
    per_channel_saturated: np.ndarray
    mean_dsigmoid: float
    per_channel_mean_dsigmoid: np.ndarray
    dead_fraction: float
    per_channel_dead: np.ndarray
    post_edges: np.ndarray
    post_counts: np.ndarray
    pre_edges: np.ndarray
    pre_counts: np.ndarray
    kind: str = ""
    n_samples: int = 0
    units: int = 0
    post_underflow: int = 0
    post_overflow: int = 0
    pre_underflow: int = 0
    pre_overflow: int = 0
    dead_mask: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        """JSON-ready mapping: floats (NaN → None), lists for the per-channel and histogram arrays.

        ``dead_mask`` is left out (it has one entry per unit); ``dead_units`` gives its count.
        """
        out: dict = {}
        for key, value in self.__dict__.items():
            if key == "dead_mask":
                out["dead_units"] = None if value is None else int(value.sum())
            elif isinstance(value, np.ndarray):
                out[key] = [_json_number(v) for v in value.tolist()]
            else:
                out[key] = _json_number(value)
        return out


@dataclass
class DatasetStats:
    """Per-layer :class:`LayerStats` for every activation layer, in net order.

    Attributes:
        layers: the :class:`LayerStats` list.
        n_samples: images seen.
        model: the model's label (shipped name, path or class name).
        dataset: a label for the images, when the caller gave one.
    """

    layers: list
    n_samples: int
    model: str = ""
    dataset: str = ""

    def __getitem__(self, name: str) -> LayerStats:
        for s in self.layers:
            if s.name == name:
                return s
        raise KeyError(f"no activation layer {name!r}; layers with statistics: {', '.join(self.names)}")

    def __iter__(self) -> Iterator[LayerStats]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def names(self) -> list:
        return [s.name for s in self.layers]

    def to_dict(self) -> dict:
        """JSON-ready mapping: ``model``, ``dataset``, ``n_samples`` and ``layers`` (a list of dicts)."""
        return {"model": self.model, "dataset": self.dataset, "n_samples": int(self.n_samples),
                "layers": [s.to_dict() for s in self.layers]}


def _json_number(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    return v


def _nice_ceil(v: float) -> float:
    """Smallest 'nice' number ≥ v (1, 1.2, 1.5 … 8 × 10^k), as a float32-exact value."""
    if not np.isfinite(v) or v <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(v))
    hi = next(m * scale for m in _NICE if m * scale >= v)
    # Exactly representable in float32, so comparing float32 activations with it gives the same
    # answer in float32 and float64 (numpy.histogram works in float64): nothing falls between.
    return float(np.float32(hi))


def _check_thresholds(low: float, high: float) -> None:
    if not (0.0 <= low < high <= 1.0):
        raise LenetVizError(f"saturation thresholds low={low}, high={high} are invalid; "
                            f"need 0 <= low < high <= 1 (defaults 0.05 and 0.95)")


class _Accumulator:
    """Running counts and sums for one activation layer; ``add`` one batch, ``result`` at the end."""

    def __init__(self, rec: Any, low: float, high: float, relu_max: float | None) -> None:
        self.name, self.kind, self.activation = rec.name, rec.kind, rec.activation
        self.low, self.high = float(low), float(high)
        shape = tuple(rec.output_shape[1:])
        self.channels = shape[0] if len(shape) == 3 else 1
        self.units = int(np.prod(shape))
        self.shape = shape
        c = self.channels
        self.n_samples = 0
        self.sat_low = np.zeros(c, np.int64)
        self.sat_high = np.zeros(c, np.int64)
        self.dsig = np.zeros(c, np.float64)
        self.alive = np.zeros(self.units, bool) if rec.activation == "relu" else None
        if rec.activation in _BOUNDED:
            self.post_range = _BOUNDED[rec.activation]
        else:
            # Rectifiers have no upper bound: fix one from the first batch so later batches
            # land in the same bins (documented in the module docstring).
            hi = relu_max if relu_max is not None else _nice_ceil(float(np.percentile(rec.output, 99.9)))
            self.post_range = (0.0, float(np.float32(hi)))
        self.post_counts = np.zeros(POST_BINS, np.int64)
        self.pre_counts = np.zeros(PRE_BINS, np.int64)
        self.clip = np.zeros(4, np.int64)  # post under, post over, pre under, pre over

    def _saturated(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        if self.activation == "sigmoid":
            return v < self.low, v > self.high
        if self.activation in _BOUNDED:
            lo, hi = _BOUNDED[self.activation]
            return v < lo + self.low * (hi - lo), v > lo + self.high * (hi - lo)
        if self.activation == "relu":
            return v <= 0, np.zeros_like(v, dtype=bool)
        return None

    def add(self, rec: Any) -> None:
        """Fold one batch's record of this layer into the counts."""
        out, pre = rec.output, rec.pre
        n = out.shape[0]
        self.n_samples += n
        per_channel = out.reshape(n, self.channels, -1)
        sat = self._saturated(per_channel)
        if sat is not None:
            self.sat_low += np.count_nonzero(sat[0], axis=(0, 2))
            self.sat_high += np.count_nonzero(sat[1], axis=(0, 2))
        if self.activation == "sigmoid":
            s = per_channel.astype(np.float64)  # float32 products would cost ~1e-9 relative
            self.dsig += (s * (1 - s)).sum(axis=(0, 2))
        if self.alive is not None:
            self.alive |= (out.reshape(n, -1) > 0).any(axis=0)
        self.post_counts += _counts(out, self.post_range, POST_BINS, self.clip[0:2])
        if pre is not None:
            self.pre_counts += _counts(pre, PRE_RANGE, PRE_BINS, self.clip[2:4])

    def result(self) -> LayerStats:
        """The finished :class:`LayerStats`."""
        n = self.n_samples * self.units
        per_c = self.n_samples * (self.units // self.channels)
        nan_c = np.full(self.channels, np.nan)
        bounded = self.activation in _BOUNDED or self.activation == "relu"
        sat_c = (self.sat_low + self.sat_high) / per_c if bounded else nan_c
        sat_low = self.sat_low.sum() / n if bounded else np.nan
        sat_high = self.sat_high.sum() / n if bounded else np.nan
        sigmoid = self.activation == "sigmoid"
        dead = ~self.alive if self.alive is not None else None
        return LayerStats(
            name=self.name, activation=self.activation, n=n, channels=self.channels,
            low=self.low, high=self.high,
            saturated_fraction=float(sat_low + sat_high), saturated_low=float(sat_low),
            saturated_high=float(sat_high), per_channel_saturated=sat_c,
            mean_dsigmoid=float(self.dsig.sum() / n) if sigmoid else math.nan,
            per_channel_mean_dsigmoid=self.dsig / per_c if sigmoid else nan_c,
            dead_fraction=float(dead.mean()) if dead is not None else math.nan,
            per_channel_dead=(dead.reshape(self.channels, -1).mean(axis=1) if dead is not None
                              else nan_c),
            post_edges=np.linspace(*self.post_range, POST_BINS + 1), post_counts=self.post_counts,
            pre_edges=np.linspace(*PRE_RANGE, PRE_BINS + 1), pre_counts=self.pre_counts,
            kind=self.kind, n_samples=self.n_samples, units=self.units,
            post_underflow=int(self.clip[0]), post_overflow=int(self.clip[1]),
            pre_underflow=int(self.clip[2]), pre_overflow=int(self.clip[3]),
            dead_mask=dead.reshape(self.shape) if dead is not None else None)


def _counts(v: np.ndarray, rng: tuple, bins: int, clip: np.ndarray) -> np.ndarray:
    lo, hi = rng
    clip[0] += np.count_nonzero(v < lo)
    clip[1] += np.count_nonzero(v > hi)
    # Clipping first puts out-of-range values in the end bins instead of dropping them.
    return np.histogram(np.clip(v, lo, hi), bins=bins, range=rng)[0]


class _Collector:
    """Accumulators for every activation layer of a net, created from its first batch."""

    def __init__(self, low: float, high: float, relu_max: float | None) -> None:
        _check_thresholds(low, high)
        if relu_max is not None and not relu_max > 0:
            raise LenetVizError(f"relu_max must be > 0, got {relu_max}")
        self.low, self.high, self.relu_max = low, high, relu_max
        self.accs: list | None = None
        self.n_samples = 0

    def add(self, trace: Any) -> None:
        recs = [r for r in trace.layers if r.activation is not None]
        if self.accs is None:
            self.accs = [_Accumulator(r, self.low, self.high, self.relu_max) for r in recs]
        for acc, rec in zip(self.accs, recs):
            acc.add(rec)
        self.n_samples += trace.input.shape[0]

    def result(self, model: str, dataset: str) -> DatasetStats:
        return DatasetStats([a.result() for a in self.accs or []], self.n_samples, model, dataset)


def layer_stats(trace: Any, low: float = 0.05, high: float = 0.95, *,
                relu_max: float | None = None, dataset: str = "") -> DatasetStats:
    """Statistics of every activation layer of one :class:`~lenet_viz.tracedata.Trace`.

    Args:
        trace: a Trace of one or many inputs.
        low, high: sigmoid saturation thresholds (see the module docstring).
        relu_max: upper end of the ReLU output histogram; from the trace's 99.9th percentile if None.
        dataset: a label stored in the result.
    Returns:
        a :class:`DatasetStats` over the trace's inputs.
    Raises:
        LenetVizError: thresholds outside 0 <= low < high <= 1, or relu_max <= 0.
    """
    collector = _Collector(low, high, relu_max)
    collector.add(trace)
    return collector.result(trace.model, dataset)


def dataset_stats(model: Any, x: Any, batch_size: int = 500, low: float = 0.05, high: float = 0.95,
                  progress: Callable[[int, int], Any] | None = None, *, relu_max: float | None = None,
                  dataset: str = "") -> DatasetStats:
    """Stream ``x`` through ``model`` batch by batch and accumulate activation statistics.

    Each batch is captured with :func:`lenet_viz.capture.trace`, folded into running counts and
    dropped, so memory stays at one batch's activations whatever the size of ``x``.

    Args:
        model: anything :func:`~lenet_viz.capture.trace` accepts.
        x: images (N,1,28,28) float, or a :class:`~lenet_viz.data.Split` (its ``.x`` is used).
        batch_size: images per forward pass.
        low, high: sigmoid saturation thresholds.
        progress: called as ``progress(done, total)`` after every batch.
        relu_max: upper end of the ReLU output histogram; from the first batch if None.
        dataset: a label stored in the result.
    Returns:
        a :class:`DatasetStats` over all N images.
    Raises:
        CaptureError: an unsupported model or bad images (checked before any work).
        LenetVizError: bad thresholds, relu_max or batch_size.
    """
    from .capture import check_input, leaves, trace, unwrap

    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise LenetVizError(f"batch_size must be a positive integer, got {batch_size!r}")
    collector = _Collector(low, high, relu_max)
    leaves(unwrap(model)[0])  # an unsupported net fails here, before any batch runs
    images = check_input(getattr(x, "x", x))
    total = images.shape[0]
    label = ""
    for start in range(0, total, batch_size):
        t = trace(model, images[start:start + batch_size])
        label = t.model
        collector.add(t)
        del t  # let the batch's activations go before the next forward allocates its own
        if progress is not None:
            progress(min(start + batch_size, total), total)
    return collector.result(label, dataset)
