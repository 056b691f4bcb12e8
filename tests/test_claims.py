"""Sentences true to their numbers: each claim a page makes is re-derived here from the data it
summarises, and a changed number changes (or falsifies) the sentence."""

import copy
import re
from html import unescape

import numpy as np
import pytest

from lenet_viz.fmt import num, pct, sci


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The compare, dynamics and init pages built from 60 held-out digits and the shipped records."""
    from lenet_viz.capture import trace
    from lenet_viz.data import Dataset, Split, mnist5k
    from lenet_viz.model import load_model
    from lenet_viz.site.context import Digit, PageContext
    from lenet_viz.site.pages import compare, dynamics, inits, mistakes, occlusion

    full = mnist5k()
    idx = np.concatenate([np.flatnonzero(full.test.y == c)[:6] for c in range(10)])
    data = Dataset("mnist-5k", full.train, Split(full.test.x[idx], full.test.y[idx]), full.classes, "small")
    digits = [Digit(f"test-{i}", f"held-out #{i}", data.test.x[i], None, int(data.test.y[i]))
              for i in (np.flatnonzero(data.test.y == c)[0] for c in (2, 4, 7))]
    model = load_model("lenet5")
    out = tmp_path_factory.mktemp("claims")
    ctx = PageContext(out, model, data, trace(model, np.stack([d.x for d in digits])), digits, [])
    pages = (compare.PAGE, dynamics.PAGE, inits.PAGE, occlusion.PAGE, mistakes.PAGE)
    blurbs = {p.href: p.build(ctx) for p in pages}
    blurbs["data"] = data
    return out, blurbs, digits


def _lead(html: str) -> str:
    return _text(re.search(r'<p class="lead">(.*?)</p>', html, re.S).group(1))


def _table_rows(html: str, header: str) -> list:
    table = next(t for t in re.findall(r"<table class=\"data\">(.*?)</table>", html, re.S)
                 if f"<th>{header}</th>" in t)
    return [[_text(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]


def test_compare_dead_units_are_listed_per_layer_as_the_table_says(pages):
    out, blurbs, _ = pages
    html = (out / "compare.html").read_text(encoding="utf-8")
    lead = _lead(html)
    rows = [r for r in _table_rows(html, "dead units (ReLU)") if len(r) == 7 and r[0] == "modern"]
    assert rows, "no modern rows in the health table"
    listing = ", ".join(f"{r[1]} {r[6]}" for r in rows)  # layer, dead units (ReLU)
    assert f"few of their units are dead (zero for every digit): {listing}." in lead
    assert "only 6.3 %" not in lead


def test_compare_background_sentence_is_measured(pages):
    from lenet_viz.analyses.compare import background_levels
    from lenet_viz.capture import trace
    from lenet_viz.model import load_model

    out, _, digits = pages
    text = _text((out / "compare.html").read_text(encoding="utf-8"))
    assert "exactly zero on the background and" not in text
    xs = np.stack([d.x for d in digits])
    modern = background_levels(xs, trace(load_model("modern"), xs)["act1"].output, 5)
    lenet = background_levels(xs, trace(load_model("lenet5"), xs)["conv1"].output, 5)
    zero = sum(v == 0 for v in modern)
    top = sorted((c for c, v in enumerate(modern) if v > 0), key=lambda c: -modern[c])[:3]
    assert (f"modern act1 (relu) is exactly zero on the background in only {zero} of its 16 channels: "
            f"BatchNorm shifts each channel before the ReLU, which leaves channels "
            f"{', '.join(map(str, top))} at {', '.join(num(modern[c]) for c in top)}") in text
    assert f"lenet5 conv1 (sigmoid) keeps a non-zero background in all 6 channels " \
           f"({num(min(lenet))}–{num(max(lenet))})" in text


def test_background_levels_against_a_direct_count(digits):
    from lenet_viz.analyses.compare import background_levels

    x = digits[0][:2]
    rng = np.random.default_rng(0)
    maps = rng.random((2, 3, 28, 28)).astype("float32")
    expect = []
    for c in range(3):
        vals = [maps[n, c, i, j] for n in range(2) for i in range(28) for j in range(28)
                if not (x[n, 0, max(i - 2, 0):i + 3, max(j - 2, 0):j + 3] > 0).any()]
        expect.append(float(np.median(vals)))
    assert background_levels(x, maps, 5) == pytest.approx(expect)
    maps[:, 1] = 0.0
    assert background_levels(x, maps, 5)[1] == 0.0
    with pytest.raises(ValueError, match="not the input's size"):
        background_levels(x, maps[:, :, :14, :14], 5)


def test_background_caption_follows_the_numbers(digits):
    """Zero every modern act1 map and the caption must say so: the sentence is computed."""
    from lenet_viz.capture import trace
    from lenet_viz.model import load_model
    from lenet_viz.site.pages.compare import _background_caption

    xs = digits[0][:3]
    traces = {n: trace(load_model(n), xs) for n in ("lenet5", "modern")}
    before = _background_caption(traces, xs)
    traces["modern"]["act1"].output[...] = 0.0
    after = _background_caption(traces, xs)
    assert "in only" in before and "modern act1 (relu) is exactly zero on the background in all 16" in after


def test_compare_names_the_d2l_net_not_1998(pages):
    from lenet_viz.site.pages.compare import LENET_NAME, PAGE

    out, blurbs, _ = pages
    assert "1998" not in PAGE.title and "1998" not in blurbs["compare.html"]
    assert blurbs["compare.html"].startswith(f"{LENET_NAME} vs modern vs MLP")
    text = _text((out / "compare.html").read_text(encoding="utf-8"))
    assert "How this LeNet-5 differs from the 1998 paper" in text
    assert "scaled tanh" in text and "RBF" in text and "C3" in text
    assert text.count("1998") == 2  # the heading and the paper, nowhere else


def _dyn():
    from lenet_viz.analyses.records import load_record
    from lenet_viz.site.pages.dynamics import _at, _plateau_cause

    def cause(rec):
        hist, summ = rec["history"], rec["summary"]
        peak = summ["peak_saturation"]
        return _plateau_cause(hist, list(hist[0]["layers"])[-1], peak, _at(hist, peak["epoch"]), _at(hist, 1),
                              hist[-1], "conv1", summ["plateau_epochs"])

    return load_record("dynamics"), cause


def test_dynamics_gradient_is_not_blamed_on_saturation(pages):
    out, _, _ = pages
    rec, _ = _dyn()
    lead = _lead((out / "dynamics.html").read_text(encoding="utf-8"))
    e0 = rec["history"][0]
    assert max(s["saturated"] for s in e0["layers"].values()) < 0.01  # the record: nothing saturated yet
    assert (f"conv1's weight gradient is small from the start: {sci(e0['grad_rms']['conv1'])} at epoch 0, "
            f"before any layer saturates") in lead
    assert ", so conv1" not in lead
    plateau = [h["grad_rms"]["conv1"] for h in rec["history"]
               if 1 <= h["epoch"] <= rec["summary"]["plateau_epochs"]]
    assert f"between {sci(min(plateau))} and {sci(max(plateau))}" in lead


def test_dynamics_sentence_changes_with_the_record():
    rec, cause = _dyn()
    rec = copy.deepcopy(rec)
    rec["history"][0]["layers"]["dense2"]["saturated"] = 0.42
    rec["history"][0]["grad_rms"]["conv1"] = 1.5e-3
    text = cause(rec)
    assert "1.5e-03 at epoch 0, when no layer is more than 42 % saturated" in text


def test_model_card_plateau_is_the_records(pages):
    from lenet_viz.analyses.records import load_record
    from lenet_viz.model import load_model

    why = load_model("lenet5").card["why"]
    plateau = load_record("dynamics")["summary"]["plateau_epochs"]
    assert re.search(r"plateau for (\d+) epochs", why).group(1) == str(plateau)
    out, blurbs, _ = pages
    assert f"first {plateau} epochs" in _lead((out / "dynamics.html").read_text(encoding="utf-8"))
    assert blurbs["dynamics.html"].startswith(f"the sigmoid plateau: {plateau} epochs")


def _init_parts():
    from lenet_viz.analyses.records import load_record
    from lenet_viz.site.pages.inits import _init_lead

    rec = load_record("init")
    return rec, lambda r: _init_lead({n: r["runs"][n] for n in r["inits"]}, r["summary"], r["epochs"],
                                     "dense2")


def test_init_claim_is_stated_for_when_it_holds(pages):
    from lenet_viz.render.curves import INIT_LABELS

    out, _, _ = pages
    rec, _ = _init_parts()
    lead = _lead((out / "init.html").read_text(encoding="utf-8"))
    assert "holds as stated" not in lead and "The claim holds at first: after one epoch" in lead
    xavier = rec["runs"]["xavier"]
    epoch, layer, value = max(((h["epoch"], n, s["saturated"]) for h in xavier
                               for n, s in h["layers"].items()), key=lambda p: (p[2], -p[0]))
    normal = next(h for h in rec["runs"]["normal"] if h["epoch"] == epoch)["layers"][layer]["saturated"]
    assert value > normal  # what the record shows: Xavier's dense2 ends up the more saturated
    assert (f"it does not last: by epoch {epoch} Xavier's {layer} is {pct(value, 0)} saturated, more than "
            f"with {INIT_LABELS['normal']} ({pct(normal, 0)})") in lead


def test_init_sentence_changes_with_the_record():
    rec, lead = _init_parts()
    rec = copy.deepcopy(rec)
    for name in ("default", "normal"):
        for h in rec["runs"][name]:
            for s in h["layers"].values():
                s["saturated"] = 1.0
    text = lead(rec)
    assert "it does not last" not in text and ", and it stays so: Xavier's highest saturation" in text


def test_digit_input_caption_matches_the_panels():
    from lenet_viz.site.context import Digit
    from lenet_viz.site.pages.digits import input_caption

    x = np.zeros((1, 28, 28), "float32")
    dataset = input_caption(Digit("a", "held-out #0", x))
    assert "Left" not in dataset and "your image" not in dataset
    assert input_caption(Digit("b", "photo.png", x, np.zeros((40, 30), np.uint8))) == (
        "Left: the image as given (30×40 px); right: the 28×28 MNIST-format input the network sees.")


def test_occlusion_maps_share_the_scale_the_lead_states(pages):
    from lenet_viz.analyses.occlusion import occlusion_map
    from lenet_viz.model import load_model
    from lenet_viz.site.pages.occlusion import OCCLUSION_PATCH, OCCLUSION_STRIDE, shared_scale

    out, _, digits = pages
    model = load_model("lenet5")
    maps = [occlusion_map(model, d.x, OCCLUSION_PATCH, OCCLUSION_STRIDE) for d in digits]
    largest = max(float(np.abs(o.pixel).max()) for o in maps)
    assert shared_scale(maps) == pytest.approx(largest)
    lead = _lead((out / "occlusion.html").read_text(encoding="utf-8"))
    assert (f"every map shares one colour scale (±{largest:.2g}, the largest per-pixel mean drop of any "
            f"map)") in lead
    assert "each map has its own" not in lead
    assert "beside it, the same map on its own scale shows where that digit's evidence lies" in lead


def test_occlusion_own_scale_figures_state_their_scale(pages):
    """The second figure of each digit: the same map on its own ±max, which its caption states (and
    how it compares with the shared scale); its pixels are that map through the colour map."""
    import base64
    import io

    from PIL import Image

    from lenet_viz.analyses.occlusion import occlusion_map
    from lenet_viz.model import load_model
    from lenet_viz.render.colormaps import colorize
    from lenet_viz.site.pages.occlusion import OCCLUSION_PATCH, OCCLUSION_STRIDE, shared_scale

    out, _, digits = pages
    model = load_model("lenet5")
    maps = [occlusion_map(model, d.x, OCCLUSION_PATCH, OCCLUSION_STRIDE) for d in digits]
    shared = shared_scale(maps)
    text = unescape((out / "occlusion.html").read_text(encoding="utf-8"))
    figs = re.findall(r'<img src="(data:image/png;base64,[^"]+)" alt="occlusion map of ([^"]+) on its own '
                      r'scale, ±([^"]+)"[^>]*><figcaption>([^<]+)</figcaption>', text)
    assert [name for _, name, _, _ in figs] == [d.name for d in digits]
    for (src, _, stated, caption), o in zip(figs, maps):
        m = float(np.abs(o.pixel).max())
        assert stated == f"{m:.2g}"
        assert caption.startswith(f"The same map on its own scale, ±{m:.2g} ({m / shared:.0%} of the shared "
                                  f"±{shared:.2g}; strip: −{m:.2g} … 0 … +{m:.2g})")
        with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as im:
            px = np.asarray(im.convert("RGB"))
        # each map pixel's centre (the digit's outline runs along the 6×6 blocks' edges only)
        assert np.array_equal(px[3:6 * 28:6, 3:6 * 28:6], colorize(o.pixel, "RdBu_r", -m, m))


def test_mistakes_page_lists_every_misread_digit(pages):
    from lenet_viz.model import load_model

    out, blurbs, _ = pages
    data = blurbs["data"]
    probs = load_model("lenet5").predict_proba(data.test.x)
    wrong = [int(i) for i in np.flatnonzero(probs.argmax(1) != data.test.y)]
    html = (out / "mistakes.html").read_text(encoding="utf-8")
    lead = _lead(html)
    assert f"The net misreads {len(wrong)} of the {len(data.test):,} held-out digits" in lead
    rows = _table_rows(html, "p(true)")
    assert [r[0] for r in rows] == [f"held-out #{i}" for i in wrong]
    for r, i in zip(rows, wrong):
        p = int(probs[i].argmax())
        t = int(data.test.y[i])
        assert r[1:5] == [str(t), str(p), num(float(probs[i, p])), num(float(probs[i, t]))]
    if wrong:
        true_p = [float(probs[i, data.test.y[i]]) for i in wrong]
        assert f"median probability of {num(float(np.median(true_p)))}, at most {num(max(true_p))}" in lead
