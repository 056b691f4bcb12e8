"""Occlusion sensitivity: how much hiding each patch of a digit lowers the predicted probability."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import LenetVizError

OCCLUSION_VALUE = 0.0  # MNIST's background (see occlusion_map for why not gray)


@dataclass
class Occlusion:
    """How much hiding each patch lowers the probability of one class.

    Attributes:
        drop: (ny, nx) ``p(target | image) − p(target | image with patch (i, j) hidden)``.
        pixel: (28, 28) mean drop over every patch covering the pixel.
        rows, cols: top-left coordinates of the patches along each axis.
        target: the class whose probability is tracked (the prediction by default).
        p0: its probability on the unoccluded image.
        predicted: (ny, nx) the class predicted with each patch hidden.
        patch, stride, value: the patch side, its step and the value it writes.
    """

    drop: np.ndarray
    pixel: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    target: int
    p0: float
    predicted: np.ndarray
    patch: int
    stride: int
    value: float

    @property
    def worst(self) -> tuple[int, int]:
        """(row, col) top-left of the patch whose hiding lowers the probability most."""
        i, j = np.unravel_index(int(np.argmax(self.drop)), self.drop.shape)
        return int(self.rows[i]), int(self.cols[j])


def _starts(size: int, patch: int, stride: int) -> np.ndarray:
    """Patch positions along one axis; the last one is flush with the edge so every pixel is covered."""
    s = list(range(0, size - patch + 1, stride))
    if s[-1] != size - patch:
        s.append(size - patch)
    return np.asarray(s)


def occluded_images(x: np.ndarray, patch: int, stride: int, value: float) -> tuple:
    """Every occluded copy of one image (1,28,28): ``(images (ny*nx,1,28,28), rows, cols)``."""
    h, w = x.shape[-2:]
    rows, cols = _starts(h, patch, stride), _starts(w, patch, stride)
    imgs = np.repeat(x.reshape(1, 1, h, w).astype(np.float32), len(rows) * len(cols), axis=0)
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            imgs[a * len(cols) + b, 0, r:r + patch, c:c + patch] = value
    return imgs, rows, cols


def fast_predictor(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``images -> probabilities`` through one hybridized graph of ``model``'s net (several times faster
    than the imperative net for the hundreds of occluded copies of a digit).

    The net's layers are hybridized as a side effect, as :func:`lenet_viz.train.fused` does for the
    gallery's accuracy pass; tracing still sees every layer (captures run hybridized blocks imperatively).
    """
    from .._mx import mnp, npx
    from ..train import fused

    net = fused(getattr(model, "net", model))

    def predict(x: np.ndarray) -> np.ndarray:
        return npx.softmax(net(mnp.array(np.asarray(x, dtype=np.float32)))).asnumpy()

    return predict


def occlusion_map(model: Any, x: np.ndarray, patch: int = 6, stride: int = 2,
                  value: float = OCCLUSION_VALUE, target: int | None = None,
                  batch_size: int = 512,
                  predict: Callable[[np.ndarray], np.ndarray] | None = None) -> Occlusion:
    """Slide a ``patch``×``patch`` square of ``value`` over the image and record the probability drop.

    The default ``value`` is 0, MNIST's background, not a gray 0.5: on a black background a gray
    square is a new blob of ink, so the map would mix "this stroke mattered" with "an added smudge
    confused the net". With 0 the patch only erases ink, and a patch over empty background changes
    nothing at all.

    Args:
        model: a :class:`~lenet_viz.model.Model` (or anything with ``predict_proba``) .
        x: one image, shape (1,28,28) or (1,1,28,28), values in [0, 1].
        patch: side of the square (1..28).
        stride: step between patch positions (>= 1); the last position is flush with the edge.
        value: what the patch writes.
        target: the class to track; the unoccluded prediction by default.
        batch_size: occluded images per forward pass.
        predict: ``images -> probabilities`` to use instead of ``model.predict_proba`` (e.g.
            :func:`fast_predictor`); the unoccluded image goes through the same function.
    Returns:
        an :class:`Occlusion`.
    Raises:
        LenetVizError: bad image shape, patch, stride or target.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.size != 28 * 28:
        raise LenetVizError(f"occlusion takes one 28×28 image, got shape {x.shape}")
    if not 1 <= patch <= 28 or stride < 1:
        raise LenetVizError(f"patch must be 1..28 and stride >= 1, got patch={patch}, stride={stride}")
    x = x.reshape(1, 1, 28, 28)
    imgs, rows, cols = occluded_images(x[0], patch, stride, value)
    predict = predict or model.predict_proba
    probs = np.concatenate([predict(imgs[i:i + batch_size]) for i in range(0, len(imgs), batch_size)])
    p_orig = predict(x)[0]
    target = int(p_orig.argmax()) if target is None else int(target)
    if not 0 <= target < p_orig.shape[0]:
        raise LenetVizError(f"target class must be 0..{p_orig.shape[0] - 1}, got {target}")
    drop = (p_orig[target] - probs[:, target]).reshape(len(rows), len(cols))
    total = np.zeros((28, 28), np.float64)
    count = np.zeros((28, 28), np.int64)
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            total[r:r + patch, c:c + patch] += drop[a, b]
            count[r:r + patch, c:c + patch] += 1
    return Occlusion(drop=drop, pixel=(total / count).astype(np.float32), rows=rows, cols=cols,
                     target=target, p0=float(p_orig[target]),
                     predicted=probs.argmax(axis=1).reshape(len(rows), len(cols)),
                     patch=patch, stride=stride, value=float(value))
