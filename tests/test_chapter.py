"""The chapter's own net: the `seed` sub-gallery that the default gallery links to."""

import pytest

from lenet_viz.data import FASHION_CLASSES, FASHION_DIR, load_dataset
from lenet_viz.model import load_model
from lenet_viz.site.pages import PAGES, pages_for
from lenet_viz.site.pages.chapter import PAGE as CHAPTER

pytestmark = pytest.mark.skipif(not FASHION_DIR.is_dir(), reason="needs Debian's dataset-fashion-mnist")


def test_only_the_default_gallery_links_it():
    assert pages_for(load_dataset("mnist-5k"))[-2:] == (CHAPTER, PAGES[-1])  # listed on the overview
    fashion = pages_for(load_dataset("fashion-mnist"))
    assert [p.href for p in fashion] == ["digit-*.html", "browse.html", "saturation.html", "kernels.html",
                                         "mistakes.html", "top-activations.html", "occlusion.html",
                                         "index.html"]
    assert CHAPTER not in PAGES


@pytest.mark.slow
def test_sub_gallery_of_seed(tmp_path):
    from types import SimpleNamespace

    blurb = CHAPTER.build(SimpleNamespace(out=tmp_path))
    card = load_model("seed").card
    assert CHAPTER.href == "seed/index.html" and CHAPTER.title == "The chapter's own net" and CHAPTER.listed
    assert f"{card['test_accuracy'] * 100:.2f} % of its 10,000 test images" in blurb
    sub = tmp_path / "seed"
    index = (sub / "index.html").read_text()
    d2l = card["d2l_trainer"]
    assert f"test accuracy {d2l['test_accuracy'] * 100:.2f} %" in index and "d2l.Trainer" in index
    for name in FASHION_CLASSES:  # one image per class, each with its page of feature maps
        assert f"true label {name}</span>" in index
    assert len(list(sub.glob("digit-*.html"))) == 11  # one per class and the first misread
    for page in sub.glob("*.html"):  # every page of the sub-gallery leads back to the one that links it
        assert '<a href="../index.html">Back to the main gallery</a>' in page.read_text(), page.name
    sat = (sub / "saturation.html").read_text()
    assert "all 10,000 held-out images of fashion-mnist" in sat
    for layer in ("conv1", "conv2", "dense1", "dense2"):
        assert f"<td>{layer}</td>" in sat
