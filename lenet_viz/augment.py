"""Training-time augmentation that models how people write: named presets, vectorised per batch.

A preset turns a batch (N,1,28,28) of MNIST-style digits into a randomly distorted batch of the
same shape, drawing every random number from the ``numpy.random.RandomState`` it is given — so a
training run is deterministic for its seed. Labels are never touched: every distortion keeps the
digit's identity (rotations stay within ±15°, so a 6 does not become a 9).

The work is vectorised over the whole batch: one ``map_coordinates`` call applies every image's
affine map and elastic field together, and stroke thickness, blur and low resolution are computed
for the batch and selected per image. A per-image loop costs about 1.6x a plain epoch here
(see STACK.md); the batch version is measured by ``benchmarks/bench_augment.py``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache

import numpy as np

from .errors import LenetVizError

SIDE = 28


@dataclass(frozen=True)
class Preset:
    """One named augmentation recipe. Probabilities are per image; ranges are uniform."""

    name: str
    description: str
    shift_px: int = 0  # whole-pixel random shifts of up to this many pixels (today's recipe)
    rotate_deg: float = 0.0  # rotation in [-r, r]
    scale: tuple[float, float] = (1.0, 1.0)
    shear: float = 0.0  # horizontal shear factor in [-s, s] (slant)
    translate_px: float = 0.0  # sub-pixel translation in [-t, t]
    elastic_p: float = 0.0
    elastic_px: float = 0.0  # largest displacement of the 7x7 grid of control points, in pixels
    thick_p: float = 0.0  # thicker strokes (grey dilation)
    thin_p: float = 0.0  # thinner strokes (grey erosion)
    blur_p: float = 0.0
    blur_sigma: tuple[float, float] = (0.0, 0.0)
    lowres_p: float = 0.0
    lowres_sizes: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        """The preset as plain JSON data for the model card."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("none", "no augmentation"),
    Preset("shift", "random whole-pixel shifts of up to 2 px (the recipe of the first shipped models)",
           shift_px=2),
    Preset("handwriting",
           "how people write and scan: random affine (rotation ±15°, scale 0.8-1.2, slant ±0.3, shift "
           "±2 px), elastic distortion on 30 %, thicker or thinner strokes on 40 %, blur on 30 %, "
           "low-resolution resampling (7-14 px) on 20 %",
           rotate_deg=15.0, scale=(0.8, 1.2), shear=0.3, translate_px=2.0,
           elastic_p=0.3, elastic_px=2.0,
           thick_p=0.2, thin_p=0.2, blur_p=0.3, blur_sigma=(0.5, 1.2),
           lowres_p=0.2, lowres_sizes=(7, 10, 14)),
)}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; raises LenetVizError listing the valid names."""
    if name not in PRESETS:
        raise LenetVizError(f"unknown augmentation preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


def augment(x: np.ndarray, rng: np.random.RandomState, preset: Preset | str) -> np.ndarray:
    """Randomly distort a batch of digits as ``preset`` says.

    Args:
        x: (N,1,28,28) float32 digits in [0, 1], white ink on black.
        rng: the source of every random number (the training loop's, so runs repeat for a seed).
        preset: a :class:`Preset` or its name.
    Returns:
        a new (N,1,28,28) float32 array in [0, 1]; ``x`` is not modified.
    Raises:
        LenetVizError: unknown preset name.
    """
    p = get_preset(preset) if isinstance(preset, str) else preset
    if p.shift_px:
        x = _shift(x, rng, p.shift_px)
    if not p.rotate_deg and not p.shear and p.scale == (1.0, 1.0) and not p.translate_px \
            and not (p.elastic_p or p.thick_p or p.thin_p or p.blur_p or p.lowres_p):
        return x if p.shift_px else x.copy()
    n = len(x)
    img = _warp(x[:, 0].astype(np.float32), rng, p)
    img = _strokes(img, rng, p)
    img = _resample(img, rng, p)
    img = np.clip(img, 0.0, 1.0)
    # The preprocessing scales every user digit to peak 1; do the same so thin, blurred or
    # low-resolution digits look to the net as they will at run time.
    peak = img.max(axis=(1, 2), keepdims=True)
    img = np.where(peak > 0.05, img / np.maximum(peak, 1e-6), img)
    return img.reshape(n, 1, SIDE, SIDE).astype(np.float32)


def _shift(x: np.ndarray, rng: np.random.RandomState, k: int) -> np.ndarray:
    """Random translations of up to ``k`` pixels (zero fill), one per image (the first shipped recipe)."""
    n = len(x)
    padded = np.pad(x, ((0, 0), (0, 0), (k, k), (k, k)))
    dy = rng.randint(0, 2 * k + 1, n)
    dx = rng.randint(0, 2 * k + 1, n)
    # Gather with index arrays: one fancy-indexing call for the batch instead of a loop.
    rows = dy[:, None] + np.arange(SIDE)[None]
    cols = dx[:, None] + np.arange(SIDE)[None]
    return padded[np.arange(n)[:, None, None, None], np.arange(x.shape[1])[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


def _warp(img: np.ndarray, rng: np.random.RandomState, p: Preset) -> np.ndarray:
    """Every image's affine map plus elastic field, sampled bilinearly for the whole batch at once."""
    n = len(img)
    theta = np.deg2rad(rng.uniform(-p.rotate_deg, p.rotate_deg, n))
    scale = rng.uniform(*p.scale, n)
    shear = rng.uniform(-p.shear, p.shear, n)
    ty, tx = rng.uniform(-p.translate_px, p.translate_px, (2, n))
    # Output pixel (r, c) reads the source at centre + M @ ((r, c) - centre - t), where M undoes
    # the scale, the slant and the rotation.
    cos, sin = np.cos(theta) / scale, np.sin(theta) / scale
    m = np.empty((n, 2, 2))
    m[:, 0, 0], m[:, 0, 1] = cos, -sin
    m[:, 1, 0], m[:, 1, 1] = sin + shear * cos, cos - shear * sin
    c = (SIDE - 1) / 2.0
    grid = np.indices((SIDE, SIDE), dtype=np.float64).reshape(2, -1) - c  # (2, 784)
    grid = grid[None] - np.stack([ty, tx], axis=1)[:, :, None]  # (n, 2, 784)
    src = (np.matmul(m, grid) + c).reshape(n, 2, SIDE, SIDE)
    if p.elastic_p:
        pick = np.flatnonzero(rng.rand(n) < p.elastic_p)
        # A smooth random displacement field: coarse noise on a 7x7 grid, enlarged bilinearly.
        coarse = rng.uniform(-1, 1, (len(pick), 2, 7, 7))
        up = _bilinear_matrix(SIDE, 7)
        src[pick] += p.elastic_px * (up @ coarse @ up.T)
    return _sample(img, src[:, 0], src[:, 1])


def _sample(img: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Bilinear samples of each image ``img[i]`` at (ys[i], xs[i]); zero outside the image."""
    n = len(img)
    pad = np.zeros((n, SIDE + 2, SIDE + 2), np.float32)
    pad[:, 1:-1, 1:-1] = img
    y = np.clip(ys + 1.0, 0.0, SIDE + 1.0)  # beyond the zero border everything reads as zero
    x = np.clip(xs + 1.0, 0.0, SIDE + 1.0)
    y0 = np.minimum(np.floor(y).astype(np.intp), SIDE)
    x0 = np.minimum(np.floor(x).astype(np.intp), SIDE)
    wy, wx = (y - y0).astype(np.float32), (x - x0).astype(np.float32)
    flat = pad.reshape(n, -1)
    base = (np.arange(n)[:, None, None] * (SIDE + 2) ** 2 + y0 * (SIDE + 2) + x0).ravel()
    f = flat.ravel()
    a, b = f[base].reshape(y.shape), f[base + 1].reshape(y.shape)
    cc, d = f[base + SIDE + 2].reshape(y.shape), f[base + SIDE + 3].reshape(y.shape)
    return (1 - wy) * ((1 - wx) * a + wx * b) + wy * ((1 - wx) * cc + wx * d)


def _strokes(img: np.ndarray, rng: np.random.RandomState, p: Preset) -> np.ndarray:
    """Thicker strokes on ``thick_p`` of the batch, thinner on ``thin_p`` (2x2 grey morphology)."""
    if not (p.thick_p or p.thin_p):
        return img
    u = rng.rand(len(img))
    thick, thin = u < p.thick_p, (u >= p.thick_p) & (u < p.thick_p + p.thin_p)
    if thick.any():
        img[thick] = _morph(img[thick], np.maximum)
    if thin.any():
        # An eroded stroke keeps some of its ink: a hairline digit must not vanish.
        img[thin] = np.maximum(_morph(img[thin], np.minimum), 0.35 * img[thin])
    return img


def _morph(a: np.ndarray, op: np.ufunc) -> np.ndarray:
    """2x2 grey dilation (``np.maximum``) or erosion (``np.minimum``) of a batch."""
    out = a.copy()
    out[:, 1:, :] = op(out[:, 1:, :], a[:, :-1, :])
    out2 = out.copy()
    out2[:, :, 1:] = op(out2[:, :, 1:], out[:, :, :-1])
    return out2


def _resample(img: np.ndarray, rng: np.random.RandomState, p: Preset) -> np.ndarray:
    """Blur and low-resolution resampling as one separable linear map per image: L @ img @ L.T.

    Both are linear along rows and columns, so each image's operator is a 28x28 matrix and the
    batch costs two batched matrix products.
    """
    if not (p.blur_p or p.lowres_p):
        return img
    n = len(img)
    ops = np.broadcast_to(np.eye(SIDE, dtype=np.float32), (n, SIDE, SIDE)).copy()
    touched = np.zeros(n, bool)
    if p.blur_p:
        sigma = rng.uniform(*p.blur_sigma, n)
        pick = rng.rand(n) < p.blur_p
        ops[pick] = _gauss_matrices(sigma[pick])
        touched |= pick
    if p.lowres_p:
        size = rng.choice(np.asarray(p.lowres_sizes), n)
        pick = rng.rand(n) < p.lowres_p
        for s in p.lowres_sizes:
            sel = np.flatnonzero(pick & (size == s))
            if len(sel):
                ops[sel] = _lowres_matrix(int(s)) @ ops[sel]
        touched |= pick
    t = np.flatnonzero(touched)
    img[t] = ops[t] @ img[t] @ ops[t].transpose(0, 2, 1)
    return img


@cache
def _bilinear_matrix(out: int, size: int) -> np.ndarray:
    """(out, size) matrix enlarging a length-``size`` signal to ``out`` samples (pixel-centre aligned)."""
    pos = np.clip((np.arange(out) + 0.5) * size / out - 0.5, 0, size - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, size - 1)
    w = pos - lo
    m = np.zeros((out, size))
    m[np.arange(out), lo] += 1 - w
    m[np.arange(out), hi] += w
    return m


@cache
def _area_matrix(size: int) -> np.ndarray:
    """(size, 28) matrix averaging a length-28 signal into ``size`` equal cells (area reduction)."""
    edges = np.arange(size + 1) * SIDE / size
    m = np.zeros((size, SIDE))
    for i in range(size):
        for j in range(SIDE):
            m[i, j] = max(0.0, min(edges[i + 1], j + 1) - max(edges[i], j))
    return m / m.sum(axis=1, keepdims=True)


@cache
def _lowres_matrix(size: int) -> np.ndarray:
    """Reduce to ``size`` pixels by area, enlarge back to 28 bilinearly: a low-resolution scan upscaled."""
    return (_bilinear_matrix(SIDE, size) @ _area_matrix(size)).astype(np.float32)


def _gauss_matrices(sigma: np.ndarray) -> np.ndarray:
    """(n, 28, 28) Gaussian blurs of standard deviations ``sigma`` px (zero padding, unit gain inside)."""
    d = (np.arange(SIDE)[:, None] - np.arange(SIDE)[None])[None]
    k = np.exp(-0.5 * (d / sigma[:, None, None]) ** 2)
    return (k / k[:, SIDE // 2].sum(axis=1)[:, None, None]).astype(np.float32)
