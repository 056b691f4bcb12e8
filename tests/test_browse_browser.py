"""The browse page in Debian's headless Chromium, opened from disk under its CSP: every sort and
filter shows the cards the page's numbers call for, with the keyboard too; axe-core finds no serious
violation at a desktop and a phone width; and the 1,000-digit gallery's links all resolve."""

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

pytestmark = pytest.mark.slow

_KEYS = {
    "order": lambda c: c["i"],
    "truth": lambda c: (c["truth"] is None, c["truth"] or 0, c["i"]),
    "pred": lambda c: (c["pred"], c["i"]),
    "conf-asc": lambda c: (c["conf"], c["i"]),
    "conf-desc": lambda c: (-c["conf"], c["i"]),
    "mistakes": lambda c: (not c["wrong"], c["i"]),
    "sat-desc": lambda c: (c["sat"] is None, -(c["sat"] or 0), c["i"]),
}

_CARDS_JS = """
return Array.from(document.querySelectorAll('#browse-grid > li')).map(li => ({
  i: Number(li.dataset.i), truth: li.dataset.truth === '' ? null : Number(li.dataset.truth),
  pred: Number(li.dataset.pred), conf: Number(li.dataset.conf),
  sat: li.dataset.sat === '' ? null : Number(li.dataset.sat), hidden: li.hidden,
  shown: li.getBoundingClientRect().height > 0}));
"""


def _build(out, data, user, count):
    from lenet_viz.model import load_model
    from lenet_viz.site import build_gallery
    from lenet_viz.site.pages import browse, digits, index

    return build_gallery(out, load_model("lenet5"), data, user, pages=(digits.PAGE, browse.PAGE, index.PAGE),
                         count=count)


@pytest.fixture(scope="module")
def small(tmp_path_factory, digit_folder):
    """60 real held-out digits (6 per class) and the user's example file."""
    from lenet_viz.data import idx_folder
    from lenet_viz.images import load_digit_info
    from lenet_viz.site import Digit

    info = load_digit_info(Path(__file__).parents[1] / "examples" / "digit.png")
    out = tmp_path_factory.mktemp("browse-small") / "g"
    _build(out, idx_folder(digit_folder), [Digit("", "digit.png", info.array[0], info.raw, None)], 10**9)
    return out


@pytest.fixture(scope="module")
def every(tmp_path_factory):
    """All 1,000 held-out digits of mnist-5k (the digit pages, the browse page and the index)."""
    from lenet_viz.data import load_dataset

    out = tmp_path_factory.mktemp("browse-all") / "g"
    result = _build(out, load_dataset("mnist-5k"), [], 10**9)
    return out, result


def _shown(browser):
    cards = browser.execute_script(_CARDS_JS)
    for c in cards:
        assert c["hidden"] == (not c["shown"]), c
    return [c["i"] for c in cards if not c["hidden"]], cards


def _set(browser, **state):
    from selenium.webdriver.support.ui import Select

    for name in ("sort", "truth", "pred"):
        if name in state:
            Select(browser.find_element("id", f"browse-{name}")).select_by_value(state[name])
    box = browser.find_element("id", "browse-mistakes")
    if box.is_selected() != state.get("mistakes", False):
        box.click()


def _expected(cards, sort="order", truth="", pred="", mistakes=False):
    for c in cards:
        c["wrong"] = c["truth"] is not None and c["truth"] != c["pred"]
    keep = [c for c in cards
            if (truth == "" or (c["truth"] is None if truth == "none" else c["truth"] == int(truth)))
            and (pred == "" or c["pred"] == int(pred)) and (not mistakes or c["wrong"])]
    return [c["i"] for c in sorted(keep, key=_KEYS[sort])]


def _severe(browser):
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_every_sort_and_filter_shows_the_right_cards(browser, small):
    from selenium.webdriver.common.by import By

    browser.get((small / "browse.html").as_uri())
    shown, cards = _shown(browser)
    assert len(cards) == 61 and shown == list(range(61))  # the gallery's order, as without JavaScript
    assert browser.find_element(By.ID, "browse-status").text == "Showing 61 of 61 digits."
    assert browser.find_element(By.ID, "browse-controls").is_displayed()
    states = [{"sort": s} for s in _KEYS] + [
        {"truth": "3"}, {"truth": "none"}, {"pred": "7", "sort": "conf-asc"}, {"mistakes": True},
        {"mistakes": True, "sort": "conf-desc"}, {"truth": "9", "pred": "4"},
        {"truth": "5", "sort": "sat-desc"}]
    for state in states:
        browser.get((small / "browse.html").as_uri())
        _set(browser, **state)
        shown, cards = _shown(browser)
        expected = _expected(cards, **state)
        assert shown == expected, state
        status = browser.find_element(By.ID, "browse-status").text
        assert status == f"Showing {len(expected)} of 61 digits.", state
    assert _expected(cards, mistakes=True)  # the small gallery has a mistake to show
    # its CSP lets it load its own thumbnails (those on screen) and style.css from disk
    browser.get((small / "browse.html").as_uri())
    for _ in range(50):
        loaded = browser.execute_script(
            "return Array.from(document.images).filter(i => i.getBoundingClientRect().top < innerHeight)"
            ".map(i => i.complete && i.naturalWidth === 28)")
        if loaded and all(loaded):
            break
        time.sleep(0.1)
    assert loaded and all(loaded), loaded
    header = browser.execute_script("return getComputedStyle(document.querySelector('header')).position")
    assert header == "sticky"  # style.css applies
    assert _severe(browser) == []


def test_the_controls_work_from_the_keyboard_and_a_card_opens_its_page(browser, small):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get((small / "browse.html").as_uri())
    sort = browser.find_element(By.ID, "browse-sort")
    assert browser.execute_script("return arguments[0].labels.length", sort) == 1
    sort.send_keys(Keys.ARROW_DOWN)  # held-out order → true label
    shown, cards = _shown(browser)
    assert sort.get_attribute("value") == "truth" and shown == _expected(cards, sort="truth")
    box = browser.find_element(By.ID, "browse-mistakes")
    box.send_keys(Keys.SPACE)
    shown, cards = _shown(browser)
    assert box.is_selected() and shown == _expected(cards, sort="truth", mistakes=True) and shown
    first = browser.find_element(By.CSS_SELECTOR, "#browse-grid > li:not([hidden]) a")
    href = first.get_attribute("href")
    first.send_keys(Keys.ENTER)
    assert browser.current_url == href and re.search(r"/digit-[\w-]+\.html$", href)
    assert browser.find_element(By.ID, "conv1").tag_name == "section"


@pytest.mark.parametrize("width", (1400, 420))
def test_axe_finds_no_serious_violation(browser, small, axe, artifacts, width):
    try:
        browser.set_window_size(width, 1000)
        for page in ("browse.html", "index.html"):
            browser.get((small / page).as_uri())
            if page == "browse.html":
                _set(browser, sort="mistakes")
            assert axe(browser) == [], f"{page} at {width} px"
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width, page
            browser.save_screenshot(str(Path(artifacts) / f"browse-{Path(page).stem}-{width}.png"))
    finally:
        browser.set_window_size(1280, 900)


def test_every_link_of_the_1000_digit_gallery_resolves(every):
    out, result = every
    assert len(result.digits) == 1000
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 1002
    refs, checked = re.compile(r'(?:src|href)="([^"#]+)'), set()
    for page in pages:
        for ref in refs.findall(page.read_text(encoding="utf-8")):
            if urlsplit(ref).scheme == "data":
                continue  # a digit page's tiles, inline
            if ref not in checked:
                assert (out / ref).is_file(), f"{page.name}: {ref}"
                checked.add(ref)
    browse = (out / "browse.html").read_text(encoding="utf-8")
    assert {f"digit-test-{i:04d}.html" for i in range(1000)} <= set(refs.findall(browse))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<a class="digit', index)) == 10
    assert '<a href="browse.html">browse all 1,000</a>' in index


def test_the_1000_digit_browse_page_finds_every_mistake(browser, every):
    from lenet_viz.data import load_dataset
    from lenet_viz.model import load_model

    out, _ = every
    data = load_dataset("mnist-5k")
    misread = np.flatnonzero(load_model("lenet5").predict_proba(data.test.x).argmax(axis=1) != data.test.y)
    _severe(browser)  # drained: axe-core, run before, reads style sheets through requests the CSP blocks
    browser.get((out / "browse.html").as_uri())
    assert browser.execute_script(
        "return Array.from(document.images).every(i => i.loading === 'lazy')")
    _set(browser, mistakes=True, sort="conf-desc")
    shown, cards = _shown(browser)
    assert sorted(shown) == misread.tolist() and shown == _expected(cards, sort="conf-desc", mistakes=True)
    assert browser.find_element("id", "browse-status").text == f"Showing {len(misread)} of 1,000 digits."
    assert _severe(browser) == []
