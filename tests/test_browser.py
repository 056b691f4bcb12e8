"""End to end in a real browser: Debian's headless Chromium opens the gallery from disk."""

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from click.testing import CliRunner

    from lenet_viz.cli import cli

    out = tmp_path_factory.mktemp("browser") / "gallery"
    r = CliRunner().invoke(cli, ["gallery", "-q", "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _severe(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_gallery_in_chromium(browser, built, artifacts):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    # the scripted pages draw on canvases (no <img>)
    pages = sorted(p for p in built.glob("*.html") if p.name not in ("draw.html", "training.html"))
    for page in pages:
        browser.get(page.as_uri())
        # lazy images (the browse page's thumbnails) load when near the viewport: ask for them all now
        browser.execute_script(
            "document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
        for _ in range(50):
            broken = browser.execute_script(
                "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                ".map(i => i.getAttribute('src'))")
            if not broken:
                break
            time.sleep(0.1)
        assert broken == [], f"{page.name}: images not loaded: {broken}"
        assert browser.execute_script("return document.images.length") > 0, page.name
        assert _severe(browser) == [], page.name

    browser.get((built / "index.html").as_uri())
    browser.save_screenshot(str(Path(artifacts) / "gallery-index.png"))
    # click the painted glyph of the conv1 node: an SVG link is hit only where something is drawn
    node = browser.find_element(By.CSS_SELECTOR, "svg g#diagram-conv1 a polygon")
    ActionChains(browser).move_to_element(node).click().perform()
    for _ in range(50):
        if browser.current_url.endswith("#conv1"):
            break
        time.sleep(0.1)
    assert browser.current_url.endswith("#conv1"), browser.current_url
    assert "digit-" in browser.current_url
    assert browser.execute_script("return document.getElementById('conv1').tagName") == "SECTION"
    top = browser.execute_script("return document.getElementById('conv1').getBoundingClientRect().top")
    assert 0 <= top < 200, f"section conv1 not scrolled into view (top={top})"
    browser.save_screenshot(str(Path(artifacts) / "gallery-conv1.png"))
    assert _severe(browser) == []


def test_gallery_links_the_draw_page_first(browser, built):
    import numpy as np
    from selenium.webdriver.common.by import By

    from lenet_viz.data import mnist5k
    from lenet_viz.model import load_model

    browser.get((built / "index.html").as_uri())
    first = browser.find_element(By.CSS_SELECTOR, "main a")
    assert first.get_attribute("href").endswith("draw.html") and first.text == "Draw your own digit"
    first.click()
    assert browser.execute_script("return lenetViz.models()") == ["lenet5", "modern", "mlp"]
    buttons = browser.find_elements(By.CSS_SELECTOR, "button.load")
    assert len(buttons) == 11  # the gallery's inputs: one per class and one the net misreads
    buttons[3].click()  # the gallery's held-out 3
    x = mnist5k().test.x[int(np.flatnonzero(mnist5k().test.y == 3)[0])]
    shown = browser.execute_script("return lenetViz.state().pixels")
    assert shown == pytest.approx(x.ravel().tolist(), abs=1e-6)
    assert browser.execute_script("return lenetViz.state().label") == \
        int(load_model("lenet5").predict_proba(x[None]).argmax())
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert _severe(browser) == []


_DIAGRAM_JS = """
const box = document.querySelector('.diagram');
const svgs = Array.from(box.querySelectorAll('svg')).filter(s => s.getBoundingClientRect().width > 0);
const area = box.getBoundingClientRect();
const svg = svgs[0];
return {shown: svgs.length, id: svg.parentElement.className, vw: window.innerWidth,
        scroll: document.documentElement.scrollWidth, area: [area.left, area.right],
        nodes: Array.from(svg.querySelectorAll('g.node')).map(g => {
          const r = g.getBoundingClientRect();
          return {id: g.id, left: r.left, right: r.right, w: r.width,
                  href: (g.querySelector('a') || {getAttribute: () => null}).getAttribute('xlink:href')};
        }),
        text: Math.min(...Array.from(svg.querySelectorAll('text')).map(
          t => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a))};
"""


@pytest.mark.parametrize("width", (1920, 1400, 901, 420, 360))
def test_diagram_fits_with_legible_text(browser, built, artifacts, width):
    """Every node of the inline diagram lies inside the diagram's box and the window, text ≥ 11 px,
    no sideways scrolling, and every node's link lands on a section, on the index and a digit page."""
    import re

    digit_page = sorted(built.glob("digit-*.html"))[0]
    try:
        browser.set_window_size(width, 1000)
        for page in (built / "index.html", digit_page):
            browser.get(page.as_uri())
            m = browser.execute_script(_DIAGRAM_JS)
            where = f"{page.name} at {width} px"
            assert m["shown"] == 1, where
            assert m["id"] == ("wide" if m["vw"] > 900 else "narrow"), where
            assert m["scroll"] <= m["vw"], f"{where}: the page scrolls sideways ({m['scroll']} px)"
            names = [n["id"].rsplit("-", 1)[-1] for n in m["nodes"]]
            assert names[0] == "input" and names[-1] == "dense3" and "flatten" in names, where
            for n in m["nodes"]:
                assert m["area"][0] - 0.5 <= n["left"] and n["right"] <= m["area"][1] + 0.5, (where, n)
                assert n["right"] <= m["vw"] and n["w"] > 0, (where, n)
                target, _, frag = n["href"].partition("#")
                html = (built / (target or page.name)).read_text(encoding="utf-8")
                assert re.search(rf'<section id="{re.escape(frag)}"', html), (where, n)
            assert m["text"] >= 11, f"{where}: smallest diagram text {m['text']:.1f} px"
            browser.execute_script("document.querySelector('.diagram').scrollIntoView()")
            browser.save_screenshot(str(Path(artifacts) / f"diagram-{page.stem}-{width}.png"))
    finally:
        browser.set_window_size(1280, 900)


def test_axe_finds_no_serious_violation_on_any_page(browser, built, axe, artifacts):
    """Every page of the gallery, the chapter's sub-gallery included, at a desktop and a phone width
    (each screenshotted into test-artifacts/pages/)."""
    pages = sorted(built.rglob("*.html"))
    assert {"index.html", "draw.html", "robustness.html", "seed/index.html"} <= \
        {p.relative_to(built).as_posix() for p in pages}
    try:
        for width in (1400, 420):
            browser.set_window_size(width, 900)
            for page in pages:
                browser.get(page.as_uri())
                assert axe(browser) == [], f"{page.relative_to(built)} at {width} px"
                shot = Path(artifacts) / "pages" / f"{page.relative_to(built).as_posix().replace('/', '-')}"
                shot.parent.mkdir(exist_ok=True)
                browser.save_screenshot(str(shot.with_suffix(f".{width}.png")))
    finally:
        browser.set_window_size(1280, 900)


_FIGURE_TEXT = """
return Array.from(document.querySelectorAll('img[data-font-px]')).map(img => {
  const box = img.closest('.fig-scroll'), hint = img.closest('figure').querySelector('.scroll-hint');
  return {src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
          text: parseFloat(img.dataset.fontPx) * img.getBoundingClientRect().width / img.naturalWidth,
          unscaled: img.getBoundingClientRect().width >= img.naturalWidth - 0.5,
          region: box !== null && box.getAttribute('role') === 'region' && box.tabIndex === 0
                  && (box.getAttribute('aria-label') || '').length > 0,
          scrolls: box !== null && box.scrollWidth > box.clientWidth,
          hint: hint !== null && getComputedStyle(hint).display !== 'none',
          pageScrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth};
});"""


@pytest.mark.parametrize("width", (420, 720, 1400))
def test_analysis_figures_text_is_legible(browser, built, axe, width):
    """Every matplotlib figure of the gallery (the seed sub-gallery's too) is either shown unscaled, as
    drawn (a desktop: it never scrolls there), or, where the column would shrink it, at a width whose
    smallest text reads at >= 11 CSS px: narrower than that, it scrolls in a focusable labelled region
    that says so."""
    checked = 0
    try:
        browser.set_window_size(width, 900)
        for page in sorted(built.rglob("*.html")):
            browser.get(page.as_uri())
            figures = browser.execute_script(_FIGURE_TEXT)
            for f in figures:
                where = f"{page.relative_to(built)} {f['src']} at {width} px"
                assert f["loaded"] and f["region"], where
                assert f["text"] >= 11 or f["unscaled"], f"{where}: smallest text {f['text']:.1f} px"
                if width == 1400:
                    assert f["unscaled"] and not f["scrolls"], f"{where}: shrunk or scrolling on a desktop"
                else:
                    assert f["text"] >= 11, f"{where}: smallest text {f['text']:.1f} px"
                assert f["hint"] == f["scrolls"], f"{where}: hint shown {f['hint']}, scrolls {f['scrolls']}"
                assert not f["pageScrolls"], f"{where}: the page itself scrolls sideways"
            if figures and width == 420:
                assert axe(browser) == [], f"{page.relative_to(built)} at {width} px"
            checked += len(figures)
    finally:
        browser.set_window_size(1280, 900)
    assert checked >= 30, checked
