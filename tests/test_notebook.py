"""A d2l reader's net: trained by d2l.Trainer, saved card-less, opened by every command; in-memory models."""

import json
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from lenet_viz.cli import cli
from lenet_viz.data import FASHION_CLASSES, FASHION_DIR, Dataset, Split
from lenet_viz.model import NO_CARD, load_model, sha256_of

pytestmark = pytest.mark.skipif(not FASHION_DIR.is_dir(), reason="needs Debian's dataset-fashion-mnist")


def run(*args):
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 0, r.output + repr(r.exception)
    return r


@pytest.fixture(scope="module")
def fashion():
    from lenet_viz.data import load_dataset

    return load_dataset("fashion-mnist")


@pytest.fixture(scope="module")
def chapter(fashion, tmp_path_factory):
    """The chapter's `LeNet(lr=0.1)` after one d2l.Trainer epoch on 2,000 images, saved as a reader would."""
    from d2l import mxnet as d2l

    from lenet_viz._mx import seed_all
    from lenet_viz.notebook import d2l_data

    small = Dataset("fashion-mnist", Split(fashion.train.x[:2000], fashion.train.y[:2000]),
                    Split(fashion.test.x[:500], fashion.test.y[:500]), fashion.classes, "slice")
    seed_all(0)
    model = d2l.LeNet(lr=0.1)
    model.board.display = False
    d2l.Trainer(max_epochs=1).fit(model, d2l_data(small, batch_size=128))
    path = tmp_path_factory.mktemp("reader") / "lenet.params"
    model.net.save_parameters(str(path))
    return model, path


@pytest.fixture(scope="module")
def shirt_png(fashion, tmp_path_factory):
    from PIL import Image

    i = int(np.flatnonzero(fashion.test.y == 0)[0])  # a t-shirt
    path = tmp_path_factory.mktemp("img") / "tshirt.png"
    Image.fromarray((fashion.test.x[i, 0] * 255).astype(np.uint8), "L").save(path)
    return path


def test_reader_params_open_card_less(chapter, fashion):
    model, path = chapter
    m = load_model(path, dataset="fashion-mnist")
    assert m.variant == "lenet5" and not m.has_card and m.card["sha256"] == sha256_of(path)
    from lenet_viz._mx import mnp, npx

    x = fashion.test.x[:50]
    np.testing.assert_allclose(m.predict_proba(x), npx.softmax(model.net(mnp.array(x))).asnumpy(),
                               rtol=0, atol=1e-6)


def test_predict_prints_class_names(chapter, shirt_png):
    _, path = chapter
    rows = json.loads(run("predict", shirt_png, "--model", path, "--dataset", "fashion-mnist",
                          "--json").stdout)
    assert rows[0]["class"] == FASHION_CLASSES[rows[0]["label"]]
    text = run("predict", shirt_png, "--model", path, "--dataset", "fashion-mnist").output
    assert f": {rows[0]['label']} {rows[0]['class']} (p=" in text


def test_activations_page_uses_class_names(chapter, shirt_png, tmp_path):
    _, path = chapter
    rows = json.loads(run("activations", shirt_png, "--model", path, "--dataset", "fashion-mnist",
                          "-o", tmp_path / "act", "--json", "-q").stdout)
    name = FASHION_CLASSES[rows[0]["label"]]
    assert rows[0]["class"] == name
    html = (tmp_path / "act" / "tshirt" / "index.html").read_text()
    assert f"Predicted <b>{name}</b>" in html
    assert f"{NO_CARD} · weights sha256 {sha256_of(path)[:16]}" in html  # every page says so


def test_saturation_and_evaluate_json(chapter, fashion):
    _, path = chapter
    sat = json.loads(run("saturation", "--model", path, "--dataset", "fashion-mnist", "--json", "-q").stdout)
    assert sat["recipe"] == NO_CARD and sat["sha256"] == sha256_of(path)
    assert sat["n_samples"] == len(fashion.test) == 10_000
    ev = json.loads(run("evaluate", "--model", path, "--dataset", "fashion-mnist", "--json").stdout)
    assert ev["n"] == 10_000 and ev["recipe"] == NO_CARD and ev["card_accuracy"] is None
    m = load_model(path, dataset="fashion-mnist")
    want = float((m.predict_proba(fashion.test.x).argmax(1) == fashion.test.y).mean())
    assert ev["accuracy"] == pytest.approx(want, abs=1e-6)  # one epoch on 2,000: still near chance


def test_in_memory_models(chapter, fashion):
    """A d2l Classifier, its Gluon net, and the net hybridized all give the same card-less model."""
    from lenet_viz._mx import mnp
    from lenet_viz.notebook import as_model

    model, _ = chapter
    x = fashion.test.x[:20]
    want = load_model(chapter[1], dataset="fashion-mnist").predict_proba(x)
    for obj in (model, model.net):
        m = as_model(obj, "fashion-mnist")
        assert m.variant == "lenet5" and m.card["no_card"] == NO_CARD
        np.testing.assert_allclose(m.predict_proba(x), want, atol=1e-6)
    with warnings.catch_warnings():  # Gluon suggests HybridSequential for d2l's Sequential
        warnings.simplefilter("ignore", UserWarning)
        model.net.hybridize()
        model.net(mnp.array(x))
        try:
            np.testing.assert_allclose(as_model(model, "fashion-mnist").predict_proba(x), want, atol=1e-6)
        finally:
            model.net.hybridize(active=False)


def test_show_displays_the_layers_inline(chapter, fashion, monkeypatch):
    import IPython
    import IPython.display
    from matplotlib.figure import Figure

    import lenet_viz
    from lenet_viz.errors import ModelError
    from lenet_viz.tracedata import Trace

    model, _ = chapter
    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", shown.append)
    t = lenet_viz.show(model, fashion.test.x[0], dataset="fashion-mnist")
    assert isinstance(t, Trace) and t.probabilities.shape == (1, 10)
    assert shown[0] is t and hasattr(shown[1], "_repr_svg_")
    assert [type(f) for f in shown[2:]] == [Figure] * 4  # conv1, pool1, conv2, pool2
    with pytest.raises(ModelError, match="pass --dataset"):
        lenet_viz.show(model, fashion.test.x[0])


@pytest.mark.slow
def test_cli_gallery_of_a_card_less_fashion_model(chapter, tmp_path):
    _, path = chapter
    out = run("gallery", "--model", path, "--dataset", "fashion-mnist", "-o", tmp_path / "g", "-q").output
    assert "gallery: 11 images" in out  # one per class and one the net misreads
    g = tmp_path / "g"
    html = (g / "index.html").read_text()
    assert NO_CARD in html and sha256_of(path) in html
    for name in FASHION_CLASSES:
        assert f"true label {name}</span>" in html
    assert "<h2>Images</h2>" in html and "one held-out test image per class" in html
    assert "10,000 held-out images" in (g / "saturation.html").read_text()
    assert not (g / "dynamics.html").exists()  # the shipped digit records are not about this model
    top, occ = (g / "top-activations.html").read_text(), (g / "occlusion.html").read_text()
    assert "held-out images that excite" in top and "digit" not in top.lower()
    assert "for the median image" in occ and "<th>image</th>" in occ


@pytest.mark.slow
def test_gallery_from_the_in_memory_model(chapter, tmp_path):
    import lenet_viz

    model, _ = chapter
    index = lenet_viz.gallery(model, out=tmp_path / "nb", dataset="fashion-mnist")
    assert index == tmp_path / "nb" / "index.html" and index.is_file()
    html = index.read_text()
    assert NO_CARD in html and "in-memory net" in html and "true label ankle boot" in html


def test_in_memory_bad_inputs():
    from lenet_viz._mx import nn
    from lenet_viz.errors import DataError, ModelError
    from lenet_viz.notebook import as_model

    with pytest.raises(ModelError, match="expected a d2l Classifier or a Gluon net, got str"):
        as_model("lenet", "fashion-mnist")
    bare = nn.Sequential()
    bare.add(nn.Dense(10))
    with pytest.raises(ModelError, match="no usable parameters.*initialize"):
        as_model(bare, "fashion-mnist")
    bare.initialize()
    with pytest.raises(ModelError, match="match no known architecture.*closest is 'mlp'"):
        as_model(bare, "fashion-mnist")
    with pytest.raises(DataError, match="unknown dataset 'cifar'"):
        as_model(bare, "cifar")
