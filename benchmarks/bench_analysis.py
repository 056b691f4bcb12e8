"""Cost of the analysis pages in a gallery build, and of the init comparison.

Usage: .venv/bin/python benchmarks/bench_analysis.py [--model lenet5] [--init] [--gallery] [--json]

Targets:
- the five analysis pages together add well under the 45 s budget of a cold default gallery
  (``--gallery`` times a whole default gallery with them, cold, in a fresh process);
- ``--init``: the init comparison (3 inits x 40 epochs, SGD lr 0.9) reproduces in < 180 s.
Timings on a shared 2-core machine are noisy: run when it is quiet, or read them as upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

INIT_TARGET_S = 180.0
GALLERY_TARGET_S = 45.0


def time_pages(model_name: str) -> dict:
    """Each analysis page built alone into a temporary folder, with the gallery's real context."""
    import numpy as np

    from lenet_viz.capture import trace
    from lenet_viz.data import load_dataset
    from lenet_viz.model import load_model
    from lenet_viz.site.context import PageContext
    from lenet_viz.site.gallery import held_out_digits
    from lenet_viz.site.pages import ANALYSES

    t0 = time.perf_counter()
    model = load_model(model_name)
    data = load_dataset(model.card.get("dataset", "mnist-5k"))
    digits = held_out_digits(data)
    t = trace(model, np.stack([d.x for d in digits]))
    for i, d in enumerate(digits):
        d.label = int(t.probabilities[i].argmax())
    setup = time.perf_counter() - t0
    out = {"setup_s": round(setup, 2), "pages": {}}
    with tempfile.TemporaryDirectory() as tmp:
        nav = [{"href": p.href, "title": p.title} for p in ANALYSES]
        ctx = PageContext(Path(tmp), model, data, t, digits, nav)
        for page in ANALYSES:
            t1 = time.perf_counter()
            page.build(ctx)
            out["pages"][page.href] = round(time.perf_counter() - t1, 2)
    out["pages_total_s"] = round(sum(out["pages"].values()), 2)
    return out


def time_gallery(model_name: str) -> dict:
    """A cold default gallery with the analysis pages, in a fresh interpreter (imports included)."""
    code = (
        "import sys, time; t=time.perf_counter()\n"
        "from pathlib import Path\n"
        "from lenet_viz.data import load_dataset\n"
        "from lenet_viz.model import load_model\n"
        "from lenet_viz.site import build_gallery\n"
        "m = load_model(sys.argv[1]); d = load_dataset(m.card.get('dataset', 'mnist-5k'))\n"
        "build_gallery(Path(sys.argv[2]), m, d, [])\n"
        "print(time.perf_counter() - t)\n")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", code, model_name, os.path.join(tmp, "g")],
                             capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
    return {"gallery_s": round(wall, 1), "inside_s": round(float(res.stdout.strip().splitlines()[-1]), 1),
            "target_s": GALLERY_TARGET_S, "ok": wall < GALLERY_TARGET_S}


def time_init() -> dict:
    """The full init comparison, as shipped, and whether it reproduces the shipped record exactly."""
    from lenet_viz.analyses.inits import compare_init
    from lenet_viz.analyses.records import dump_record, load_record

    per = {}
    t0 = time.perf_counter()
    rec = compare_init(progress=lambda name, s: per.__setitem__(name, round(s, 1)))
    total = time.perf_counter() - t0
    same = dump_record(rec) == dump_record(load_record("init"))
    return {"init_compare_s": round(total, 1), "per_init_s": per, "target_s": INIT_TARGET_S,
            "ok": total < INIT_TARGET_S, "reproduces_shipped_record": same}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="lenet5")
    ap.add_argument("--init", action="store_true", help="also time the full init comparison (~1.5 min)")
    ap.add_argument("--gallery", action="store_true", help="also time a cold default gallery with the pages")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    load = [round(v, 2) for v in os.getloadavg()]
    result = {"model": args.model, "load_avg": load, **time_pages(args.model)}
    if args.gallery:
        result["gallery"] = time_gallery(args.model)
    if args.init:
        result["init"] = time_init()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.model}: setup {result['setup_s']} s (load avg {result['load_avg'][0]})")
    for href, s in result["pages"].items():
        print(f"  {href:<22}{s:>6.2f} s")
    print(f"  {'all five pages':<22}{result['pages_total_s']:>6.2f} s")
    if "gallery" in result:
        g = result["gallery"]
        print(f"cold gallery with the pages: {g['gallery_s']} s (target < {g['target_s']:.0f} s): "
              f"{'ok' if g['ok'] else 'OVER'}")
    if "init" in result:
        r = result["init"]
        print(f"init comparison: {r['init_compare_s']} s {r['per_init_s']} "
              f"(target < {r['target_s']:.0f} s): {'ok' if r['ok'] else 'OVER'}; "
              f"reproduces the shipped record: {r['reproduces_shipped_record']}")


if __name__ == "__main__":
    main()
