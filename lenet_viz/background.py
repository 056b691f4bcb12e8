"""Photos under uneven light: estimate the background and remove it; flag doubtful results.

Used by :mod:`lenet_viz.images` between "turn the image into ink" and the MNIST-style crop. A clean
scan or drawing (an even border) is returned untouched, so its result stays bit for bit what it was.
Only numpy and Pillow, like :mod:`lenet_viz.images`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image

#: Background removal (photos under uneven light): the lighting is estimated on a copy reduced to at
#: most this many pixels on its long side, by a grey opening with a window of BG_WINDOW of that side.
#: The window is wider than any stroke of a digit that fills less than ~2/3 of the image, so the
#: opening keeps the paper and its lighting and drops the ink; a linear lighting ramp passes through an
#: opening unchanged.
BG_SIDE = 96
BG_WINDOW = 0.3
#: A border whose lighting varies by less than this (0..1, see _ring_spread) counts as even:
#: the image is left exactly as before (clean scans, drawings, dataset digits). A photo under a desk
#: lamp varies by 0.2-0.4.
UNEVEN = 0.06
#: After background removal, residue up to the noise floor (median + this many robust standard
#: deviations of the background) is dropped: paper texture and sensor noise must not become ink.
NOISE_SIGMAS = 4.0
#: Doubtful results get a note: ink covering less than this fraction of the image ...
FEW_INK = 0.002
#: ... a contrast below this (but above MIN_CONTRAST, which refuses the image) ...
LOW_CONTRAST = 0.2
#: ... or more than one ink blob holding at least this fraction of the ink each.
BLOB_SHARE = 0.1


def remove(signal: np.ndarray, ink: np.ndarray, inverted: bool, notes: list[str]) -> np.ndarray:
    """Estimate uneven lighting and remove it; return ``ink`` itself when the background is even.

    ``signal`` is the image with ink bright (inverted if need be), not yet clipped; ``ink`` is what
    :func:`_ink` made of it (a single background level removed). Dark ink on paper absorbs a share of
    the light that falls on it, so there the ink is measured as that share (divided by the local paper
    brightness) and a stroke in the shadow counts as much as one under the lamp.
    """
    if _ring_spread(signal) < UNEVEN:  # an even border: a clean scan or drawing, left exactly as it was
        return ink
    h, w = signal.shape
    k = math.ceil(max(h, w) / BG_SIDE)
    small = signal.astype(np.float32)
    if k > 1:  # exact area averaging by an integer factor (edge-padded to a multiple of k)
        small = np.pad(small, ((0, -h % k), (0, -w % k)), mode="edge")
        small = small.reshape(small.shape[0] // k, k, small.shape[1] // k, k).mean(axis=(1, 3))
    win = max(3, round(BG_WINDOW * max(small.shape))) | 1
    bg = _box_mean(_rank(_rank(small, win, np.min), win, np.max), win)
    spread = _ring_spread(bg)  # judged on the border, where the paper is: a bold digit is no lighting
    if spread < UNEVEN:
        return ink
    full = np.asarray(Image.fromarray(bg).resize((w, h), Image.Resampling.BILINEAR, box=(
        0, 0, w / k, h / k)), dtype=np.float32)
    residue = signal - full
    if inverted:
        residue = residue / np.maximum(1.0 - full, 0.05)
    centre = float(np.median(residue))
    sigma = 1.4826 * float(np.median(np.abs(residue - centre)))  # robust: the ink is a minority
    floor = centre + NOISE_SIGMAS * sigma
    notes.append(f"uneven background (lighting varies by {spread:.2f} across the image): estimated it "
                 f"and removed it, and paper texture and noise (up to {floor:.2f}), before cropping")
    return np.clip(residue - floor, 0.0, None)


def _ring_spread(a: np.ndarray) -> float:
    """How much the lighting varies along the border: the range of a plane fitted to the outermost pixels.

    0 when the border is even, or when a plane does not explain it (ink touching the border of a tight
    crop is bumps, not lighting): lighting spreads smoothly along the whole border.
    """
    h, w = a.shape
    step = max(1, (h + w) // 500)
    ys = np.concatenate([np.zeros(w), np.full(w, h - 1), np.arange(h), np.arange(h)])[::step]
    xs = np.concatenate([np.arange(w), np.arange(w), np.zeros(h), np.full(h, w - 1)])[::step]
    ring = a[ys.astype(int), xs.astype(int)].astype(np.float64)
    if float(ring.max() - ring.min()) < UNEVEN:
        return 0.0
    if float(np.percentile(ring, 90) - np.percentile(ring, 10)) < UNEVEN:
        return 0.0
    basis = np.stack([np.ones_like(ys), ys / h, xs / w], axis=1)
    fit = basis @ np.linalg.lstsq(basis, ring, rcond=None)[0]
    spread = float(fit.max() - fit.min())
    return spread if float(np.percentile(np.abs(ring - fit), 75)) < 0.3 * spread else 0.0


def _rank(a: np.ndarray, size: int, op: Callable) -> np.ndarray:
    """Separable min or max filter (``op`` = ``np.min``/``np.max``) over a size×size window, edges padded."""
    from numpy.lib.stride_tricks import sliding_window_view

    r = size // 2
    a = op(sliding_window_view(np.pad(a, ((r, r), (0, 0)), mode="edge"), size, axis=0), axis=-1)
    return op(sliding_window_view(np.pad(a, ((0, 0), (r, r)), mode="edge"), size, axis=1), axis=-1)


def _box_mean(a: np.ndarray, size: int) -> np.ndarray:
    """Separable mean over a size×size window, edges padded: smooths the opening's plateaus."""
    from numpy.lib.stride_tricks import sliding_window_view

    r = size // 2
    a = sliding_window_view(np.pad(a, ((r, r), (0, 0)), mode="edge"), size, axis=0).mean(axis=-1)
    return sliding_window_view(np.pad(a, ((0, 0), (r, r)), mode="edge"), size, axis=1).mean(axis=-1)


def doubts(mask: np.ndarray, contrast: float, notes: list[str]) -> None:
    """Add a note when the result is doubtful: very little ink, several blobs, or low contrast."""
    share = float(mask.mean())
    if share < FEW_INK:
        notes.append(f"doubtful: very little ink ({share * 100:.2f} % of the image); the digit was "
                     f"scaled up from {int(mask.sum())} ink pixels")
    if contrast < LOW_CONTRAST:
        notes.append(f"doubtful: low contrast ({contrast:.2f} of full range); the ink was stretched to full "
                     f"range")
    sizes = _blob_sizes(mask)
    big = [s for s in sizes if s >= BLOB_SHARE * sum(sizes)]
    if len(big) > 1:
        notes.append(f"doubtful: {len(big)} separate ink blobs; all of them were kept in the crop "
                     f"(crop the image to one digit if that is wrong)")


def _blob_sizes(mask: np.ndarray) -> list[int]:
    """Sizes of the 8-connected blobs of ``mask``, on a copy reduced to at most 64 px (any pixel set)."""
    k = math.ceil(max(mask.shape) / 64)
    if k > 1:
        h, w = mask.shape
        m = np.pad(mask, ((0, -h % k), (0, -w % k)))
        mask = m.reshape(m.shape[0] // k, k, m.shape[1] // k, k).any(axis=(1, 3))
    # Label by propagating the smallest pixel index among 8 neighbours until nothing changes.
    h, w = mask.shape
    big = mask.size + 1
    label = np.where(mask, np.arange(mask.size).reshape(mask.shape), big)
    padded = np.full((h + 2, w + 2), big)
    while True:
        padded[1:-1, 1:-1] = label
        new = label.copy()
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                np.minimum(new, padded[dy:dy + h, dx:dx + w], out=new)
        new[~mask] = big
        # Pointer jumping: take the label of one's label (labels are pixel indices), so long strokes
        # need a few passes instead of one per pixel of their length.
        lookup = np.append(new.ravel(), [big, big])
        new = lookup[lookup[new]]
        if np.array_equal(new, label):
            break
        label = new
    return np.unique(label[mask], return_counts=True)[1].tolist()
