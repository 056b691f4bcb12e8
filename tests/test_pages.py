"""Every analysis page builds from a small gallery context: its links resolve inside the folder,
nothing is absolute or external, and each page states its numbers."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest

from lenet_viz.site.context import Page, PageContext
from lenet_viz.site.pages import ANALYSES as PAGES
from lenet_viz.site.pages import occlusion


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.ids, self.lead = [], set(), ""
        self._in_lead = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("src", "href", "xlink:href"):
            if a.get(key) is not None:
                self.refs.append((tag, a[key]))
        self._in_lead = tag == "p" and a.get("class") == "lead"

    def handle_endtag(self, tag):
        if tag == "p":
            self._in_lead = False

    def handle_data(self, data):
        if self._in_lead:
            self.lead += data


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every analysis page built into one folder through a small context (60 held-out digits).

    The net is private to this module: the occlusion page hybridizes the gallery model's layers.
    """
    from lenet_viz._mx import seed_all
    from lenet_viz.capture import trace
    from lenet_viz.data import Dataset, Split, mnist5k
    from lenet_viz.model import Model, build_net
    from lenet_viz.site.context import Digit

    seed_all(0)
    seeded_net = Model(build_net("lenet5"), "lenet5", source="seeded-lenet5")

    full = mnist5k()
    idx = np.concatenate([np.flatnonzero(full.test.y == c)[:6] for c in range(10)])
    data = Dataset("mnist-5k", full.train, Split(full.test.x[idx], full.test.y[idx]), full.classes, "small")
    digits = []
    for c in (2, 4, 7):
        i = int(np.flatnonzero(data.test.y == c)[0])
        digits.append(Digit(f"test-{i:04d}", f"held-out #{i} ({c})", data.test.x[i], None, c))
    digits.append(Digit("odd-name", 'odd <b>&"name', data.test.x[0], None, None))
    t = trace(seeded_net, np.stack([d.x for d in digits]))
    for i, d in enumerate(digits):
        d.label = int(t.probabilities[i].argmax())
    out = tmp_path_factory.mktemp("pages")
    ticks = []
    nav = [{"href": p.href, "title": p.title} for p in PAGES]
    ctx = PageContext(out, seeded_net, data, t, digits, nav, on_tick=ticks.append)
    results = [{"href": page.href, "title": page.title, "blurb": page.build(ctx)} for page in PAGES]
    return out, results, ticks


def test_every_page_is_written_and_described(built):
    out, results, ticks = built
    assert [r["href"] for r in results] == [p.href for p in PAGES]
    for r in results:
        assert (out / r["href"]).is_file()
        assert r["title"] and len(r["blurb"]) > 20
    figures = [p for p in (out / "assets").glob("*/*.png")]  # the pages' figures (digit tiles are deeper)
    assert len([t for t in ticks if t.endswith(".png")]) == len(figures)  # one tick per figure


def test_links_resolve_inside_the_folder(built):
    out, results, _ = built
    root = out.resolve()
    checked = set()
    # the Robustness page links a digit page per failure it shows
    failure_pages = sorted(p.name for p in out.glob("robustness-digit-*.html"))
    for href in [r["href"] for r in results] + failure_pages:
        r = {"href": href}
        parser = _Refs()
        parser.feed((out / r["href"]).read_text(encoding="utf-8"))
        for tag, ref in parser.refs:
            parts = urlsplit(ref)
            if parts.scheme == "data":  # a digit page's tiles are inline
                continue
            assert not parts.scheme and not parts.netloc, f"{r['href']}: external link {ref}"
            assert not ref.startswith("/"), f"{r['href']}: absolute path {ref}"
            if not parts.path:
                continue
            target = (out / unquote(parts.path)).resolve()
            assert target.is_relative_to(root), f"{r['href']}: {ref} leaves the folder"
            if tag == "img" or parts.path.endswith(".png"):
                assert target.is_file(), f"{r['href']}: missing image {ref}"
                checked.add(target)
            elif parts.path in [p.href for p in PAGES] + failure_pages:
                assert target.is_file()
        # nav links to the gallery's own pages (index, saturation, kernels) are checked by test_site
    failures = len(list((out / "assets" / "robustness").glob("failure-*.png")))
    assert failures >= 1  # the shipped lenet5 misreads some of the 60 digits under some transform
    assert len(failure_pages) == failures
    for page in failure_pages:  # input, a tile per channel of every map, a kernel per conv map, inline
        inline = (out / page).read_text(encoding="utf-8").count('src="data:image/png')
        assert inline == 1 + 6 * 3 + 16 * 3 + 6 + 16
    colorbars = {p.resolve() for p in (out / "assets").glob("colorbar-*.png")}  # shared by every digit page
    assert len(colorbars) == 3
    assert checked == {p.resolve() for p in (out / "assets").rglob("*.png")}  # every image is shown
    assert len(checked) == 1 + 2 + 2 + 6 + 2 + 4 + 1 + 2 * failures + len(colorbars)  # 1: mistakes
    for png in set((out / "assets").rglob("*.png")) - set((out / "assets").glob("colorbar-*.png")):
        assert png.relative_to(out).parts[1] in {Path(p.href).stem for p in PAGES}


def test_each_page_leads_with_two_sentences_and_numbers(built):
    out, results, _ = built
    for r in results:
        parser = _Refs()
        parser.feed((out / r["href"]).read_text(encoding="utf-8"))
        lead = " ".join(parser.lead.split())
        # Sentences end with ". " followed by a capital; abbreviations and decimals do not.
        sentences = re.split(r"(?<=[.)])\s+(?=[A-Z])", lead)
        assert len(sentences) == 2, f"{r['href']}: {sentences}"
        assert re.search(r"\d", sentences[0]) and re.search(r"\d", sentences[1]), r["href"]
        assert "nan" not in lead.lower().split() and "None" not in lead


def test_names_are_escaped(built):
    out, _, _ = built
    html = (out / "occlusion.html").read_text(encoding="utf-8")
    assert "odd &lt;b&gt;&amp;&#34;name" in html and "<b>&" not in html


def test_dynamics_page_shows_the_record(built):
    from lenet_viz.analyses.records import load_record

    out, _, _ = built
    rec = load_record("dynamics")
    html = (out / "dynamics.html").read_text(encoding="utf-8")
    assert f"first {rec['summary']['plateau_epochs']} epochs" in html
    assert f"50 % at epoch {rec['summary']['takeoff_epoch']}" in html


def test_pages_follow_one_contract():
    from lenet_viz.site.pages import CORE
    from lenet_viz.site.pages import PAGES as ALL

    p = occlusion.PAGE
    assert isinstance(p, Page) and p.href == "occlusion.html" and p.title == "Occlusion" and p.listed
    assert len({q.href for q in ALL}) == len(ALL) == len(CORE) + len(PAGES) + 2  # + draw and training
    assert ALL[0].href.startswith("digit-") and ALL[-1].href == "index.html"  # the index lists the others
    assert all(isinstance(q, Page) and callable(q.build) for q in ALL)


def test_robustness_page_shows_the_cards(built):
    """The table and the lead are the model cards' stress tables, formatted, never typed in."""
    import json

    from lenet_viz.model import shipped_path

    out, _, _ = built
    html = (out / "robustness.html").read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(html)
    lead = " ".join(parser.lead.split())
    for name in ("lenet5", "modern", "mlp"):
        r = json.loads(shipped_path(name).with_name(f"{name}.json").read_text())["robustness"]
        for transform, acc in r["accuracy"].items():
            before = r["baseline"]["accuracy"][transform]
            assert f"<td>{transform}</td>" in html
            assert f"{before * 100:.1f} %" in html and f"{acc * 100:.1f} %" in html
        if name == "lenet5":
            after = {k: v for k, v in r["accuracy"].items() if k != "clean"}
            assert f"reads {min(after.values()) * 100:.1f} %–{max(after.values()) * 100:.1f} %" in lead
            better = sum(after[k] > r["baseline"]["accuracy"][k] for k in after)
            assert f"better under {better} of {len(after)} transforms" in lead
