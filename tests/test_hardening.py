"""Issue 7: the whole CLI against a careless or hostile user.

Every command that takes a file gets the same matrix of bad, odd and hostile files; damaged weights
and model cards; faults in the middle of a gallery (folder removed, permission denied, disk full,
Graphviz missing, a failed swap); concurrent builds into one folder; and pages that must load
nothing from outside, run nothing and reveal no local path.

Speed: galleries are built with the shipped ``lenet5`` weights under a card whose dataset is a
one-digit IDX folder (``tiny_model``), so a gallery renders one held-out digit instead of ten; the
gallery of the whole input matrix is built once per module and shared.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from PIL import Image, ImageDraw

import lenet_viz.fileio as fileio
import lenet_viz.site.pages as pages
import lenet_viz.site.pages.digits as digit_pages
import lenet_viz.site.publish as publish
from lenet_viz.cli import cli
from lenet_viz.errors import ImageError
from lenet_viz.images import load_digit
from lenet_viz.model import sha256_of, shipped_path

SAFE_NAME = re.compile(r"^\.?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
ABS_PATH = re.compile(r"(?<![\w.:/])/(?:tmp|home|root|work|usr|var|etc|mnt|srv|opt)/")


# ------------------------------------------------------------------------------------------ helpers


def invoke(*args: object):
    """Run the CLI in-process; stdout and stderr stay apart (click ≥ 8.2)."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def failed(r, *named: object) -> str:
    """Assert a clean failure: exit 1, `Error:` lines naming each of ``named``, no traceback."""
    assert r.exit_code == 1, r.output
    assert isinstance(r.exception, SystemExit), repr(r.exception)  # not an escaped exception
    assert "Traceback" not in r.output
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("Error: ")]
    assert errors, r.output
    for name in named:
        assert any(str(name) in ln for ln in errors), f"{name} not named in {errors}"
    return r.stderr


def tree(folder: Path) -> dict:
    """Everything under ``folder`` (symlinks not followed): relative path → content hash or kind."""
    out = {}
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(dirpath, name)
            rel = p.relative_to(folder).as_posix()
            if p.is_symlink():
                out[rel] = "link -> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _digit() -> Image.Image:
    """A dark "3" on white paper, like a paint-program drawing."""
    img = Image.new("L", (60, 60), 255)
    ImageDraw.Draw(img).line([(15, 10), (45, 10), (30, 30), (45, 45), (15, 50)], fill=0, width=5)
    return img


def _encoded(fmt: str) -> bytes:
    buf = io.BytesIO()
    _digit().save(buf, fmt)
    return buf.getvalue()


def _png_header(w: int, h: int) -> bytes:
    """A PNG that declares w×h but holds no pixel data: Pillow reads the size before decoding."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def _symlink_loop(p: Path) -> None:
    os.symlink(p.name + ".2", p)
    os.symlink(p.name, p.with_name(p.name + ".2"))


def _sixteen_bit(p: Path) -> None:
    img = Image.fromarray((600 + np.asarray(_digit(), np.float64) / 255 * 3400).astype(np.uint16))
    assert img.mode == "I;16"
    img.save(p)


def _animated(p: Path) -> None:
    _digit().save(p, save_all=True, append_images=[Image.new("L", (60, 60), 255)], duration=100, loop=0)


# case → (file name, how to make it, what the error says)
BAD = {
    "not-an-image": ("notes.png", lambda p: p.write_text("hello"), "not a supported image"),
    "empty": ("empty.png", lambda p: p.touch(), "empty file"),
    "truncated-png": ("cut.png", lambda p: p.write_bytes(_encoded("PNG")[:150]), "truncated"),
    "truncated-jpeg": ("cut.jpg", lambda p: p.write_bytes(_encoded("JPEG")[:-40]), "truncated"),
    "directory": ("folder.png", lambda p: p.mkdir(), "is a directory"),
    "missing": ("missing.png", lambda p: None, "no such file"),
    "1x1": ("dot.png", lambda p: Image.new("L", (1, 1)).save(p), "too small"),
    "blank": ("blank.png", lambda p: Image.new("L", (64, 48), 255).save(p), "no ink found"),
    "60-megapixel": ("huge.png", lambda p: p.write_bytes(_png_header(8000, 7500)), "too large"),
    "symlink-loop": ("loop.png", _symlink_loop, "symlink loop"),
    "odd-name": ("bad ü <>&\"'.png", lambda p: p.write_text("hello"), "not a supported image"),
}
# case → (file name, how to make it, the note it earns or None): odd but valid, these succeed
GOOD = {
    "16-bit-png": ("deep.png", _sixteen_bit, "16/32-bit integer image"),
    "palette-png": ("palette.png", lambda p: _digit().convert("P").save(p), None),
    "animated-gif": ("anim.gif", _animated, "animated image: used frame 1 of 2"),
    "odd-name": ("we ird ü <>&\"'.png", lambda p: _digit().save(p), None),
}
# valid digits under names meant to break out of HTML or out of the output folder
HOSTILE = ["<script>alert('x')&amp;.png", '"><img src=x onerror=alert(1)>.png', "..%2f..%2fx.png",
           "sub/../evil.png"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """Every input of the matrix in one folder: {"bad": {case: path}, "good": …, "hostile": [...]}."""
    d = tmp_path_factory.mktemp("inputs")
    paths: dict = {"bad": {}, "good": {}, "hostile": []}
    for kind, cases in (("bad", BAD), ("good", GOOD)):
        for case, (name, make, _) in cases.items():
            make(d / name)
            paths[kind][case] = str(d / name)
    (d / "sub").mkdir()
    for name in HOSTILE:
        _digit().save(d / name)
        paths["hostile"].append(str(d / name))  # "sub/../evil.png" stays unresolved on purpose
    return paths


def _idx(path: Path, arr: np.ndarray, magic: int) -> None:
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in arr.shape) + arr.tobytes())


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """The shipped lenet5 weights, in a folder whose name has a space and an umlaut, under a card
    whose dataset is an absolute path to a one-digit IDX folder (galleries stay small)."""
    from lenet_viz.data import mnist5k

    root = tmp_path_factory.mktemp("tiny")
    data, folder = mnist5k(), root / "digits"
    folder.mkdir()
    for split, (images, labels) in (("train", ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")),
                                    ("test", ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))):
        part = data.split(split)
        i = int(np.flatnonzero(part.y == 3)[0])
        _idx(folder / images, (part.x[i:i + 1, 0] * 255).round().astype(np.uint8), 2051)
        _idx(folder / labels, part.y[i:i + 1].astype(np.uint8), 2049)
    models = root / "my models ü"
    models.mkdir()
    src = shipped_path("lenet5")
    shutil.copy(src.with_name("lenet5.params"), models / "tiny.params")
    card = json.loads(src.with_name("lenet5.json").read_text())
    card["dataset"] = str(folder)
    (models / "tiny.json").write_text(json.dumps(card))
    return models / "tiny.params"


# ------------------------------------------------------------------------------------------ pages


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tags, self.handlers, self.digits, self._name = [], [], [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.handlers += [k for k in a if k.startswith("on")]
        self.refs += [a[k] for k in ("src", "href", "xlink:href", "action", "data") if a.get(k)]
        if tag == "a" and "digit" in (a.get("class") or "").split():
            self.digits.append([a["href"], ""])
        if tag == "span" and a.get("class") == "name":
            self._name = self.digits[-1] if self.digits else None

    def handle_endtag(self, tag):
        if tag == "span":
            self._name = None

    def handle_data(self, data):
        if self._name is not None:
            self._name[1] += data


def _parse(page: Path) -> _Page:
    p = _Page()
    p.feed(page.read_text(encoding="utf-8"))
    return p


def _draw_page_checked(page: Path, text: str, problems: list) -> str:
    """The draw page without its scripts and CSP meta, once they are checked: one inline script whose
    hash the CSP lists, a CSP forbidding every request, and a JSON data block (its names kept for the
    checks that follow, its base64 blobs dropped)."""
    import base64

    csp = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
    code = re.findall(r"<script>(.*?)</script>", text, re.S)
    blocks = re.findall(r'<script type="application/json" id="lenet-data">(.*?)</script>', text, re.S)
    if len(csp) != 1 or len(code) != 1 or len(blocks) != 1 or text.count("<script") != 2:
        problems.append(f"{page.name}: expected one CSP meta, one inline script and one data block")
        return text
    policy = csp[0].replace("&#39;", "'").replace("&#x27;", "'")
    digest = base64.b64encode(hashlib.sha256(code[0].encode()).digest()).decode()
    if not policy.startswith("default-src 'none'; ") or f"script-src 'sha256-{digest}';" not in policy \
            or re.search(r"https?:|\*|'unsafe-eval'|connect-src|'self'", policy):
        problems.append(f"{page.name}: CSP {policy!r} allows more than its own script")
    data = json.loads(blocks[0])
    for m in data.get("models", []) + [c for r in data.get("runs", []) for c in r["checkpoints"]]:
        m["weights"] = ""  # the draw page's models, the training page's checkpoints
    for d in data["digits"]:
        d["pixels"] = ""
    data["luts"] = {}
    rest = re.sub(r"<meta http-equiv[^>]*>|<script\b.*?</script>", "", text, flags=re.S)
    return rest + "\n<!-- data: " + json.dumps(data) + " -->"


def _browse_page_checked(page: Path, text: str, problems: list) -> str:
    """The browse page without its script, style and CSP meta, once they are checked: one inline
    script and one inline style, each allowed by its hash, and a CSP that lets the page load only its
    own files' images and style sheet (the thumbnails and style.css), nothing else."""
    import base64

    csp = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
    code = re.findall(r"<script>(.*?)</script>", text, re.S)
    style = re.findall(r"<style>(.*?)</style>", text, re.S)
    if len(csp) != 1 or len(code) != 1 or len(style) != 1 or text.count("<script") != 1:
        problems.append(f"{page.name}: expected one CSP meta, one inline script and one inline style")
        return text

    def digest(s: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"

    policy = csp[0].replace("&#39;", "'").replace("&#x27;", "'")
    expected = (f"default-src 'none'; img-src 'self'; style-src 'self' {digest(style[0])}; "
                f"script-src {digest(code[0])}; base-uri 'none'; form-action 'none'")
    if policy != expected:
        problems.append(f"{page.name}: CSP {policy!r} is not {expected!r}")
    return re.sub(r"<meta http-equiv[^>]*>|<script\b.*?</script>|<style>.*?</style>", "", text, flags=re.S)


INLINE_PNG = re.compile(r"data:image/png;base64,[A-Za-z0-9+/]+={0,2}")


def page_problems(root: Path, secrets: list) -> list:
    """What is wrong with the pages under ``root``: external loads, scripts, local paths, dangling
    or escaping references."""
    problems = []
    for css in root.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        if "url(" in text or "@import" in text:
            problems.append(f"{css.name} loads something")
    pages = sorted(root.rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if page.name in ("draw.html", "training.html"):  # scripted: held to their CSP, then as the rest
            text = _draw_page_checked(page, text, problems)
        elif page.name == "browse.html":
            text = _browse_page_checked(page, text, problems)
        parsed = _Page()
        parsed.feed(text)
        where = page.relative_to(root).as_posix()
        stripped = re.sub(r'xmlns(:\w+)?="[^"]*"|<!DOCTYPE[^>]*>', "", text)
        if "http://" in stripped or "https://" in stripped or "http-equiv" in text.lower():
            problems.append(f"{where}: an external URL or a refresh")
        bad_tags = {"script", "iframe", "object", "embed", "base", "form", "frame"} & set(parsed.tags)
        if bad_tags:
            problems.append(f"{where}: tags {sorted(bad_tags)}")
        if parsed.handlers:
            problems.append(f"{where}: event handlers {parsed.handlers}")
        if "javascript:" in text.lower():
            problems.append(f"{where}: javascript: URL")
        for secret in secrets:
            if str(secret) in text:
                problems.append(f"{where}: reveals {secret}")
        if ABS_PATH.search(text):
            problems.append(f"{where}: absolute path {ABS_PATH.search(text).group()}…")
        for ref in parsed.refs:
            if INLINE_PNG.fullmatch(ref):  # a digit page's tiles: pixels in the page, nothing loaded
                continue
            parts = urlsplit(ref)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if parts.scheme or parts.netloc or ref.startswith("/") or not target.is_file() \
                    or root.resolve() not in target.parents:
                problems.append(f"{where}: {ref} does not resolve inside {root.name}")
    return problems


def assert_escaped(html: str, names: list) -> None:
    for name in names:
        assert str(escape(name)) in html, f"{name!r} missing or not escaped"
        if set(name) & set("<>&\"'"):
            assert name not in html, f"{name!r} appears raw"


# ------------------------------------------------------------------------------------------ 1. files


@pytest.mark.parametrize("case", BAD)
def test_predict_reports_a_bad_file_and_goes_on(case, inputs):
    bad, good = inputs["bad"][case], inputs["good"]["palette-png"]
    r = invoke("predict", bad, good, "--json")
    err = failed(r, bad)
    assert BAD[case][2] in err and f"1 of 2 image(s) failed: {bad}" in err
    assert [d["file"] for d in json.loads(r.stdout)] == [good]  # the good one still done, stdout still JSON


@pytest.mark.parametrize("case", GOOD)
def test_predict_odd_but_valid_files(case, inputs):
    path = inputs["good"][case]
    r = invoke("predict", path)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"{path}: 3 ")
    if GOOD[case][2]:
        assert f"note: {path}: {GOOD[case][2]}" in r.stderr


@pytest.fixture(scope="module")
def gallery_run(tmp_path_factory, inputs, tiny_model):
    """One gallery of every input (bad, odd and hostile) through the CLI, from an empty cwd."""
    root = tmp_path_factory.mktemp("built")
    (root / "site").mkdir()
    (root / "cwd").mkdir()
    out = root / "site" / "gallery"
    images = [*inputs["bad"].values(), *inputs["good"].values(), *inputs["hostile"]]
    watched = {p: tree(p) for p in (root, tiny_model.parent, Path(inputs["good"]["odd-name"]).parent)}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root / "cwd")
        r = invoke("gallery", "-q", "-o", out, "--model", tiny_model, *images)
    return {"result": r, "out": out, "root": root, "images": images, "watched": watched}


def test_gallery_reports_each_bad_file_and_builds_the_rest(gallery_run, inputs):
    r, out = gallery_run["result"], gallery_run["out"]
    err = failed(r, *inputs["bad"].values())
    for case, bad in inputs["bad"].items():
        assert BAD[case][2] in next(ln for ln in err.splitlines() if ln.startswith(f"Error: {bad}: "))
    assert f"{len(BAD)} of {len(gallery_run['images'])} image(s) failed" in err
    for case, good in inputs["good"].items():
        if GOOD[case][2]:
            assert f"note: {good}: {GOOD[case][2]}" in err
    shown = [name for _, name in _parse(out / "index.html").digits]
    expected = [os.path.basename(p) for p in [*inputs["good"].values(), *inputs["hostile"]]]
    assert [n for n in shown if not n.startswith("held-out")] == expected
    digit_pages = {p.name for p in out.glob("digit-*.html")}
    assert digit_pages == {href for href, _ in _parse(out / "index.html").digits}
    assets = {p.name for p in (out / "assets").iterdir() if p.is_dir()}
    assert assets >= {p[6:-5] for p in digit_pages}  # no page or asset folder for a failed image
    assert all((out / f"{a}.html").is_file() for a in assets - {p[6:-5] for p in digit_pages})
    gif = next(href for href, name in _parse(out / "index.html").digits if name == "anim.gif")
    assert GOOD["animated-gif"][2] in (out / gif).read_text(encoding="utf-8")  # the note is shown


def test_activations_matrix_with_export(tmp_path, monkeypatch, inputs, tiny_model):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "npz").mkdir()
    before = tree(Path(inputs["good"]["odd-name"]).parent)
    images = [*inputs["bad"].values(), *inputs["good"].values(), *inputs["hostile"]]
    r = invoke("activations", "-q", "--json", "-o", "act", "--export", tmp_path / "npz" / "t.npz",
               "--model", tiny_model, *images)
    failed(r, *inputs["bad"].values())
    good = [*inputs["good"].values(), *inputs["hostile"]]
    done = json.loads(r.stdout)
    assert [d["file"] for d in done] == good
    folders = {Path(d["page"]).parent.name for d in done}
    assert len(folders) == len(good) and all(SAFE_NAME.match(f) for f in folders)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["act", "npz"]  # nothing beside the output
    assert {p.name for p in (tmp_path / "act").iterdir()} == folders  # no folder for a failed image
    assert {p.name for p in (tmp_path / "npz").iterdir()} == {f"{f}.npz" for f in folders}
    umask = os.umask(0)
    os.umask(umask)
    for npz in (tmp_path / "npz").iterdir():
        assert npz.stat().st_mode & 0o777 == 0o666 & ~umask, f"{npz.name} mode {npz.stat().st_mode:o}"
    for d in done:
        page = Path(d["page"])
        assert_escaped(page.read_text(encoding="utf-8"), [os.path.basename(d["file"])])
    assert page_problems(tmp_path / "act", [tmp_path, tiny_model.parent]) == []
    assert tree(Path(inputs["good"]["odd-name"]).parent) == before  # inputs untouched


@pytest.mark.parametrize("target, named, says", [("npz", "npz", "is a folder"),
                                                  ("no/such/t.npz", "no/such", "does not exist")])
def test_export_to_a_bad_place_writes_nothing(target, named, says, tmp_path, monkeypatch, inputs, tiny_model):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "npz").mkdir()
    before = tree(tmp_path)
    r = invoke("activations", "-q", "-o", "act", "--export", target, "--model", tiny_model,
               inputs["good"]["palette-png"])
    assert says in failed(r, named)
    assert tree(tmp_path) == before


def test_export_to_an_odd_name(tmp_path, inputs, tiny_model):
    target = tmp_path / "tr ü <>&\"'.npz"
    r = invoke("activations", "-q", "-o", tmp_path / "act", "--export", target, "--model", tiny_model,
               inputs["good"]["odd-name"])
    assert r.exit_code == 0, r.output
    with np.load(target) as f:
        assert f["conv1"].shape == (1, 6, 28, 28)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["act", target.name]


# ------------------------------------------------------------------------------------------ 2. load_digit


FORMAT_MODES = [("png", "I;16"), ("png", "LA"), ("png", "1"), ("tiff", "F"), ("tiff", "I;16"),
                ("tiff", "CMYK"), ("jpg", "L"), ("jpg", "CMYK"), ("bmp", "RGB"), ("gif", "P"),
                ("webp", "RGBA"), ("ppm", "RGB")]


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fm=st.sampled_from(FORMAT_MODES), w=st.integers(2, 120), h=st.integers(2, 120),
       content=st.sampled_from(["noise", "flat", "blob", "extreme"]), seed=st.integers(0, 2**32 - 1))
def test_any_valid_image_in_any_format_and_depth(fuzz_dir, fm, w, h, content, seed):
    # tests/test_images.py covers 8-bit PNGs; this adds the other formats, 16-bit and float data.
    ext, mode = fm
    rng = np.random.default_rng(seed)
    bands = {"LA": 2, "CMYK": 3, "RGB": 3, "RGBA": 4}.get(mode, 1)
    top = {"I;16": 65535, "1": 1}.get(mode, 255)
    if content == "extreme" and mode == "F":
        pix = rng.choice([-3e38, 0.0, 3e38, np.inf, np.nan], (h, w, bands))
    elif content == "noise":
        pix = rng.integers(0, top + 1, (h, w, bands)) if mode != "F" else rng.normal(0, 1e3, (h, w, bands))
    else:
        pix = np.broadcast_to(rng.integers(0, top + 1, bands), (h, w, bands)).copy()
        if content != "flat":
            y0, x0 = rng.integers(0, h), rng.integers(0, w)
            dy, dx = rng.integers(1, h + 1), rng.integers(1, w + 1)
            pix[y0:y0 + dy, x0:x0 + dx] = rng.integers(0, top + 1, bands)
    dtype = {"F": np.float32, "I;16": np.uint16, "1": bool}.get(mode, np.uint8)
    arr = pix.astype(dtype)
    img = Image.fromarray(arr[..., 0] if bands == 1 else arr)
    if mode in ("P", "CMYK"):
        img = img.convert(mode)
    assert img.mode == mode
    path = fuzz_dir / f"valid.{ext}"
    img.save(path)
    try:
        out = load_digit(path)
    except ImageError as e:
        assert str(path) in str(e) and ("no ink found" in str(e) or "NaN or infinity" in str(e)), str(e)
    else:
        assert out.shape == (1, 1, 28, 28) and out.dtype == np.float32
        assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


# ------------------------------------------------------------------------------------------ 3. weights


def _recard(card: Path, params: Path, **changes) -> None:
    data = json.loads(card.read_text())
    data.update(changes, sha256=sha256_of(params))
    card.write_text(json.dumps(data))


def _tamper(params: Path) -> None:
    data = bytearray(params.read_bytes())
    data[len(data) // 2] ^= 0x01
    params.write_bytes(bytes(data))


# case → (damage(params, card) → the --model argument, what the error names, what it says)
BAD_MODELS = {
    "missing": (lambda p, c: p.with_name("nope.params"), "nope.params", "not found"),
    "directory": (lambda p, c: (p.with_name("dir.params").mkdir(), p.with_name("dir.params"))[1],
                  "dir.params", "is a directory"),
    "symlink-loop": (lambda p, c: (_symlink_loop(p.with_name("loop.params")), p.with_name("loop.params"))[1],
                     "loop.params", "symlink loop"),
    "empty": (lambda p, c: (p.write_bytes(b""), p)[1], "m.params", "sha256"),
    "truncated": (lambda p, c: (p.write_bytes(p.read_bytes()[:1000]), p)[1], "m.params", "sha256"),
    "garbage": (lambda p, c: (p.write_bytes(os.urandom(5000)), p)[1], "m.params", "sha256"),
    "one-byte-tampered": (lambda p, c: (_tamper(p), p)[1], "m.params", "sha256"),
    "garbage-recarded": (lambda p, c: (p.write_bytes(b"x" * 999), _recard(c, p), p)[2], "m.params",
                         "not an MXNet .params file"),
    "wrong-architecture": (lambda p, c: (_recard(c, p, variant="modern"), p)[1], "m.params",
                           "do not fit variant 'modern'"),
    "card-missing": (lambda p, c: (c.unlink(), p)[1], "m.json", "pass --dataset"),
    "card-not-json": (lambda p, c: (c.write_text("{variant: lenet5"), p)[1], "m.json", "not valid JSON"),
    "card-binary": (lambda p, c: (c.write_bytes(b"\xff\xfe\x00"), p)[1], "m.json", "not valid JSON"),
    "card-deep": (lambda p, c: (c.write_text("[" * 100_000 + "]" * 100_000), p)[1], "m.json",
                  "not valid JSON"),
    "card-a-list": (lambda p, c: (c.write_text("[1, 2]"), p)[1], "m.json", "lacks 'variant'"),
    "card-wrong-type": (lambda p, c: (_recard(c, p, test_accuracy="high"), p)[1], "m.json",
                        "'test_accuracy' must be a number"),
    "card-a-folder": (lambda p, c: (c.unlink(), c.mkdir(), p)[2], "m.json", "model card"),
}
MODEL_COMMANDS = {
    "predict": ["predict", "{image}"],
    "shapes": ["shapes"],
    "evaluate": ["evaluate"],
    "diagram": ["diagram", "-o", "out/d.svg"],
    "activations": ["activations", "{image}", "-o", "out/act", "--export", "out/t.npz"],
    "saturation": ["saturation", "-o", "out/sat"],
    "gallery": ["gallery", "{image}", "-o", "out/g"],
}


@pytest.mark.parametrize("command", MODEL_COMMANDS)
@pytest.mark.parametrize("case", BAD_MODELS)
def test_bad_weights_or_card_are_a_clear_error(case, command, tmp_path, monkeypatch, inputs):
    models, work = tmp_path / "models", tmp_path / "work"
    models.mkdir()
    (work / "out").mkdir(parents=True)
    src = shipped_path("lenet5")
    params, card = models / "m.params", models / "m.json"
    shutil.copy(src.with_name("lenet5.params"), params)
    shutil.copy(src.with_name("lenet5.json"), card)
    damage, named, says = BAD_MODELS[case]
    model = damage(params, card)
    monkeypatch.chdir(work)
    before = tree(tmp_path)
    args = [a.format(image=inputs["good"]["palette-png"]) for a in MODEL_COMMANDS[command]]
    r = invoke(*args, "--model", model)
    err = failed(r, named)
    assert says in err and "\n" not in err.strip()  # one line, no MXNet stack
    assert tree(tmp_path) == before  # nothing written beside the weights, nor any output


def test_model_path_with_odd_name(tmp_path, inputs):
    src = shipped_path("lenet5")
    stem = tmp_path / "we ird ü <>&\"'"
    shutil.copy(src.with_name("lenet5.params"), f"{stem}.params")
    shutil.copy(src.with_name("lenet5.json"), f"{stem}.json")
    assert invoke("shapes", "--model", f"{stem}.params").exit_code == 0
    r = invoke("predict", inputs["good"]["palette-png"], "--model", stem)
    assert r.exit_code == 0 and ": 3 (p=" in r.stdout


def test_shipped_name_beats_a_folder_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lenet5").mkdir()  # e.g. left by `lenet-viz activations x.png -o lenet5`
    r = invoke("shapes")
    assert r.exit_code == 0, r.output


# ------------------------------------------------------------------------------------------ 4. faults


@pytest.fixture
def previous(tmp_path, gallery_run, monkeypatch):
    """A finished gallery at tmp_path/site/gallery, and its contents; rebuilds skip the analysis
    pages (they take seconds and are not what a fault test is about)."""
    monkeypatch.setattr(pages, "PAGES", pages.CORE)
    out = tmp_path / "site" / "gallery"
    shutil.copytree(gallery_run["out"], out, symlinks=True)
    return out, tree(out)


def _intact(previous) -> None:
    out, before = previous
    assert tree(out) == before, "the previous gallery changed"
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name], "temp or lock files left"


def _gallery(out: Path, model: Path, *images: object):
    return invoke("gallery", "-q", "-o", out, "--model", model, *images)


def test_build_folder_removed_mid_gallery(previous, monkeypatch, tiny_model, inputs):
    real, calls = digit_pages.render_digit, []

    def remove_then_render(trace1, digit, base, *a, **k):
        calls.append(digit.name)
        if len(calls) == 2:
            # A clean-up job deletes the build folder between two digits; the next colour bar's or
            # thumbnail's mkdir(parents=True) re-creates a fragment of it, which must not be swapped in.
            shutil.rmtree(base)
        return real(trace1, digit, base, *a, **k)

    monkeypatch.setattr(digit_pages, "render_digit", remove_then_render)
    r = _gallery(previous[0], tiny_model, inputs["good"]["palette-png"])
    assert "was removed during the build" in failed(r)
    _intact(previous)


def test_build_folder_removed_mid_activations(tmp_path, monkeypatch, tiny_model, inputs):
    real = digit_pages.render_digit

    def remove_then_render(trace1, digit, base, *a, **k):
        shutil.rmtree(base)  # every later write succeeds: mkdir(parents=True) re-creates the folder
        return real(trace1, digit, base, *a, **k)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(digit_pages, "render_digit", remove_then_render)
    r = invoke("activations", "-q", "-o", "act", "--model", tiny_model, inputs["good"]["palette-png"])
    assert "was removed during the build" in failed(r)
    assert list(tmp_path.iterdir()) == []  # no page without its marker, no empty output folder


def test_output_folder_removed_mid_gallery_still_ends_complete(previous, monkeypatch, tiny_model, inputs):
    out = previous[0]  # the previous gallery is deleted while the new one is built
    real = digit_pages.render_digit

    def render_then_remove(*a, **k):
        shutil.rmtree(out, ignore_errors=True)
        return real(*a, **k)

    monkeypatch.setattr(digit_pages, "render_digit", render_then_remove)
    r = _gallery(out, tiny_model, inputs["good"]["palette-png"])
    assert r.exit_code == 0, r.output
    assert page_problems(out, []) == []
    assert [name for _, name in _parse(out / "index.html").digits][1:] == ["palette.png"]
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def _raise_on(name: str, exc: OSError):
    """An ``open`` that fails for files called ``name`` (as the disk or the permissions would)."""
    real = open

    def fake(file, mode="r", *a, **k):
        if "w" in mode and os.path.basename(str(file)).startswith(f".{name}."):
            raise exc
        return real(file, mode, *a, **k)

    return fake


DENIED = OSError(errno.EACCES, os.strerror(errno.EACCES))
FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
FAULTS = {  # where the OS refuses (as root chmod does not bite, a read-only folder is simulated too)
    "figure-read-only": ("figure", DENIED, "Permission denied"),
    "figure-disk-full": ("figure", FULL, "No space left on device"),
    "html-disk-full": ("html", FULL, "No space left on device"),
    "thumb-disk-full": ("thumb", FULL, "No space left on device"),
    "swap-disk-full": ("swap", FULL, "No space left on device"),
    "swap-rename-fails": ("rename", OSError(errno.EXDEV, os.strerror(errno.EXDEV)), "cross-device"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_write_faults_leave_the_previous_gallery(fault, previous, monkeypatch, tiny_model, inputs):
    where, exc, says = FAULTS[fault]
    if where == "figure":
        # the first digit page writes the shared colour bars
        monkeypatch.setattr(fileio, "open", _raise_on("colorbar-viridis.png", exc), raising=False)
    elif where == "html":
        monkeypatch.setattr(fileio, "open", _raise_on("digit-test-0000.html", exc), raising=False)
    elif where == "thumb":
        monkeypatch.setattr(fileio, "open", _raise_on("thumb.png", exc), raising=False)
    elif where == "swap":
        real_mkdtemp = publish.tempfile.mkdtemp

        def mkdtemp(suffix=None, prefix=None, dir=None):  # tempfile's own signature: other callers
            if ".old-" in (prefix or ""):  # (TemporaryDirectory) pass prefix positionally
                raise exc
            return real_mkdtemp(suffix, prefix, dir)

        monkeypatch.setattr(publish.tempfile, "mkdtemp", mkdtemp)
    else:
        real_rename = os.rename

        def rename(src, dst):
            if ".building-" in str(src):
                raise exc
            return real_rename(src, dst)

        monkeypatch.setattr(publish.os, "rename", rename)
    r = _gallery(previous[0], tiny_model, inputs["good"]["palette-png"])
    assert says.lower() in failed(r).lower()
    _intact(previous)


def test_dot_missing_during_gallery(previous, tmp_path, monkeypatch, tiny_model, inputs):
    calls = []
    monkeypatch.setattr(digit_pages, "render_digit", lambda *a, **k: calls.append(1))
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    err = failed(_gallery(previous[0], tiny_model, inputs["good"]["palette-png"]))
    assert "graphviz" in err and "apt-get install graphviz" in err
    assert calls == []  # checked before any work
    _intact(previous)


def test_dot_missing_during_activations(tmp_path, monkeypatch, tiny_model, inputs):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    err = failed(invoke("activations", "-o", "act", "--model", tiny_model, inputs["good"]["palette-png"],
                        inputs["good"]["odd-name"]))
    assert err.count("apt-get install graphviz") == 1  # said once, before any work
    assert list(tmp_path.iterdir()) == []


def test_swap_lock_admits_one_at_a_time(tmp_path):
    # The lock file is unlinked on release; a waiter then holds a file no longer at the path, and a
    # newcomer creates a new one. Three holders in a row must still never overlap.
    import threading
    import time

    lock, inside, overlaps = tmp_path / ".gallery.lock", [], []
    first_in = threading.Event()

    def hold(seconds: float) -> None:
        with publish._locked(lock):
            inside.append(1)
            first_in.set()
            overlaps.append(len(inside))
            time.sleep(seconds)
            inside.pop()

    first = threading.Thread(target=hold, args=(0.2,))
    first.start()
    first_in.wait()
    second = threading.Thread(target=hold, args=(0.3,))  # waits on the first holder's file
    second.start()
    time.sleep(0.35)  # the first has released and unlinked; the second holds
    third = threading.Thread(target=hold, args=(0.05,))
    third.start()
    for t in (first, second, third):
        t.join()
    assert overlaps == [1, 1, 1]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_concurrent_galleries_end_as_one(tmp_path, tiny_model, inputs):
    out = tmp_path / "site" / "gallery"
    out.parent.mkdir()
    names = ["alpha.png", "bravo.png"]
    for name in names:
        shutil.copy(inputs["good"]["palette-png"], tmp_path / name)
    exe = Path(sys.executable).with_name("lenet-viz")
    procs = [subprocess.Popen([str(exe), "gallery", "-q", "-o", str(out), "--model", str(tiny_model),
                               str(tmp_path / name)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=tmp_path) for name in names]
    results = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    shown = [name for _, name in _parse(out / "index.html").digits]
    assert len(shown) == 2 and shown[0].startswith("held-out") and shown[1] in names, shown
    assert {p.name for p in out.glob("digit-*.html")} == {"digit-test-0000.html",
                                                          f"digit-{Path(shown[1]).stem}.html"}
    assets = {p.name for p in (out / "assets").iterdir() if p.is_dir()}
    # the pages' figure folders (mistakes has one only when the net misreads a held-out digit)
    stems = {p.stem for p in pages.PAGES if p.nav} - {"index", "draw", "training", "browse", "mistakes"}
    assert assets - {"test-0000", Path(shown[1]).stem, "mistakes"} == stems  # no mix
    assert page_problems(out, []) == []
    assert sorted(p.name for p in out.parent.iterdir()) == ["gallery"]  # no temp, old or lock left


# ------------------------------------------------------------------------------------------ 5. security


def test_gallery_loads_nothing_runs_nothing_reveals_nothing(gallery_run, tiny_model):
    out = gallery_run["out"]
    secrets = [gallery_run["root"], tiny_model.parent, tiny_model.parent.parent, os.path.expanduser("~")]
    assert page_problems(out, secrets) == []


def test_gallery_escapes_every_user_name(gallery_run, inputs):
    out = gallery_run["out"]
    names = [os.path.basename(p) for p in [*inputs["good"].values(), *inputs["hostile"]]]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert_escaped(index, names)
    for href, name in _parse(out / "index.html").digits:
        assert_escaped((out / href).read_text(encoding="utf-8"), [name])
    for p in out.rglob("*"):
        assert SAFE_NAME.match(p.name), f"unsafe file name {p.name!r}"


def test_gallery_writes_nothing_outside_its_folder(gallery_run):
    root = gallery_run["root"]
    assert sorted(p.name for p in (root / "site").iterdir()) == ["gallery"]
    assert list((root / "cwd").iterdir()) == []
    for folder, before in gallery_run["watched"].items():
        after = {k: v for k, v in tree(folder).items() if not k.startswith("site/gallery")}
        assert after == before, folder
