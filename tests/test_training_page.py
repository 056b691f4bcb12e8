"""The training page's build: every checkpoint inline at the precision it is stored in, the prose's
numbers from the run cards, the gallery registry, the same bytes twice."""

import base64
import html
import json
import re

import numpy as np
import pytest

from lenet_viz.errors import LenetVizError
from lenet_viz.site.draw import held_out
from lenet_viz.site.training import PAIRS, fp16_sentence, page_html
from lenet_viz.snapshots import RUNS, read_run_card


@pytest.fixture(scope="module")
def page(data):
    return page_html(held_out(data)[:3])


def _data(page):
    return json.loads(re.search(r'<script type="application/json" id="lenet-data">(.*?)</script>', page, re.S)
                      .group(1))


def test_every_checkpoint_is_inline_at_its_stored_precision(page):
    from lenet_viz.model import load_model
    from lenet_viz.site.draw import model_spec

    d = _data(page)
    assert [r["name"] for r in d["runs"]] == list(RUNS)
    ids = [c["id"] for r in d["runs"] for c in r["checkpoints"]]
    assert len(ids) == sum(len(read_run_card(r)["checkpoints"]) for r in RUNS)
    f4 = [c["id"] for r in d["runs"] for c in r["checkpoints"] if c["dtype"] == "f4"]
    assert f4 == ["lenet5@120"]
    for cid in ("seed-default@0", "lenet5@120"):
        c = next(c for r in d["runs"] for c in r["checkpoints"] if c["id"] == cid)
        got = np.frombuffer(base64.b64decode(c["weights"]), "<f2" if c["dtype"] == "f2" else "<f4")
        assert np.array_equal(got.astype(np.float32), model_spec(load_model(cid))[1])


def test_the_prose_and_the_marks_come_from_the_cards(page):
    cards = [read_run_card(r) for r in RUNS]
    sentence = fp16_sentence(cards)
    worst = max(c["fp16_effect"] for card in cards for c in card["checkpoints"] if c["dtype"] == "float16")
    assert f"{worst:.1e}" in sentence and "38 checkpoints are stored as float16" in sentence
    assert "lenet5@120 is lenet5.params itself" in sentence
    assert html.escape(sentence) in page
    d = _data(page)
    assert [r["marks"] for r in d["runs"]] == [c["marks"] for c in cards]
    assert [(p["left"], p["right"]) for p in d["pairs"]] == [(a, b) for a, b, _ in PAIRS]


def test_same_bytes_twice_and_a_csp_that_forbids_requests(page, data):
    assert page_html(held_out(data)[:3]) == page
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert csp.startswith("default-src &#x27;none&#x27;; script-src &#x27;sha256-")


def test_no_digit_is_an_error():
    with pytest.raises(LenetVizError, match="at least one held-out digit"):
        page_html([])


def test_the_gallery_lists_the_page_for_digits_only(data):
    from lenet_viz.data import load_dataset
    from lenet_viz.site.pages import pages_for, training

    assert training.PAGE in pages_for(data)
    assert training.PAGE not in pages_for(load_dataset("fashion-mnist"))


def test_the_scripts_are_inline_and_use_no_eval(page):
    from pathlib import Path

    from lenet_viz.site.training import SCRIPTS

    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    web = Path(__file__).resolve().parent.parent / "lenet_viz" / "web"
    for name in SCRIPTS:
        assert (web / name).read_text() in scripts[0]
    for bad in ("eval(", "new Function", "innerHTML", "document.write"):
        assert bad not in scripts[0]
