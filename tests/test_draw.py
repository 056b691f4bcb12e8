"""The draw page's build (lenet_viz.site.draw), its CLI command, and its JS cores run under Node against
the Python they mirror (the real-browser checks are in test_draw_browser.py)."""

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lenet_viz.cli import cli

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")


def _node(script: str, payload) -> object:
    assert NODE, "Node (node) is needed: the draw page's JS is tested with it"
    r = subprocess.run([NODE, "-e", script], input=json.dumps(payload), capture_output=True, text=True,
                       cwd=ROOT, check=False, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def page():
    from lenet_viz.site.draw import build_page, held_out

    return build_page(digits=held_out())


def _data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="lenet-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def test_page_is_self_contained_under_a_strict_csp(page):
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    csp = csp.replace("&#x27;", "'")
    assert csp.startswith("default-src 'none'; script-src 'sha256-")
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|https?://", page.split("<script")[0])
    for name in ("nn.js", "preprocess.js", "arith.js", "canvas.js", "pad.js", "draw.js"):
        assert (ROOT / "lenet_viz" / "web" / name).read_text() in scripts[0]
    for bad in ("eval(", "new Function", "innerHTML", "document.write"):
        assert bad not in scripts[0]
    assert "<noscript>" in page and "lenet-viz gallery" in page


def test_page_carries_the_shipped_weights_and_their_sha256(page):
    from lenet_viz.model import load_model, sha256_of, shipped_path

    data = _data(page)
    assert [m["name"] for m in data["models"]] == ["lenet5", "modern", "mlp"]
    for m in data["models"]:
        sha = sha256_of(str(shipped_path(m["name"])) + ".params")
        assert m["sha256"] == sha and sha in page
        net = load_model(m["name"]).net
        w = np.frombuffer(base64.b64decode(m["weights"]), "<f4")
        expected = np.concatenate([p.data().asnumpy().ravel() for p in net.collect_params().values()])
        assert w.size == expected.size and np.array_equal(np.sort(w), np.sort(expected))
    assert len(data["digits"]) == 10 and sorted(d["label"] for d in data["digits"]) == list(range(10))


def test_spec_uses_the_trace_names_scales_and_receptive_fields(seeded_net):
    from lenet_viz.capture import trace
    from lenet_viz.site.draw import model_spec
    from lenet_viz.stats import layer_stats

    spec, weights = model_spec(seeded_net)
    t = trace(seeded_net, np.zeros((1, 1, 28, 28), np.float32))
    assert [entry["name"] for entry in spec["layers"]] == t.names
    assert spec["figures"][0] == "input" and "conv1.pre" in spec["figures"]
    by = {entry["name"]: entry for entry in spec["layers"]}
    assert [by[n]["rf"] for n in ("conv1", "pool1", "conv2", "pool2")] == [5, 6, 14, 16]
    assert by["conv1"]["rf_start"] == -2 and by["pool2"]["rf_jump"] == 4
    assert by["conv1"]["scale"]["fixed"] == [0.0, 1.0] and by["pool1"]["scale"]["fixed"] == [0.0, 1.0]
    assert by["dense3"]["scale"]["fixed"] is None
    conv1 = by["conv1"]["params"]["weight"]
    got = weights[conv1["offset"]:conv1["offset"] + 150].reshape(conv1["shape"])
    assert np.array_equal(got, t["conv1"].weights["weight"])
    from lenet_viz.site.draw import page_html

    s = layer_stats(t)["conv1"]
    assert _data(page_html([("m", seeded_net)]))["thresholds"] == {"low": s.low, "high": s.high}


def test_same_models_same_bytes(page):
    from lenet_viz.site.draw import build_page, held_out

    assert build_page(digits=held_out()) == page


def test_js_forward_equals_mxnet_under_node(digits):
    """A quick check without a browser; the browser test covers 200 digits and every model."""
    from lenet_viz.capture import trace
    from lenet_viz.model import load_model
    from lenet_viz.site.draw import model_spec

    x = digits[0][:4]
    for name in ("lenet5", "modern", "mlp"):
        model = load_model(name)
        spec, w = model_spec(model)
        js = """
        const nn = require('./lenet_viz/web/nn.js');
        const p = JSON.parse(require('fs').readFileSync(0, 'utf8'));
        const w = new Float32Array(Buffer.from(p.w, 'base64').buffer.slice(0));
        console.log(JSON.stringify(p.x.map(px => { const o = nn.forward(p.spec, w, px); const r = {};
          for (const k in o) r[k] = Array.from(o[k]); return r; })));"""
        out = _node(js, {"spec": spec, "w": base64.b64encode(w.astype("<f4").tobytes()).decode(),
                         "x": x.reshape(len(x), 784).tolist()})
        ref = trace(model, x).arrays()
        for i, got in enumerate(out):
            assert set(got) == set(ref) - {"input"}
            for key, values in got.items():
                want = ref[key][i].ravel()
                err = np.abs(np.array(values) - want) / (1 + np.abs(want))
                assert err.max() <= 1e-5, (name, key, float(err.max()))


def test_js_preprocess_equals_load_digit_preprocessing():
    from lenet_viz.images import from_array

    rng = np.random.default_rng(1)
    images = []
    for h, w in ((280, 280), (40, 40), (345, 200), (60, 420)):
        a = np.full((h, w), 255, np.uint8)
        for _ in range(5):
            y, x = rng.integers(0, h), rng.integers(0, w)
            a[max(0, y - 9):y + 9, max(0, x - 25):x + 25] = rng.integers(0, 120)
        images.append(a)
    images.append(255 - images[0])  # light ink on dark
    js = """
    const pp = require('./lenet_viz/web/preprocess.js');
    const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    console.log(JSON.stringify(cases.map(c => { const d = new Uint8ClampedArray(4 * c.w * c.h);
      c.px.forEach((v, i) => d.set([v, v, v, 255], 4 * i));
      return Array.from(pp.preprocess({width: c.w, height: c.h, data: d})); })));"""
    out = _node(js, [{"w": a.shape[1], "h": a.shape[0], "px": a.ravel().tolist()} for a in images])
    for a, got in zip(images, out):
        want = from_array(a)[0, 0].ravel()
        assert np.abs(np.array(got) - want).max() < 1e-4


def test_js_constants_are_those_of_images_py():
    from lenet_viz import images

    got = _node("console.log(JSON.stringify(require('./lenet_viz/web/preprocess.js').CONSTANTS))", None)
    assert got == {"MIN_CONTRAST": images.MIN_CONTRAST, "BBOX_FRACTION": images.BBOX_FRACTION,
                   "BOX": images.BOX, "FIELD": images.FIELD, "CENTRE": images.CENTRE,
                   "MAX_CROP": images._MAX_CROP}


def test_draw_pad_for_jupyter_is_an_isolated_iframe(seeded_net):
    from lenet_viz import draw_pad

    pad = draw_pad(seeded_net)
    html = pad._repr_html_()
    assert html.startswith("<iframe") and 'sandbox="allow-scripts"' in html and "srcdoc=" in html
    assert "lenet-data" in pad.page and "<script" not in html.split("srcdoc=")[0]


def test_gallery_page_writes_draw_html_with_the_gallerys_digits(tmp_path, seeded_net, digits):
    from lenet_viz.site import Digit, PageContext
    from lenet_viz.site.pages import PAGES, draw

    shown = [Digit(f"test-{i}", f"held-out #{i}", digits[0][i], None, int(digits[1][i])) for i in range(3)]
    shown.append(Digit("mine", "mine.png", digits[0][5], None, None))  # the user's own: no load button
    ctx = PageContext(tmp_path, seeded_net, None, None, shown, [])
    blurb = draw.PAGE.build(ctx)
    assert draw.PAGE in PAGES and (draw.PAGE.href, draw.PAGE.title) == ("draw.html", "Draw your own digit")
    assert draw.PAGE.lead and draw.PAGE.listed and "3 held-out digits" in blurb
    data = _data((tmp_path / "draw.html").read_text())
    assert [m["name"] for m in data["models"]] == ["seeded-lenet5", "lenet5", "modern", "mlp"]
    assert [(d["id"], d["label"]) for d in data["digits"]] == [(d.name, d.truth) for d in shown[:3]]
    px = np.frombuffer(base64.b64decode(data["digits"][0]["pixels"]), np.uint8) / 255
    assert np.abs(px - shown[0].x.ravel()).max() <= 0.5 / 255 + 1e-7
    assert 'href="index.html"' in (tmp_path / "draw.html").read_text()
    assert '<p id="digits-note" class="scale">3 held-out digits.</p>' in (tmp_path / "draw.html").read_text()


def test_gallery_draw_page_offers_only_the_digits_the_overview_lists(tmp_path, seeded_net, digits):
    """A gallery of many digits (``--digits all``) offers the featured ones, not a button per digit,
    and says how many of how many."""
    from lenet_viz.site import Digit, PageContext
    from lenet_viz.site.pages import browse, draw
    from lenet_viz.site.pages.index import INLINE_MAX, listed_digits

    x, y = digits
    many = [Digit(f"test-{i}", f"held-out #{i}", x[i % len(x)], None, int(y[i % len(y)]))
            for i in range(INLINE_MAX + 6)]
    nav = [{"href": browse.PAGE.href, "title": browse.PAGE.title}]
    ctx = PageContext(tmp_path, seeded_net, None, None, many, nav)
    blurb = draw.PAGE.build(ctx)
    page = (tmp_path / "draw.html").read_text()
    offered = [d for d in listed_digits(ctx) if d.truth is not None]
    assert offered == ctx.featured and len(offered) == len(set(d.truth for d in many)) < len(many)
    assert [d["id"] for d in _data(page)["digits"]] == [d.name for d in offered]
    assert (f"{len(offered)} of this gallery's {len(many)} held-out digits: the ones its overview lists "
            f'(<a href="browse.html">Browse</a> has every one).') in page
    assert f"the {len(offered)} held-out digits" in blurb
    small = PageContext(tmp_path, seeded_net, None, None, many[:INLINE_MAX], nav)  # few: all of them
    draw.PAGE.build(small)
    assert len(_data((tmp_path / "draw.html").read_text())["digits"]) == INLINE_MAX


# ---------------------------------------------------------------- the CLI command


def test_cli_draw_writes_one_file(tmp_path):
    out = tmp_path / "pad.html"
    r = CliRunner().invoke(cli, ["draw", "--model", "lenet5", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert f"wrote {out}" in r.output and out.is_file()
    assert [m["name"] for m in _data(out.read_text())["models"]] == ["lenet5"]
    assert [p.name for p in tmp_path.iterdir()] == ["pad.html"]  # no temporary file left


@pytest.mark.parametrize("case, message", [
    ("folder", "is a folder; give a file name such as OUTPUT/pad.html"),
    ("no-parent", "does not exist; create it first"),
    ("under-a-file", "does not exist; create it first"),
])
def test_cli_draw_bad_output(tmp_path, case, message):
    (tmp_path / "notes.txt").write_text("keep")
    target = {"folder": tmp_path, "no-parent": tmp_path / "missing" / "pad.html",
              "under-a-file": tmp_path / "notes.txt" / "pad.html"}[case]
    r = CliRunner().invoke(cli, ["draw", "-m", "mlp", "-o", str(target)])
    assert r.exit_code == 1 and r.output.startswith("Error: ") and message in r.output, r.output
    assert "Traceback" not in r.output


def test_cli_draw_bad_model(tmp_path):
    out = tmp_path / "pad.html"
    r = CliRunner().invoke(cli, ["draw", "-m", "nope", "-o", str(out)])
    assert r.exit_code == 1 and "Error: model 'nope' not found" in r.output
    r = CliRunner().invoke(cli, ["draw", "-m", "mlp", "-m", "mlp", "-o", str(out)])
    assert r.exit_code == 1 and "Error: models listed twice: mlp" in r.output
    assert not out.exists()
