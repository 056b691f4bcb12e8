"""A robustness stress set built from the held-out split only: each digit under named transforms.

Every transform turns a held-out 28×28 digit into the kind of image a user hands to ``lenet-viz``
(rotated, thick or thin pen, blurred, a low-resolution scan enlarged, a small digit off-centre on a
large canvas, a photo of dark ink on lit paper) and then runs it through the same preprocessing as a
user's file (:func:`lenet_viz.images.from_array`). So the accuracy under a transform is what a user
would see, preprocessing included. Deterministic for a seed; the training split is never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from .errors import ImageError, LenetVizError

STRESS_SEED = 0


@dataclass(frozen=True)
class Transform:
    name: str
    description: str
    make: Callable[[np.ndarray, np.random.RandomState], np.ndarray]  # 28×28 ink → 2-D gray (1 = white)


def _pil(a: np.ndarray) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(a, dtype=np.float32), mode="F")


def _resize(a: np.ndarray, h: int, w: int, how: Image.Resampling) -> np.ndarray:
    return np.clip(np.asarray(_pil(a).resize((w, h), how), dtype=np.float32), 0.0, 1.0)


def _rotate(deg: float) -> Callable:
    def make(d: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        big = _resize(d, 112, 112, Image.Resampling.BICUBIC)
        return np.clip(np.asarray(_pil(big).rotate(deg, Image.Resampling.BILINEAR, expand=True)), 0, 1)
    return make


def _disk(r: int) -> np.ndarray:
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return yy ** 2 + xx ** 2 <= r * r


def _pen(grow: bool) -> Callable:
    def make(d: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        from scipy import ndimage

        # At 4x scale a radius-4 disk is one original pixel each side: a felt pen; radius 3 erosion
        # leaves a hairline of a quarter of the original stroke.
        big = _resize(np.pad(d, 4), 144, 144, Image.Resampling.BICUBIC)
        if grow:
            return ndimage.grey_dilation(big, footprint=_disk(4))
        return ndimage.grey_erosion(big, footprint=_disk(3))
    return make


def _blur(d: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    from scipy import ndimage

    return ndimage.gaussian_filter(np.pad(d, 6), 1.2)


def _lowres(size: int) -> Callable:
    def make(d: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        # The digit's ink box (made square) scanned at size×size pixels, then enlarged 8x bilinearly
        # as a user would enlarge a small scan.
        rows, cols = np.flatnonzero(d.max(1) > 0.1), np.flatnonzero(d.max(0) > 0.1)
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        side = max(r1 - r0, c1 - c0) + 2
        cy, cx = (r0 + r1) // 2, (c0 + c1) // 2
        sq = np.pad(d, side)[cy + side - side // 2:cy + side - side // 2 + side,
                             cx + side - side // 2:cx + side - side // 2 + side]
        small = _resize(sq, size, size, Image.Resampling.BOX)
        return _resize(small, 8 * size, 8 * size, Image.Resampling.BILINEAR)
    return make


def _off_centre(d: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    big = _resize(d, 84, 84, Image.Resampling.BICUBIC)
    canvas = np.zeros((300, 400), np.float32)
    y, x = rng.randint(0, 300 - 84), rng.randint(0, 400 - 84)
    canvas[y:y + 84, x:x + 84] = big
    return canvas


def _photo(d: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """Dark ink on lit paper: a lighting gradient across the sheet, paper texture and sensor noise."""
    from scipy import ndimage

    h = w = 200
    ink = np.zeros((h, w), np.float32)
    y, x = rng.randint(20, h - 132), rng.randint(20, w - 132)
    ink[y:y + 112, x:x + 112] = _resize(d, 112, 112, Image.Resampling.BICUBIC)
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w] / h
    ramp = np.cos(angle) * yy + np.sin(angle) * xx
    ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1e-6)
    paper = rng.uniform(0.45, 0.6) + rng.uniform(0.25, 0.4) * ramp
    paper += ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), 3) * 0.1  # texture
    img = paper * (1 - rng.uniform(0.6, 0.85) * ink) + rng.normal(0, 0.02, (h, w))
    return np.clip(np.round(np.clip(img, 0, 1) * 255) / 255, 0, 1).astype(np.float32)


def _dark_ink(make: Callable) -> Callable:
    """Most transforms draw light ink on black; a user's scan or drawing is dark ink on white."""
    return lambda d, rng: 1.0 - make(d, rng)


TRANSFORMS: dict[str, Transform] = {t.name: t for t in (
    Transform("clean", "the held-out digit as it is, through the preprocessing", _dark_ink(lambda d, r: d)),
    Transform("rotate-20", "rotated 20° clockwise", _dark_ink(_rotate(-20.0))),
    Transform("rotate+20", "rotated 20° anticlockwise", _dark_ink(_rotate(20.0))),
    Transform("thick", "thick pen: strokes one pixel wider on each side", _dark_ink(_pen(True))),
    Transform("thin", "thin pen: strokes eroded to a hairline", _dark_ink(_pen(False))),
    Transform("blur", "out of focus: Gaussian blur, σ 1.2 px", _dark_ink(_blur)),
    Transform("lowres-8", "a low-resolution scan: digit 8×8 px, enlarged 8×", _dark_ink(_lowres(8))),
    Transform("lowres-14", "a low-resolution scan: digit 14×14 px, enlarged 8×", _dark_ink(_lowres(14))),
    Transform("off-centre", "small, off-centre on a 400×300 canvas", _dark_ink(_off_centre)),
    Transform("photo", "a photo: dark ink on grey paper under a lighting gradient, texture and noise",
              _photo),
)}


@dataclass
class StressSet:
    """Preprocessed inputs per transform (N,1,28,28), the labels, and the raw images' shapes."""

    x: dict
    y: np.ndarray
    dataset: str
    seed: int
    failed: dict  # transform -> count of images the preprocessing refused (fed as blank inputs)

    @property
    def names(self) -> list:
        return list(self.x)


def make_stress_set(data: Any, names: list | None = None, seed: int = STRESS_SEED,
                    limit: int | None = None) -> StressSet:
    """Build the stress set from ``data.test`` (the held-out split) only.

    Args:
        data: a :class:`~lenet_viz.data.Dataset`.
        names: transform names (default: all of :data:`TRANSFORMS`).
        seed: fixes every random choice (positions, lighting, noise).
        limit: the first N held-out digits only (tests).
    Returns:
        a :class:`StressSet`.
    Raises:
        LenetVizError: unknown transform name.
    """
    from .images import from_array

    names = list(names or TRANSFORMS)
    for n in names:
        if n not in TRANSFORMS:
            raise LenetVizError(f"unknown stress transform {n!r}; choose from {', '.join(TRANSFORMS)}")
    test = data.test
    digits = test.x[:limit, 0] if limit else test.x[:, 0]
    out, failed = {}, {}
    for k, name in enumerate(TRANSFORMS):
        if name not in names:
            continue
        rng = np.random.RandomState(seed * 1000 + k)
        xs = np.zeros((len(digits), 1, 28, 28), np.float32)
        failed[name] = 0
        for i, d in enumerate(digits):
            try:
                xs[i] = from_array(TRANSFORMS[name].make(d, rng), source=f"{name} #{i}")[0]
            except ImageError:
                failed[name] += 1  # stays blank: counted as whatever the net makes of nothing
        out[name] = xs
    return StressSet(out, test.y[:len(digits)].copy(), data.name, seed, failed)


def stress_accuracy(net: Any, sset: StressSet) -> dict:
    """Accuracy of ``net`` (a Gluon net) under each transform, rounded to 4 places."""
    from .train import accuracy, fused

    fast = fused(net)
    return {name: round(accuracy(fast, x, sset.y), 4) for name, x in sset.x.items()}


def format_table(tables: dict, n: int) -> str:
    """Rows of transforms, columns of models: ``tables`` maps model → {transform: accuracy}."""
    models = list(tables)
    names = list(next(iter(tables.values()))) if tables else []
    width = max([len("transform")] + [len(n) for n in names]) + 2
    cols = [max(len(m), 6) + 2 for m in models]
    lines = [f"{'transform':<{width}}" + "".join(f"{m:>{c}}" for m, c in zip(models, cols)),
             "-" * (width + sum(cols))]
    for name in names:
        lines.append(f"{name:<{width}}" + "".join(f"{tables[m][name]:>{c}.3f}" for m, c in zip(models, cols)))
    lines.append(f"({n} held-out digits per transform)")
    return "\n".join(lines)


def robustness(net: Any, data: Any, baseline: Any = None) -> dict:
    """The model card's robustness section: ``net``'s stress table, and ``baseline``'s on the same set.

    Args:
        net: the trained Gluon net.
        data: its dataset (the stress set is built from ``data.test``).
        baseline: a :class:`~lenet_viz.model.Model` to compare with (the model this one replaces), or None.
    Returns:
        a JSON-ready dict: the transforms, ``accuracy`` per transform, and ``baseline`` if given.
    """
    sset = make_stress_set(data)
    section = {"stress_set": f"{len(sset.y)} held-out digits of {sset.dataset} under each transform "
                             f"(lenet-viz evaluate --stress), seed {sset.seed}",
               "transforms": {n: TRANSFORMS[n].description for n in sset.names},
               "accuracy": stress_accuracy(net, sset)}
    if baseline is not None:
        section["baseline"] = {"model": baseline.source, "sha256": baseline.card.get("sha256"),
                               "recipe": baseline.card.get("command"),
                               "test_accuracy": baseline.card.get("test_accuracy"),
                               "accuracy": stress_accuracy(baseline.net, sset)}
    return section
