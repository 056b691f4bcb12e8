"""The architecture diagram: golden DOT text, the real `dot`, the shape walk, and its failure modes."""

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from lenet_viz.errors import RenderError
from lenet_viz.render.diagram import FORMATS, LAYOUTS, Diagram, diagram, save_diagram

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
VARIANTS = ("lenet5", "modern", "mlp")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


def _trace(variant, seed=0):
    from lenet_viz._mx import seed_all
    from lenet_viz.capture import trace
    from lenet_viz.model import Model, build_net

    seed_all(seed)
    model = Model(net=build_net(variant), variant=variant, source=variant)
    return trace(model, np.zeros((1, 1, 28, 28), "float32"))


@pytest.fixture(scope="module")
def traces():
    return {v: _trace(v) for v in VARIANTS}


def _glyphs(source):
    """(width, height) of every tensor glyph in node order."""
    return [(int(w), int(h)) for w, h in re.findall(r'PORT="g" FIXEDSIZE="TRUE" WIDTH="(\d+)" HEIGHT="(\d+)"',
                                                   source)]


def _output_shapes(source):
    """The bold output shape printed under each glyph, in node order."""
    return re.findall(r"</TABLE></TD></TR><TR><TD><B>([^<]+)</B>", source)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_golden_source(traces, variant, layout, update_golden):
    path = os.path.join(GOLDEN, f"diagram_{variant}_{layout}.gv")
    source = diagram(traces[variant], layout).source
    golden = None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            golden = f.read()
    if update_golden and source != golden:
        # Compared with the file as it was, never with what was just written: a rewrite is reported.
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        pytest.skip(f"rewrote {path}: review the diff and commit it")
    assert golden is not None, f"{path} is missing: run pytest --update-golden"
    assert source == golden, f"diagram source differs from {path}; if intended, pytest --update-golden"


@needs_dot
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_dot_draws_without_warnings(traces, variant, layout):
    # `dot` warns (and still exits 0) when a label's text overflows a fixed-size cell or an HTML
    # label is malformed: a silent way to clip text, so any stderr output fails the test.
    proc = subprocess.run(["dot", "-Tsvg"], input=diagram(traces[variant], layout).source.encode(),
                          capture_output=True, check=False)
    assert proc.returncode == 0
    assert proc.stderr.decode() == ""


@needs_dot
def test_svg_has_every_layer_linked(traces, artifacts):
    t = traces["lenet5"]
    d = diagram(t, "LR", links=lambda name: f"digit-3.html#{name}")
    root = ET.fromstring(d.svg())
    nodes = {g.get("id"): g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}
    assert set(nodes) == {"input", *t.names, "flatten"}
    for name, g in nodes.items():
        hrefs = [a.get(f"{XLINK}href") for a in g.iter(f"{SVG}a")]
        assert hrefs == [f"digit-3.html#{name}"], name
    conv1_title = next(nodes["conv1"].iter(f"{SVG}a")).get(f"{XLINK}title")
    assert conv1_title == "conv1: Conv2D 6@5x5 pad 2, sigmoid → 6×28×28, 156 params"
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert any("48,000 weights" in s for s in texts)
    assert "400 × 120" in texts

    png = save_diagram(d, os.path.join(artifacts, "diagram_lenet5_LR.png"))
    svg = d.save(os.path.join(artifacts, "diagram_lenet5_LR.svg"))
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert ET.parse(svg).getroot().tag == f"{SVG}svg"


def test_shape_walk_in_labels(traces):
    d = diagram(traces["lenet5"])
    assert d.names == ["input", "conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dense2", "dense3"]
    assert _output_shapes(d.source) == [
        "1×28×28", "6×28×28", "6×14×14", "16×10×10", "16×5×5", "400", "120", "84", "10"]
    assert "16×5×5 → 400" in d.source
    assert "<TD>400 × 120<BR/>= 48,000 weights</TD>" in diagram(traces["lenet5"], "TB").source
    assert "<TD>400 × 120<BR/>= 48,000 weights</TD>" in d.source  # two lines: ranks close, TB narrow
    # wrap: no edge labels (they would add ranks to every row); the count is a caption line
    wrap = diagram(traces["lenet5"], "wrap").source
    assert '<FONT POINT-SIZE="10">400 × 120 = 48,000 weights</FONT>' in wrap and "<BR/>= " not in wrap


def test_wrap_breaks_rows_of_five_and_keeps_stages_whole(traces):
    from lenet_viz.render.diagram import ROW_NODES

    src = diagram(traces["lenet5"], "wrap").source
    # rows: input…pool2, then flatten…dense3; the row starts share a rank, the edge between rows
    # runs from under pool2 to over flatten and does not pull flatten to the right
    assert "rankdir=LR newrank=true" in src
    assert "pool2:s -> flatten:n [id=\"pool2-flatten\" constraint=false]" in src
    assert "\t{\n\t\tgraph [rank=same]\n\t\tinput -> flatten [style=invis]\n\t}\n}" in src
    modern = diagram(traces["modern"], "wrap").source
    starts = re.findall(r"(\w+):s -> (\w+):n", modern)
    assert [b for _, b in starts] == ["conv2", "conv3", "gap1"]  # a conv→BN→relu stage is never split
    assert ROW_NODES == 5
    assert "rank=same" not in diagram(traces["mlp"], "wrap").source  # four nodes: one row


def test_narrow_tb_title_and_legend_wrap(traces):
    src = diagram(traces["lenet5"], "TB").source
    assert "</TD></TR><TR><TD><FONT POINT-SIZE=\"13\">61,706 parameters" in src
    assert src.count("■") == 5 and "pooling<BR/>" in src  # three kinds a line
    assert "GAP head: 650 params\\nvs 48,120" in diagram(traces["modern"], "TB").source


def test_pyramid_sizes(traces):
    lr = _glyphs(diagram(traces["lenet5"], "LR").source)
    tb = _glyphs(diagram(traces["lenet5"], "TB").source)
    assert tb == [(h, w) for w, h in lr]  # TB is LR turned: across-flow length stays the spatial side
    conv1, pool1, conv2, pool2 = lr[1:5]
    # across the flow: 28 > 14 > 10 > 5 pixels; along it: 16 channels thicker than 6
    assert conv1[1] > pool1[1] > conv2[1] > pool2[1]
    assert conv2[0] > conv1[0] and pool2[0] == conv2[0]
    assert all(12 <= h <= 96 and 8 <= w <= 60 for w, h in lr)


def test_flatten_made_explicit_once(traces):
    assert diagram(traces["mlp"]).names == ["input", "flatten", "dense1", "dense2"]
    src = diagram(traces["mlp"], "TB").source
    assert _output_shapes(src) == ["1×28×28", "784", "256", "10"]
    assert "784 × 256<BR/>= 200,704 weights" in src
    modern = diagram(traces["modern"])
    assert "flatten" not in modern.names and "flatten1" in modern.names


def test_modern_groups_stages_and_notes_gap_head(traces):
    d = diagram(traces["modern"])
    assert d.names[1:] == traces["modern"].names
    for c in ("cluster_conv1", "cluster_conv2", "cluster_conv3", "cluster_gap1"):
        assert f"subgraph {c} {{" in d.source
    assert 'label="stage 1: conv → BN → relu"' in d.source
    assert "GAP head: 650 params vs 48,120" in d.source
    assert "32,618 parameters" in d.source


def test_nodes_carry_id_url_tooltip(traces):
    src = diagram(traces["lenet5"]).source
    assert re.search(r'^\tconv1 \[label=<.*> id=conv1 class="layer conv" '
                     r'tooltip="conv1: Conv2D 6@5x5 pad 2, sigmoid → 6×28×28, 156 params" URL="#conv1"\]$',
                     src, re.M)
    assert "LeNet-5" in src and "61,706 parameters" in src
    unlinked = diagram(traces["lenet5"], links=lambda name: None if name == "input" else f"#{name}").source
    assert 'URL="#input"' not in unlinked and 'URL="#conv1"' in unlinked


def test_source_depends_on_architecture_only(traces):
    a = diagram(_trace("lenet5", seed=0), "LR").source
    b = diagram(_trace("lenet5", seed=1), "LR").source  # other weights, other MXNet counter names
    assert a == b == diagram(traces["lenet5"], "LR").source


def test_accepts_list_of_records(traces):
    d = diagram(traces["lenet5"].layers, "TB")
    assert d.names[0] == "input" and "<B>model</B>" in d.source
    assert _output_shapes(d.source)[0] == "1×28×28"


@needs_dot
def test_text_is_escaped(traces):
    t = dataclasses.replace(traces["mlp"], model='evil <b>&"x\\y', variant="")
    d = diagram(t, links=lambda name: f'a"b\\c d.html?q=1&r=ü#{name}')
    assert "evil &lt;b&gt;&amp;&quot;x\\y" in d.source
    # Graphviz copies hrefs into the SVG unescaped, so characters a URL may not hold are encoded
    assert 'URL="a%22b%5Cc%20d.html?q=1&amp;r=%C3%BC#input"' in d.source
    root = ET.fromstring(d.svg())
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert 'evil <b>&"x\\y' in texts
    hrefs = {a.get(f"{XLINK}href") for a in root.iter(f"{SVG}a")}
    assert "a%22b%5Cc%20d.html?q=1&r=%C3%BC#dense1" in hrefs


@needs_dot
def test_repr_svg_and_formats(traces, tmp_path):
    d = diagram(traces["mlp"])
    assert d._repr_svg_().lstrip().startswith("<?xml")
    assert "mlp LR: 4 nodes" in repr(d)
    for fmt, magic in (("pdf", b"%PDF"), ("png", b"\x89PNG"), ("svg", b"<?xml")):
        out = d.save(tmp_path / f"d.{fmt}")
        assert out.read_bytes().startswith(magic)
    assert (d.save(tmp_path / "d.gv")).read_text(encoding="utf-8") == d.source
    assert sorted(os.listdir(tmp_path)) == ["d.gv", "d.pdf", "d.png", "d.svg"]  # no temp files left


def test_dot_missing(traces, tmp_path, monkeypatch):
    d = diagram(traces["lenet5"])
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for call in (d.svg, d._repr_svg_, lambda: d.save(tmp_path / "x.png")):
        with pytest.raises(RenderError, match=r"apt-get install graphviz") as e:
            call()
        assert "`graphviz` package" in str(e.value) and "--format dot" in str(e.value)
    assert not (tmp_path / "x.png").exists()
    out = save_diagram(d, tmp_path / "x.dot", "dot")  # DOT text needs no Graphviz
    assert out.read_text(encoding="utf-8") == d.source
    assert sorted(os.listdir(tmp_path)) == ["empty-bin", "x.dot"]

    # `which` finds a dot that is gone by the time graphviz runs it
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")
    with pytest.raises(RenderError, match="graphviz"):
        d.svg()


def test_dot_failing(traces, monkeypatch):
    d = diagram(traces["mlp"])
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")

    def fail(format=None):
        raise subprocess.CalledProcessError(1, ["dot", f"-T{format}"])

    monkeypatch.setattr(d.digraph, "pipe", fail)
    with pytest.raises(RenderError, match=r"`dot` failed \(exit status 1\).*--format dot"):
        d.svg()


def test_bad_layout(traces):
    with pytest.raises(RenderError, match=r"unknown layout 'XY'; choose one of LR, TB"):
        diagram(traces["lenet5"], "XY")
    with pytest.raises(RenderError, match="unknown layout 'lr'"):
        diagram(traces["lenet5"], "lr")


def test_bad_format_and_path(traces, tmp_path):
    d = diagram(traces["mlp"])
    with pytest.raises(RenderError, match=r"unknown diagram format 'jpg'; choose one of svg, png, pdf, dot"):
        d.save(tmp_path / "d.jpg", "jpg")
    with pytest.raises(RenderError, match=r"cannot tell the format of 'd\.jpg'.*svg, png, pdf, dot"):
        d.save(tmp_path / "d.jpg")
    with pytest.raises(RenderError, match="unknown diagram format"):
        d.pipe("gif")
    with pytest.raises(RenderError, match="does not exist"):
        d.save(tmp_path / "missing" / "d.dot")
    assert os.listdir(tmp_path) == []
    assert FORMATS == ("svg", "png", "pdf", "dot")


def test_bad_inputs(traces):
    with pytest.raises(RenderError, match="Trace or a list of LayerRecord"):
        diagram("lenet5")
    with pytest.raises(RenderError, match="no layers"):
        diagram([])
    with pytest.raises(RenderError, match="LayerRecord items"):
        diagram([{"name": "conv1"}])
    with pytest.raises(RenderError, match="links must be a function"):
        diagram(traces["mlp"], links="#{name}")
    with pytest.raises(RenderError, match=r"links\('input'\) returned a int"):
        diagram(traces["mlp"], links=lambda name: 3)


def test_renderer_does_not_import_mxnet():
    code = ("import sys, lenet_viz.render.diagram as d; "
            "assert 'mxnet' not in sys.modules and 'matplotlib' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_diagram_type(traces):
    assert isinstance(diagram(traces["mlp"]), Diagram)
