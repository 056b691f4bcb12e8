"""The per-digit SVG charts: the bars are the probabilities, the histograms the counted bins, the
written fractions the statistics'."""

import re
from xml.etree import ElementTree

import numpy as np
import pytest

from lenet_viz.capture import trace
from lenet_viz.errors import RenderError
from lenet_viz.render.charts import _B, _H, prediction_svg, saturation_svgs
from lenet_viz.render.satfacts import dead_text, saturation_text
from lenet_viz.stats import layer_stats

NS = "{http://www.w3.org/2000/svg}"


def _tree(svg):
    return ElementTree.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_prediction_bars_are_the_probabilities_on_a_fixed_axis():
    p = np.array([0.1, 0.6, 0.3])
    root = _tree(prediction_svg(p, ["a", "b<", "c"]))
    bars = [e for e in root.iter(f"{NS}rect") if "bar" in e.get("class", "")]
    assert [float(b.get("data-p")) for b in bars] == pytest.approx(p.tolist())
    heights = np.array([float(b.get("height")) for b in bars])
    assert heights / heights.max() == pytest.approx(p / p.max(), abs=1e-3)  # one fixed 0–1 scale
    assert [b.get("class") for b in bars] == ["bar", "bar predicted", "bar"]
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "prediction: b< (p = 0.60)" in texts and "b<" in texts  # escaped in the SVG, read back
    assert "<.01" in [t.text for t in _tree(prediction_svg([0.999, 0.001])).iter(f"{NS}text")]
    with pytest.raises(RenderError, match="2 labels"):
        prediction_svg(p, ["a", "b"])


def _bars(svg):
    """(x0, x1, height) of every bar of the histogram path."""
    d = next(e for e in _tree(svg).iter(f"{NS}path")).get("d")
    return [(float(a), float(c), _H - _B - float(b)) for a, b, c in
            re.findall(r"M([\d.]+) [\d.]+V([\d.]+)H([\d.]+)", d)]


def test_saturation_panels_show_the_counted_bins_and_fractions(seeded_net, digits, seeded_modern):
    t = trace(seeded_net, digits[0][:1])
    stats = layer_stats(t)
    pairs = saturation_svgs(stats)
    assert len(pairs) == len(stats.layers)
    for (post, pre), s in zip(pairs, stats.layers):
        counts = np.asarray(s.post_counts)
        bars = _bars(post)
        assert len(bars) == int((counts > 0).sum())
        tallest = max(h for _, _, h in bars)
        nonzero = counts[counts > 0]
        ratios = (nonzero / nonzero.max()).tolist()
        assert [h / tallest for _, _, h in bars] == pytest.approx(ratios, abs=0.02)
        texts = {e.get("class"): e.text for e in _tree(post).iter(f"{NS}text") if e.get("class")}
        assert texts["saturated"] == saturation_text(s)
        assert "band-low" in post and "band-high" in post and "slope" in pre
        notes = {e.get("class"): e.text for e in _tree(pre).iter(f"{NS}text") if e.get("class")}
        assert notes["mean-dsigmoid"] == f"mean σ'(z) = {s.mean_dsigmoid:.3f}"
    relu = layer_stats(trace(seeded_modern, digits[0][:1]))
    (post, _), s = saturation_svgs(relu)[0], relu.layers[0]
    assert dead_text(s) in post


def test_no_activation_layers_is_an_error():
    with pytest.raises(RenderError, match="no activation layers"):
        saturation_svgs(object())


def test_text_is_at_least_11_px_on_a_420_px_phone(seeded_net, digits):
    """Charts no wider than a phone's panel are drawn at 11 px or more; a wider one (long class
    names) draws its text larger by the factor the phone will shrink it."""
    from lenet_viz.data import FASHION_CLASSES
    from lenet_viz.render.charts import MIN_FONT, PHONE_PX

    stats = layer_stats(trace(seeded_net, digits[0][:1]))
    svgs = [prediction_svg(np.full(10, 0.1)), prediction_svg(np.full(10, 0.1), FASHION_CLASSES),
            *[s for pair in saturation_svgs(stats) for s in pair]]
    for svg in svgs:
        root = _tree(svg)
        shrink = min(1.0, PHONE_PX / float(root.get("width")))
        sizes = [float(t.get("font-size")) for t in root.iter(f"{NS}text")]
        assert min(sizes) * shrink >= MIN_FONT - 1e-9, (root.get("aria-label"), min(sizes), shrink)
