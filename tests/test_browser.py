"""End to end in a real browser: Debian's headless Chromium opens the gallery from disk."""

import os
import shutil
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,900"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # never let Selenium try to download a browser or driver
    assert shutil.which("chromium") and shutil.which("chromedriver"), \
        "Debian's chromium and chromium-driver are needed (scripts/setup.sh --test installs them)"
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for f in FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    yield driver
    driver.quit()


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

    pages = sorted(built.glob("*.html"))
    for page in pages:
        browser.get(page.as_uri())
        broken = browser.execute_script(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.getAttribute('src'))")
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
