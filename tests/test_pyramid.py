"""The pyramid drawn with an input's own maps: golden DOT, pictures equal to the trace's values,
a self-contained SVG, raster formats, and its failure modes."""

import base64
import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from lenet_viz.errors import RenderError
from lenet_viz.render.colormaps import colorize
from lenet_viz.render.diagram import LAYOUTS, diagram
from lenet_viz.render.pyramid import _grid_shape, embed, images, pictures, png, pyramid

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


@pytest.fixture(scope="module")
def t2(t5):
    """The seeded LeNet-5's trace of three digits (conftest)."""
    return t5


def _decode(uri):
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_golden_source(t2, layout, update_golden):
    path = os.path.join(GOLDEN, f"pyramid_lenet5_{layout}.gv")
    source = pyramid(t2, layout).source
    golden = None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            golden = f.read()
    if update_golden and source != golden:
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        pytest.skip(f"rewrote {path}: review the diff and commit it")
    assert golden is not None, f"{path} is missing: run pytest --update-golden"
    assert source == golden, f"pyramid source differs from {path}; if intended, pytest --update-golden"


def test_dot_is_the_same_for_every_input_and_names_only_files(t2):
    a, b = pyramid(t2, "wrap", index=0), pyramid(t2, "wrap", index=1)
    assert a.source == b.source  # the layout never depends on the values: one layout per gallery
    assert a.images.keys() == b.images.keys()
    assert any(not np.array_equal(a.images[k], b.images[k]) for k in a.images)
    srcs = re.findall(r'<IMG SRC="([^"]+)"', a.source)
    assert srcs == [f"{n}.png" for n in a.names]  # relative names: no temporary path in the DOT
    assert "drawn with one input&#x27;s values" in a.source
    # the plain diagram is untouched by the pictures (its golden files are in test_diagram)
    assert "<IMG" not in diagram(t2, "wrap").source


def test_planes_shrink_while_their_number_grows(t2):
    names = pyramid(t2).names
    pics = pictures(t2, names)
    px = {n: images(t2, names)[pics[n].src] for n in names}
    # conv/pool grids: tiles of 28, 28, 14, 10, 5 pixels, 1, 6, 6, 16, 16 of them
    assert [(_grid_shape(c), s) for c, s in ((1, 28), (6, 28), (6, 14), (16, 10), (16, 5))] == \
        [((1, 1), 28), ((3, 2), 28), ((3, 2), 14), ((4, 4), 10), ((4, 4), 5)]
    assert px["conv1"].shape == (3 * 29 - 1, 2 * 29 - 1, 3)
    assert px["pool2"].shape == (4 * 6 - 1, 4 * 6 - 1, 3)
    tile_pt = [pics[n].width / px[n].shape[1] for n in ("input", "conv1", "pool1", "conv2", "pool2")]
    assert max(tile_pt) - min(tile_pt) < 0.05  # one scale: a 5x5 map is drawn a fifth of a 28x28 one
    # vectors as strips wrapped into rows, the output as one bar column per class with its label
    assert px["flatten"].shape == (16, 25, 3) and px["dense1"].shape == (5, 24, 3)
    assert pics["dense3"].labels == tuple("0123456789")


def test_pictures_are_the_traces_values(t2):
    names = pyramid(t2).names
    for i in (0, 2):
        px = images(t2, names, i)
        conv1 = t2["conv1"].output[i]  # sigmoid: the fixed 0–1 scale
        assert np.array_equal(px["conv1.png"][:28, :28], colorize(conv1[0], "viridis", 0, 1))
        assert np.array_equal(px["conv1.png"][29:57, 29:57], colorize(conv1[3], "viridis", 0, 1))
        assert (px["conv1.png"][28] == 255).all()  # the gap between planes
        assert np.array_equal(px["input.png"], colorize(t2.input[i, 0], "gray", 0, 1))
        flat = t2["pool2"].output[i].reshape(-1)
        assert np.array_equal(px["flatten.png"].reshape(-1, 3), colorize(flat, "viridis", 0, 1))
        # bars: each class's column filled to round(p * 24) pixels, the top class in green
        p = t2.probabilities[i]
        bars = px["dense3.png"]
        filled = [(bars[:, 5 * k + 2] != (238, 238, 238)).all(axis=1).sum() for k in range(10)]
        assert filled == [int(round(v * 24)) for v in p]
        if filled[int(p.argmax())]:
            assert tuple(bars[-1, 5 * int(p.argmax()) + 2]) == (0, 158, 115)


@needs_dot
def test_svg_is_self_contained_and_linked(t2, artifacts):
    d = pyramid(t2, "LR", links=lambda n: f"digit-3.html#{n}", index=1)
    svg = d.svg()
    root = ET.fromstring(svg)
    imgs = list(root.iter(f"{SVG}image"))
    assert len(imgs) == len(d.names)
    for img in imgs:
        assert img.get(f"{XLINK}href").startswith("data:image/png;base64,")
        assert img.get("preserveAspectRatio") == "none"
    decoded = sorted(_decode(i.get(f"{XLINK}href")).tobytes() for i in imgs)
    assert decoded == sorted(a.tobytes() for a in d.images.values())
    nodes = {g.get("id"): g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}
    for name, g in nodes.items():
        assert [a.get(f"{XLINK}href") for a in g.iter(f"{SVG}a")] == [f"digit-3.html#{name}"]
    assert d.svg() == svg  # same input, same bytes
    for layout in ("wrap", "TB"):
        with open(os.path.join(artifacts, f"pyramid_lenet5_{layout}.svg"), "w", encoding="utf-8") as f:
            f.write(pyramid(t2, layout, links=lambda n: None).svg())


@needs_dot
@pytest.mark.parametrize("variant", ("lenet5", "modern", "mlp"))
def test_dot_draws_every_variant_without_warnings(variant, t5, tm, tmp_path):
    from lenet_viz._mx import seed_all
    from lenet_viz.capture import trace
    from lenet_viz.model import Model, build_net

    if variant in ("lenet5", "modern"):
        t = t5 if variant == "lenet5" else tm
    else:
        seed_all(0)
        mlp = Model(net=build_net("mlp"), variant="mlp", source="mlp")
        t = trace(mlp, np.zeros((1, 1, 28, 28), np.float32))
    for layout in LAYOUTS:
        d = pyramid(t, layout)
        for name, rgb in d.images.items():
            (tmp_path / name).write_bytes(png(rgb))
        proc = subprocess.run(["dot", "-Tsvg"], input=d.source.encode(), cwd=tmp_path, capture_output=True)
        assert proc.returncode == 0 and proc.stderr.decode() == "", (layout, proc.stderr)
        svg = embed(proc.stdout.decode(), d.images)
        assert not re.search(r'<image xlink:href="(?!data:image/png;base64,)', svg)


@needs_dot
def test_raster_formats_carry_the_pictures(t2, tmp_path):
    d = pyramid(t2, "TB")
    for fmt, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
        assert d.save(tmp_path / f"p.{fmt}").read_bytes().startswith(magic)
    assert d.save(tmp_path / "p.gv").read_text(encoding="utf-8") == d.source
    with Image.open(tmp_path / "p.png") as im:
        colours = set(map(tuple, np.asarray(im.convert("RGB")).reshape(-1, 3).tolist()))
    assert (0, 158, 115) in colours and len(colours) > 50  # the bars and the maps were drawn
    assert sorted(os.listdir(tmp_path)) == ["p.gv", "p.pdf", "p.png"]


def test_dot_missing_or_failing(t2, tmp_path, monkeypatch):
    import lenet_viz.render.diagram as dmod

    d = pyramid(t2)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")

    def fail(*args, **kwargs):
        raise subprocess.CalledProcessError(3, ["dot"])

    monkeypatch.setattr(dmod.subprocess, "run", fail)
    with pytest.raises(RenderError, match=r"`dot` failed \(exit status 3\)"):
        d.svg()

    def gone(*args, **kwargs):
        raise FileNotFoundError("dot")

    monkeypatch.setattr(dmod.subprocess, "run", gone)
    with pytest.raises(RenderError, match="apt-get install graphviz"):
        d.save(tmp_path / "p.png")
    assert os.listdir(tmp_path) == []


def test_bad_inputs(t2):
    with pytest.raises(RenderError, match="needs a Trace"):
        pyramid(t2.layers)
    with pytest.raises(RenderError, match=r"index 3 is out of range: the trace holds 3"):
        pyramid(t2, index=3)
    with pytest.raises(RenderError, match="unknown layout"):
        pyramid(t2, "XY")
    with pytest.raises(RenderError, match="conv1.png, which these pictures lack"):
        embed('<image xlink:href="conv1.png" width="1px" preserveAspectRatio="xMinYMin meet"/>', {})


def test_module_imports_no_mxnet_or_matplotlib():
    import sys

    code = ("import sys, lenet_viz.render.pyramid; "
            "assert 'mxnet' not in sys.modules and 'matplotlib' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
