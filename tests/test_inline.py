"""lenet_viz.site.inline: what the scripted pages inline, and the hash that allows it."""

import base64
import hashlib

import pytest

from lenet_viz.errors import LenetVizError
from lenet_viz.site import inline


def test_csp_hash_is_the_sha256_of_the_exact_text():
    want = base64.b64encode(hashlib.sha256(b"a();").digest()).decode()
    assert inline.csp_hash("a();") == f"sha256-{want}"
    assert inline.csp_hash("a(); ") != inline.csp_hash("a();")


def test_inlined_joins_the_files_in_order():
    assert inline.inlined("nn.js", "canvas.js") == inline.web("nn.js") + "\n" + inline.web("canvas.js")


@pytest.mark.parametrize("bad", ["x = '</script>';", "/* </STYLE> */", "<!-- y"])
def test_inlined_refuses_text_that_would_end_its_element(monkeypatch, bad):
    monkeypatch.setattr(inline, "web", lambda name: bad if name == "evil.js" else "ok")
    with pytest.raises(LenetVizError, match=r"web/evil\.js contains"):
        inline.inlined("good.js", "evil.js")


def test_fill_replaces_in_one_pass(monkeypatch):
    monkeypatch.setattr(inline, "web", lambda name: "<p>{{a}} {{b}}</p>")
    assert inline.fill("t.html", {"a": "{{b}}", "b": "B"}) == "<p>{{b}} B</p>"
