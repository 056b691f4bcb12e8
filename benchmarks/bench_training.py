"""The training page in headless Chromium: time to switch epoch and redraw both runs, the page's size,
and the installed package's size with the shipped checkpoints.

Run: ``.venv/bin/python benchmarks/bench_training.py [repeats]``. A switch is ``lenetViz.setStep(i)``:
pick each run's checkpoint, run both forward passes and repaint every layer, the kernels, the meter
and the probabilities (painting to the screen excluded, as in bench_draw). After one untimed pass over
every step (the first use of a checkpoint widens its float16 weights; that pass is reported as
"first visit"), every step is visited ``repeats`` times per pair in a rotated order; the figure is the
median of all switches with their min–max (``timing.summary``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_draw import _driver
from timing import MIN_REPEATS, spread, summary

HERE = Path(__file__).resolve().parent
TARGET_MS = 16.0
PACKAGE_TARGET_MB = 10.0

SWITCH_JS = """
const [pair, rounds] = arguments;
const sel = document.getElementById('pair');
sel.value = String(pair); sel.dispatchEvent(new Event('change'));
const n = lenetViz.steps().length, first = [], times = [];
for (let i = 0; i < n; i++) {
  const t0 = performance.now(); lenetViz.setStep(i); first.push(performance.now() - t0);
}
for (let r = 0; r < rounds; r++) {
  for (let j = 0; j < n; j++) {
    const i = (j * 7 + r) % n;  // a rotated order: not always the neighbouring checkpoint
    const t0 = performance.now(); lenetViz.setStep(i); times.push(performance.now() - t0);
  }
}
return [first, times];
"""


def installed_mb(tmp: Path) -> float:
    """Size of ``lenet_viz`` as installed, in MB: the files setuptools installs (``build_py``: modules and
    package data, checkpoints included) plus the ``.pyc`` files pip compiles. Offline, no wheel needed."""
    lib = tmp / "lib"
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                    "--build-lib", str(lib)], cwd=HERE.parent, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(lib)], check=True, capture_output=True)
    return sum(p.stat().st_size for p in (lib / "lenet_viz").rglob("*") if p.is_file()) / 1e6


def run(repeats: int = 5) -> dict:
    if repeats < MIN_REPEATS:
        raise ValueError(f"repeats must be >= {MIN_REPEATS}, got {repeats}")
    from lenet_viz.site.draw import held_out
    from lenet_viz.site.training import PAIRS, page_html
    from lenet_viz.snapshots import checkpoints_dir

    with tempfile.TemporaryDirectory(prefix="bench-training-") as t:
        tmp = Path(t)
        page = tmp / "training.html"
        page.write_text(page_html(held_out()), encoding="utf-8")
        page_mb = page.stat().st_size / 1e6
        driver = _driver(str(tmp / "profile"))
        try:
            driver.get(page.as_uri())
            switch, first = {}, {}
            for i, (a, b, _) in enumerate(PAIRS):
                f, times = driver.execute_script(SWITCH_JS, i, repeats)
                first[f"{a} vs {b}"], switch[f"{a} vs {b}"] = summary(f), summary(times)
        finally:
            driver.quit()
        package = installed_mb(tmp)
    checkpoints = sum(p.stat().st_size for p in checkpoints_dir().iterdir()) / 1e6
    rows = []
    for k, s in switch.items():
        rows.append({"measure": f"training page: switch epoch + redraw, {k}",
                     "value": spread(s, "ms", digits=1),
                     "target": f"< {TARGET_MS:.0f} ms", "peer": "fixed target", "ratio": "-",
                     "ok": s["median"] < TARGET_MS})
        rows.append({"measure": "  first visit of each checkpoint (widens float16)",
                     "value": spread(first[k], "ms", digits=1), "target": "(info)", "peer": "-", "ratio": "-",
                     "ok": None})
    rows.append({"measure": "training page size (39 checkpoints, single file)",
                 "value": f"{page_mb:.2f} MB", "target": "(info)",
                 "peer": "-", "ratio": "-", "ok": None})
    rows.append({"measure": "shipped checkpoints (npz + cards)", "value": f"{checkpoints:.2f} MB",
                 "target": "< 5 MB", "peer": "fixed target", "ratio": "-", "ok": checkpoints < 5})
    rows.append({"measure": "installed package (with .pyc)", "value": f"{package:.2f} MB",
                 "target": f"< {PACKAGE_TARGET_MB:.0f} MB", "peer": "fixed target", "ratio": "-",
                 "ok": package < PACKAGE_TARGET_MB})
    return {"switch_ms": switch, "first_visit_ms": first, "checkpoints_mb": checkpoints, "page_mb": page_mb,
            "installed_mb": package, "rows": rows}


def main() -> None:
    r = run(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    print(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
