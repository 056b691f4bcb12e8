"""The training page in a real browser (headless Chromium, from file://): for 3 checkpoints of each run
and 50 held-out digits, lenetViz.forward equals MXNet's capture of the same checkpoint within the bound
the page states, with the same labels; the slider and play button work from the keyboard; no request
leaves the page; axe-core finds no serious accessibility violation."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from tests.test_draw_browser import FORWARD_JS, _open, _severe

pytestmark = pytest.mark.slow
N_DIGITS = 50


@pytest.fixture(scope="module")
def training_page(tmp_path_factory):
    from lenet_viz.site.draw import held_out
    from lenet_viz.site.training import page_html

    out = tmp_path_factory.mktemp("training") / "training.html"
    out.write_text(page_html(held_out()), encoding="utf-8")
    return out


def test_forward_equals_mxnet_for_3_checkpoints_of_each_run(browser, training_page, artifacts):
    from lenet_viz.capture import trace
    from lenet_viz.data import mnist5k
    from lenet_viz.model import load_model
    from lenet_viz.site.training import JS_BOUND
    from lenet_viz.snapshots import RUNS, checkpoint_id, epochs_of, read_run_card

    _open(browser, training_page)
    ids = browser.execute_script("return lenetViz.models()")
    want_ids = [checkpoint_id(r, e) for r in RUNS for e in epochs_of(read_run_card(r))]
    assert ids == want_ids
    x = mnist5k().test.x[:N_DIGITS].astype(np.float32)
    report = {}
    for run in RUNS:
        epochs = epochs_of(read_run_card(run))
        for epoch in (epochs[0], epochs[len(epochs) // 2], epochs[-1]):
            cid = checkpoint_id(run, epoch)
            ref = trace(load_model(cid), x).arrays()
            keys, blob = browser.execute_script(FORWARD_JS, base64.b64encode(x.tobytes()).decode(),
                                                len(x), cid)
            assert set(keys) == set(ref) - {"input"}, (cid, keys)
            got = np.frombuffer(base64.b64decode(blob), "<f4")
            at, worst = 0, {}
            for key in keys:
                want = ref[key].reshape(len(x), -1)
                js = got[at:at + want.size].reshape(want.shape)
                at += want.size
                worst[key] = float((np.abs(js - want) / (1 + np.abs(want))).max())
                if key == "probabilities":
                    assert np.array_equal(js.argmax(1), want.argmax(1)), f"{cid}: labels differ"
            assert at == got.size
            report[cid] = worst
            assert max(worst.values()) <= JS_BOUND, (cid, worst)
    Path(artifacts, "training-forward-errors.json").write_text(json.dumps(report, indent=2, sort_keys=True))
    assert _severe(browser) == []


def test_the_slider_and_play_work_from_the_keyboard(browser, training_page):
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, training_page)
    s0 = browser.execute_script("return lenetViz.state()")
    assert s0["step"] == 0 and s0["runs"] == ["seed-xavier", "seed-default"] and None not in s0["labels"]
    slider = browser.find_element(By.ID, "epoch")
    slider.send_keys(Keys.END)
    s1 = browser.execute_script("return lenetViz.state()")
    assert s1["epoch"] == 60 and slider.get_attribute("aria-valuetext") == "epoch 60"
    acc = browser.find_element(By.CSS_SELECTOR, ".run .acc").text
    assert acc.startswith("seed-xavier@60: held-out accuracy then 85.9 %"), acc
    slider.send_keys(Keys.HOME, Keys.ARROW_RIGHT)
    assert browser.execute_script("return lenetViz.state().epoch") == 1
    play = browser.find_element(By.ID, "play")
    play.send_keys(Keys.ENTER)
    assert play.get_attribute("aria-pressed") == "true"
    time.sleep(1.6)
    play.send_keys(Keys.ENTER)
    assert play.get_attribute("aria-pressed") == "false"
    assert browser.execute_script("return lenetViz.state().step") >= 2
    # the other pair: seed recipe vs lenet5, on one slider of both runs' epochs
    browser.execute_script("const p = document.getElementById('pair'); p.value = '1';"
                           "p.dispatchEvent(new Event('change'))")
    st = browser.execute_script("lenetViz.setStep(lenetViz.steps().length - 1); return lenetViz.state()")
    assert st["runs"] == ["seed-xavier", "lenet5"] and st["epoch"] == 120
    texts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".run .acc")]
    assert "(the run ended at epoch 60)" in texts[0]
    assert texts[1].startswith("lenet5@120: held-out accuracy then 98.2 %")
    # a mark's button moves the slider to it
    browser.find_element(By.CSS_SELECTOR, ".marks button").click()
    assert browser.execute_script("return lenetViz.state().epoch") >= 19
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert _severe(browser) == []


def test_axe_finds_no_serious_violation(browser, training_page, artifacts, axe):
    for width in (1400, 420):
        _open(browser, training_page, width)
        assert axe(browser) == []
        browser.save_screenshot(str(Path(artifacts) / f"training-{width}.png"))
