"""The draw page in headless Chromium: forward-pass time per model, a full redraw after a stroke, the
page's size, and whether two builds give the same bytes.

Run: ``.venv/bin/python benchmarks/bench_draw.py [repeats]``. The peer, measured in the same run, is
MXNet's own forward of one image (imperative, the way ``trace`` runs it, copied back to numpy).
Times inside the page come from ``performance.now()`` (0.1 ms resolution from file://), so each
sample times a batch of calls; after 10 untimed warm-up calls, each figure is the median of its
samples with their min-max (``timing.summary``), like every row of ``make bench``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import MIN_REPEATS, summary

HERE = Path(__file__).resolve().parent
LENET_VIZ = Path(sys.executable).with_name("lenet-viz")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000"]

# A stroke with synthetic pointer events (the pad reads clientX/clientY and pointerId).
STROKE_JS = """
const pad = document.getElementById('pad'), r = pad.getBoundingClientRect();
document.getElementById('clear').click();
const at = (x, y) => ({clientX: r.left + x * r.width / 280, clientY: r.top + y * r.height / 280,
                       pointerId: 1, bubbles: true, button: 0});
pad.dispatchEvent(new PointerEvent('pointerdown', at(70, 60)));
for (const [x, y] of [[130, 58], [200, 62], [175, 120], [150, 180], [130, 235]])
  pad.dispatchEvent(new PointerEvent('pointermove', at(x, y)));
pad.dispatchEvent(new PointerEvent('pointerup', at(130, 235)));
"""

TIME_JS = """
const [what, model, samples, batch] = arguments;
const sel = document.getElementById('model');
if (sel.value !== model) { sel.value = model; sel.dispatchEvent(new Event('change')); }
const px = lenetViz.state().pixels;
const run = what === 'forward' ? () => lenetViz.forward(px, model) : () => lenetViz.update();
for (let i = 0; i < 10; i++) run();
const out = [];
for (let s = 0; s < samples; s++) {
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) run();
  out.push((performance.now() - t0) / batch);
}
return out;
"""


def _driver(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for f in FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def _build(out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(LENET_VIZ), "draw", "-o", str(out)], check=True, capture_output=True)
    return time.perf_counter() - t0


def _mxnet_forward_ms(repeats: int) -> dict:
    import numpy as np

    from lenet_viz._mx import mx
    from lenet_viz.data import mnist5k
    from lenet_viz.model import load_model

    net = load_model("lenet5").net
    x = mx.np.array(mnist5k().test.x[:1].astype(np.float32))
    for _ in range(10):
        net(x).asnumpy()
    times = []
    for _ in range(repeats * 20):
        t0 = time.perf_counter()
        net(x).asnumpy()
        times.append(time.perf_counter() - t0)
    return summary([1000 * t for t in times])


def run(repeats: int = 5) -> dict:
    if repeats < MIN_REPEATS:
        raise ValueError(f"repeats must be >= {MIN_REPEATS}, got {repeats}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-draw-"))
    try:
        a, b = tmp / "a.html", tmp / "b.html"
        build_s = _build(a)
        _build(b)
        sha = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)]
        size = a.stat().st_size
        driver = _driver(str(tmp / "profile"))
        try:
            driver.get(a.as_uri())
            driver.execute_script(STROKE_JS)
            driver.execute_script("lenetViz.update()")
            models = driver.execute_script("return lenetViz.models()")
            forward, redraw = {}, {}
            for m in models:
                forward[m] = summary(driver.execute_script(TIME_JS, "forward", m, 10 * repeats, 10))
                redraw[m] = summary(driver.execute_script(TIME_JS, "redraw", m, 10 * repeats, 3))
        finally:
            driver.quit()
        mx_ms = _mxnet_forward_ms(repeats)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"bytes": size, "sha256": sha, "same_bytes": sha[0] == sha[1], "build_s": build_s,
            "forward_ms": forward, "redraw_ms": redraw, "mxnet_forward_ms": mx_ms}


def main() -> None:
    r = run(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    print(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
