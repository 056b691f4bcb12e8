"""User images for Fashion-MNIST models: prepared the way Fashion-MNIST was made, not like MNIST digits.

Zalando's recipe (Xiao et al., 2017): trim the product, scale its longest side to 28 px, centre it in
a 28×28 field, negate (light product on black). The digit pipeline of :mod:`lenet_viz.images` instead
scales to 20 px and centres by mass, which shrinks a garment and misleads a Fashion-MNIST net.
Reading, decoding, inversion and the checks are shared with the digit pipeline.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
from PIL import Image

from .errors import ImageError
from .images import FIELD, MIN_CONTRAST, MIN_SIDE, DigitImage, _ink, _read_gray

#: Trim to pixels above this fraction of the contrast. Fashion-MNIST's products fill their box to the
#: faint rim, so the digit pipeline's 0.2 would cut it and enlarge the product: on 300 test images
#: saved as PNG, `seed` reads 0.733 of them right (0.757 from the arrays; 0.377 via the digit pipeline).
TRIM_FRACTION = 0.05


def load_garment_info(path: str | os.PathLike) -> DigitImage:
    """An image file → a Fashion-MNIST-style input (``array`` (1,1,28,28) in [0, 1]) with notes.

    Raises:
        ImageError: as :func:`lenet_viz.images.load_digit_info` (missing, corrupt, blank, too small…).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ImageError(f"expected an image file path (str or os.PathLike), got {type(path).__name__}")
    name = os.fsdecode(os.fspath(path))
    notes: list[str] = []
    gray, raw = _read_gray(name, notes)
    h, w = gray.shape
    if min(h, w) < MIN_SIDE:
        raise ImageError(f"{name}: image too small ({w}×{h} pixels); need at least {MIN_SIDE}×{MIN_SIDE}")
    ink, inverted, level = _ink(gray.astype(np.float32))
    if inverted:
        notes.append(f"inverted: light background (border median {level:.2f})")
    contrast = float(ink.max() - ink.min())
    if contrast < MIN_CONTRAST:
        raise ImageError(f"{name}: nothing found (contrast {contrast:.3f} against the background, need at "
                         f"least {MIN_CONTRAST}); expected an object darker or lighter than its background")
    mask = ink > TRIM_FRACTION * contrast
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    ch, cw = crop.shape
    scale = FIELD / max(ch, cw)
    size = (max(1, round(cw * scale)), max(1, round(ch * scale)))
    small = np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.LANCZOS), dtype=np.float32)
    out = np.zeros((FIELD, FIELD), np.float32)
    top, left = (FIELD - size[1]) // 2, (FIELD - size[0]) // 2
    out[top:top + size[1], left:left + size[0]] = np.clip(small, 0.0, None)
    return DigitImage(np.clip(out / out.max(), 0.0, 1.0).reshape(1, 1, FIELD, FIELD), raw, notes, name)


def image_loader(classes: tuple) -> Callable[[str | os.PathLike], DigitImage]:
    """How to read a user's image for a model of these classes: as a digit, or as a garment."""
    from .data import noun
    from .images import load_digit_info

    return load_digit_info if noun(classes) == "digit" else load_garment_info
