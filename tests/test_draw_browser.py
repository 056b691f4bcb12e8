"""The draw page in a real browser (Debian's headless Chromium, from file://): its forward pass equals
MXNet's hook capture on 200 held-out digits for every model, a stroke drawn on the pad is preprocessed
as load_digit preprocesses the same picture saved as PNG, no request leaves the page, the keyboard
alone can load and clear, and axe-core finds no serious accessibility violation."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lenet_viz.cli import cli

pytestmark = pytest.mark.slow
N_DIGITS, BATCH = 200, 25

# Runs lenetViz.forward on a batch (base64 float32, n x 784) and returns the keys and every value as
# base64 float32 (key by key, image by image): far faster through WebDriver than JSON numbers.
FORWARD_JS = """
const [b64, n, model] = arguments;
const raw = atob(b64), bytes = new Uint8Array(raw.length);
for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
const px = new Float32Array(bytes.buffer);
const outs = [];
for (let i = 0; i < n; i++) outs.push(lenetViz.forward(px.subarray(784 * i, 784 * (i + 1)), model));
const keys = Object.keys(outs[0]);
let total = 0;
for (const o of outs) for (const k of keys) total += o[k].length;
const all = new Float32Array(total);
let at = 0;
for (const k of keys) for (const o of outs) { all.set(o[k], at); at += o[k].length; }
const u8 = new Uint8Array(all.buffer);
let s = "";
for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
return [keys, btoa(s)];
"""


@pytest.fixture(scope="module")
def pad_page(tmp_path_factory):
    out = tmp_path_factory.mktemp("draw") / "pad.html"
    r = CliRunner().invoke(cli, ["draw", "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _open(browser, page, width=1400):
    browser.set_window_size(width, 1000)
    browser.get(page.as_uri())
    browser.get_log("browser")  # start each test with an empty log
    assert browser.execute_script("return typeof lenetViz") == "object"


def _severe(browser):
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_forward_equals_mxnet_for_200_held_out_digits(browser, pad_page, artifacts):
    from lenet_viz.capture import trace
    from lenet_viz.data import mnist5k
    from lenet_viz.model import load_model

    _open(browser, pad_page)
    assert browser.execute_script("return lenetViz.models()") == ["lenet5", "modern", "mlp"]
    x = mnist5k().test.x[:N_DIGITS].astype(np.float32)
    report = {}
    for name in ("lenet5", "modern", "mlp"):
        model = load_model(name)
        worst: dict = {}
        for start in range(0, N_DIGITS, BATCH):
            xb = x[start:start + BATCH]
            ref = trace(model, xb).arrays()
            keys, blob = browser.execute_script(FORWARD_JS, base64.b64encode(xb.tobytes()).decode(),
                                                len(xb), name)
            assert set(keys) == set(ref) - {"input"}, (name, keys)
            got = np.frombuffer(base64.b64decode(blob), "<f4")
            at = 0
            for key in keys:
                want = ref[key].reshape(len(xb), -1)
                js = got[at:at + want.size].reshape(want.shape)
                at += want.size
                err = float((np.abs(js - want) / (1 + np.abs(want))).max())
                worst[key] = max(worst.get(key, 0.0), err)
                if key == "probabilities":
                    assert np.array_equal(js.argmax(1), want.argmax(1)), f"{name}: labels differ"
            assert at == got.size
        report[name] = worst
        assert max(worst.values()) <= 1e-5, (name, worst)
    Path(artifacts, "draw-forward-errors.json").write_text(json.dumps(report, indent=2, sort_keys=True))
    assert _severe(browser) == []


def _draw_stroke(browser, points):
    """A real pointer stroke through WebDriver actions (offsets from the pad's top-left corner)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    pad = browser.find_element(By.ID, "pad")
    size = pad.size
    chain = ActionChains(browser, duration=10)
    x0, y0 = points[0]
    chain.move_to_element_with_offset(pad, x0 - size["width"] // 2, y0 - size["height"] // 2).click_and_hold()
    for (xa, ya), (xb, yb) in zip(points, points[1:]):
        chain.move_by_offset(xb - xa, yb - ya)
    chain.release().perform()


def test_preprocess_of_a_drawn_stroke_matches_load_digit(browser, pad_page, tmp_path, artifacts):
    from lenet_viz.images import load_digit
    from lenet_viz.model import load_model

    _open(browser, pad_page)
    model = load_model("lenet5")
    strokes = {"seven": [(70, 60), (130, 58), (200, 62), (175, 120), (150, 180), (130, 235)],
               "one": [(150, 40), (148, 120), (146, 200), (145, 250)]}
    for name, points in strokes.items():
        browser.execute_script("document.getElementById('clear').click()")
        _draw_stroke(browser, points)
        state = browser.execute_script("lenetViz.update(); return lenetViz.state()")
        assert state["pixels"] is not None, "the stroke did not reach the pad"
        js, url = browser.execute_script(
            "const c = document.getElementById('pad');"
            "const img = c.getContext('2d').getImageData(0, 0, c.width, c.height);"
            "return [Array.from(lenetViz.preprocess(img)), c.toDataURL('image/png')]")
        png = tmp_path / f"{name}.png"
        png.write_bytes(base64.b64decode(url.split(",", 1)[1]))
        want = load_digit(png)
        js = np.array(js, np.float32).reshape(1, 1, 28, 28)
        diff = float(np.abs(js - want).mean())
        assert diff <= 0.02, (name, diff)
        assert np.allclose(js.ravel(), state["pixels"])
        assert int(model.predict_proba(want).argmax()) == state["label"], name
        browser.save_screenshot(str(Path(artifacts) / f"draw-stroke-{name}.png"))
    assert _severe(browser) == []


def test_no_request_leaves_the_page(browser, pad_page):
    _open(browser, pad_page)
    browser.execute_script("document.querySelector('button.load').click()")
    browser.execute_script("document.getElementById('model').value = 'modern';"
                           "document.getElementById('model').dispatchEvent(new Event('change'))")
    assert browser.execute_script("return lenetViz.state().label") is not None
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert _severe(browser) == []
    # and the CSP refuses one when a script tries
    outcome = browser.execute_async_script(
        "const done = arguments[0];"
        "fetch('file:///etc/hostname').then(() => done('allowed'), e => done('refused: ' + e.name))")
    assert outcome.startswith("refused"), outcome
    assert any("Content Security Policy" in e["message"] for e in _severe(browser))


def test_keyboard_alone_loads_a_digit_and_clears(browser, pad_page):
    from selenium.webdriver.common.keys import Keys

    _open(browser, pad_page)
    body = browser.switch_to.active_element

    def tab_to(selector):
        for _ in range(60):
            body = browser.switch_to.active_element
            if browser.execute_script(f"return document.activeElement.matches('{selector}')"):
                return body
            body.send_keys(Keys.TAB)
        raise AssertionError(f"Tab never reached {selector}")

    assert body is not None
    tab_to("button.load").send_keys(Keys.ENTER)
    state = browser.execute_script("return lenetViz.state()")
    assert state["pixels"] is not None and state["label"] == 0  # the first button holds a held-out 0
    tab_to("#clear").send_keys(Keys.ENTER)
    assert browser.execute_script("return lenetViz.state().pixels") is None
    assert "empty" in browser.execute_script("return document.getElementById('status').textContent")
    tab_to("#model").send_keys(Keys.ARROW_DOWN)
    assert browser.execute_script("return lenetViz.state().model") == "modern"


def test_axe_finds_no_serious_violation(browser, pad_page, artifacts, axe):
    for width in (1400, 420):
        _open(browser, pad_page, width)
        browser.execute_script("document.querySelector('button.load').click()")
        assert axe(browser) == []
        browser.save_screenshot(str(Path(artifacts) / f"draw-{width}.png"))


def test_click_a_unit_shows_its_arithmetic(browser, pad_page, artifacts):
    import re

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _open(browser, pad_page)
    browser.execute_script("document.querySelectorAll('button.load')[7].click()")
    for key, rf in (("conv1", "5×5"), ("pool1", "6×6"), ("conv2", "14×14"), ("pool2", "16×16")):
        tile = browser.find_elements(By.CSS_SELECTOR, f"#view-{key} canvas")[1]
        ActionChains(browser).move_to_element_with_offset(tile, 2, 2).click().perform()
        text = browser.find_element(By.ID, "arith").text
        m = re.search(rf"{key} ch (\d+), row (\d+), col (\d+)", text)
        assert m and m.group(1) == "1", text
        assert f"receptive field on the input: {rf} px" in text, text
        if key.startswith("conv"):
            h, w = browser.execute_script(
                f"const c = document.querySelector('#view-{key} canvas'); return [c.height, c.width]")
            idx = (1 * h + int(m.group(2))) * w + int(m.group(3))
            z, s = browser.execute_script(
                f"const o = lenetViz.forward(lenetViz.state().pixels);"
                f"return [o['{key}.pre'][{idx}], o['{key}'][{idx}]]")
            assert f"z = Σ w·x + b = {z:.2f}" in text and f"sigmoid(z) = {s:.2f}" in text, text
            assert "largest of" in text and "bias" in text
    strip = browser.find_element(By.CSS_SELECTOR, "#view-dense1 canvas")
    ActionChains(browser).move_to_element(strip).click().perform()
    text = browser.find_element(By.ID, "arith").text
    assert "receptive field: the whole input" in text and "largest of 400 terms" in text, text
    browser.save_screenshot(str(Path(artifacts) / "draw-arithmetic.png"))
    assert _severe(browser) == []
