"""The browse page states, for every gallery input, the numbers its digit page is built from: the
true label, the prediction, its probability and the share of saturated units, re-derived here from
a capture of the model; the index links it and, for a large gallery, lists only the featured inputs."""

import math
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest


class _Cards(HTMLParser):
    """Every ``<li>`` of the browse grid: its data- attributes, link and visible text."""

    def __init__(self):
        super().__init__()
        self.cards, self._li = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "li" and "data-i" in a:
            self._li = {**a, "text": "", "class": ""}
            self.cards.append(self._li)
        elif tag == "a" and self._li is not None:
            self._li["href"], self._li["class"] = a["href"], a.get("class", "")
        elif tag == "img" and self._li is not None:
            self._li["img"] = a

    def handle_endtag(self, tag):
        if tag == "li":
            self._li = None

    def handle_data(self, data):
        if self._li is not None:
            self._li["text"] += data + " "


def _cards(path):
    p = _Cards()
    p.feed(path.read_text(encoding="utf-8"))
    return p.cards


@pytest.fixture(scope="module")
def built(tmp_path_factory, digit_folder, trained):
    """A gallery of the shipped lenet5 over 60 real held-out digits and one file of the user's."""
    from lenet_viz.data import idx_folder
    from lenet_viz.images import load_digit_info
    from lenet_viz.site import Digit, build_gallery
    from lenet_viz.site.pages import browse, digits, index

    info = load_digit_info(Path(__file__).parents[1] / "examples" / "digit.png")
    user = [Digit("", "mine <b>.png", info.array[0], info.raw, None)]
    out = tmp_path_factory.mktemp("browse") / "g"
    data = idx_folder(digit_folder)
    result = build_gallery(out, trained, data, user, pages=(digits.PAGE, browse.PAGE, index.PAGE),
                           count=10**9)
    return out, result, data


def test_every_card_states_its_digit_pages_numbers(built, trained):
    from lenet_viz.capture import trace
    from lenet_viz.fmt import pct
    from lenet_viz.stats import layer_stats

    out, result, data = built
    cards = _cards(out / "browse.html")
    assert len(cards) == len(result.digits) == 61
    t = trace(trained, np.stack([d.x for d in result.digits]))
    for i, (card, d) in enumerate(zip(cards, result.digits)):
        p = t.probabilities[i]
        label = int(p.argmax())
        stats = list(layer_stats(t.select(i)))
        sat = sum(s.saturated_fraction * s.n for s in stats) / sum(s.n for s in stats)
        truth = int(data.test.y[i]) if i < 60 else None
        assert card["data-i"] == str(i) and card["href"] == f"digit-{d.slug}.html"
        assert (out / card["href"]).is_file() and (out / card["img"]["src"]).is_file()
        assert card["img"]["loading"] == "lazy"
        assert card["data-truth"] == ("" if truth is None else str(truth))
        assert card["data-pred"] == str(label)
        assert float(card["data-conf"]) == pytest.approx(float(p[label]), abs=1e-6)
        assert float(card["data-sat"]) == pytest.approx(sat, abs=1e-6)
        text = " ".join(card["text"].replace("\u00a0", " ").split())
        assert f"predicted {label} ({pct(float(p[label]))})" in text
        assert f"saturated {pct(sat)}" in text
        wrong = truth is not None and truth != label
        assert ("wrong" in card["class"]) == wrong and ("misread" in text) == wrong
        assert (f"true {truth}" in text) == (truth is not None)
    assert "mine &lt;b&gt;.png" in (out / "browse.html").read_text(encoding="utf-8")


def test_lead_counts_the_mistakes(built):
    out, result, _ = built
    wrong = sum(d.truth is not None and d.truth != d.label for d in result.digits)
    text = (out / "browse.html").read_text(encoding="utf-8")
    said = "The one the net misreads is" if wrong == 1 else f"The {wrong:,} the net misreads are"
    assert wrong and f"{said} framed in red" in text
    assert "One is your image (no true label)." in text
    assert re.search(r'<h1>All 61 digits</h1>', text)


def test_large_gallery_index_lists_the_featured_inputs_and_links_browse(built):
    out, result, _ = built
    index = (out / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<a class="digit[^"]*" href="([^"]+)"', index)
    featured = {}
    for d in result.digits:
        featured.setdefault(d.truth, d)
    assert listed == [f"digit-{d.slug}.html" for d in featured.values()]  # first of each class, the user's
    assert len(listed) == 11
    assert '<a href="browse.html">browse all 61</a>' in index
    assert "61 inputs: the first 60 held-out test digits" in index


def test_small_gallery_index_lists_every_input_and_still_links_browse(tmp_path, digit_folder, trained):
    from lenet_viz.data import idx_folder
    from lenet_viz.site import build_gallery
    from lenet_viz.site.pages import browse, digits, index

    out = tmp_path / "g"
    result = build_gallery(out, trained, idx_folder(digit_folder), [],
                           pages=(digits.PAGE, browse.PAGE, index.PAGE))
    text = (out / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<a class="digit', text)) == len(result.digits) <= 11
    assert '<a href="browse.html">browse all' in text and "one held-out test digit per class" in text
    assert len(_cards(out / "browse.html")) == len(result.digits)


def test_without_the_browse_page_the_index_lists_every_input(tmp_path, digit_folder, trained):
    from lenet_viz.data import idx_folder
    from lenet_viz.site import build_gallery
    from lenet_viz.site.pages import digits, index

    out = tmp_path / "g"
    build_gallery(out, trained, idx_folder(digit_folder), [], pages=(digits.PAGE, index.PAGE), count=30)
    text = (out / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<a class="digit', text)) == 30 and "browse.html" not in text


def _stats(*layers):
    return [SimpleNamespace(saturated_fraction=f, n=n) for f, n in layers]


def test_saturated_share_weights_layers_by_units_and_skips_unbounded_ones():
    from lenet_viz.site.pages.browse import saturated_share

    assert saturated_share(_stats((0.5, 100), (0.1, 300))) == pytest.approx((50 + 30) / 400)
    assert saturated_share(_stats((0.5, 100), (math.nan, 900))) == pytest.approx(0.5)
    assert math.isnan(saturated_share(_stats((math.nan, 10))))
    assert math.isnan(saturated_share([]))


def test_saturation_word_names_what_is_counted(t5, tm):
    from lenet_viz.site.pages.browse import saturation_word

    assert saturation_word(t5) == "saturated"  # sigmoid LeNet-5
    acts = {r.activation for r in tm if r.activation}
    assert saturation_word(tm) == ("zero outputs" if acts == {"relu"} else "saturated or zero")
    assert saturation_word([]) == ""


def test_sort_options_are_the_ones_browse_js_knows():
    from importlib import resources

    from lenet_viz.site.pages.browse import SORTS

    js = (resources.files("lenet_viz") / "web" / "browse.js").read_text(encoding="utf-8")
    body = js[js.index("const by = {"):js.index("}[key];")]
    known = re.findall(r'^\s*"?([\w-]+)"?: function', body, re.M)
    assert [v for v, _ in SORTS] == known
