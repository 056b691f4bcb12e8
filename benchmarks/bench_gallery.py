"""What a digit page costs: the marginal cost of one more (a gallery of 100 held-out digits minus one
of 10, over 90), and the whole ``lenet-viz gallery --digits all`` (1,000 digit pages) from a cold
start, with its peak RSS.

Usage: .venv/bin/python benchmarks/bench_gallery.py [--repeats N] [--no-all] [--json]
Targets (issue 15): <= 0.1 s per digit page (it was ~0.9 s with matplotlib figures per page);
``--digits all`` < 120 s from a cold start, peak RSS < 1 GB.
The marginal builds run in this process with the shipped lenet5, the digit pages, the browse page
and the index (the pages whose work grows with the digits; every other page is the same work in
both and cancels out of the difference), warm imports; a warm-up of each, then ``--repeats``
interleaved rounds. The ``--digits all`` gallery (every page) is one run in a fresh process, timed
from its start; its peak RSS is that process's own high-water mark (VmHWM, which starts afresh at
exec, unlike ``ru_maxrss``).
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

SMALL, LARGE = 10, 100
TARGET_S = 0.1
ALL_TARGET_S, ALL_TARGET_MB = 120.0, 1024.0


def _hwm_mb() -> float:
    """This process's own peak RSS (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _all_child(out: str) -> None:
    """In this (fresh) process: ``lenet-viz gallery --digits all``, then print the peak RSS."""
    from lenet_viz.cli import cli

    cli(["gallery", "--digits", "all", "-q", "-o", out], standalone_mode=False)
    print(json.dumps({"peak_mb": round(_hwm_mb(), 1)}))


def cold_all() -> dict:
    """``lenet-viz gallery --digits all`` once, in a fresh process: seconds, peak RSS, pages written."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "--all-child", f"{tmp}/g"],
                              capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - t0
        pages = sum(1 for _ in Path(tmp, "g").glob("digit-*.html"))
    return {"seconds": seconds, "digit_pages": pages, "load": os.getloadavg()[0],
            **json.loads(done.stdout.strip().splitlines()[-1])}


def run(repeats: int = 3, all_digits: bool = True) -> dict:
    from timing import interleaved, spread

    from lenet_viz.data import load_dataset
    from lenet_viz.model import load_model
    from lenet_viz.site import build_gallery
    from lenet_viz.site.pages import browse, digits, index

    whole = cold_all() if all_digits else None  # first: nothing of this process's work is in its way

    model = load_model("lenet5")
    data = load_dataset(model.card.get("dataset", "mnist-5k"))
    with tempfile.TemporaryDirectory() as tmp:
        pages = (digits.PAGE, browse.PAGE, index.PAGE)

        def build(n: int):
            return lambda: build_gallery(Path(tmp) / f"g{n}", model, data, [], pages=pages, count=n)

        t = interleaved({f"{SMALL}": build(SMALL), f"{LARGE}": build(LARGE)}, repeats)
        pngs = sum(1 for _ in (Path(tmp) / f"g{LARGE}" / "assets").rglob("*.png"))
    small, large = t[f"{SMALL}"]["median"], t[f"{LARGE}"]["median"]
    per_page = (large - small) / (LARGE - SMALL)
    runs = [(b - a) / (LARGE - SMALL) for a, b in zip(t[f"{SMALL}"]["runs"], t[f"{LARGE}"]["runs"])]
    rows = []
    if whole:
        rows += [
            {"measure": f"cold `gallery --digits all` ({whole['digit_pages']:,} digit pages, one run)",
             "value": f"{whole['seconds']:.1f} s (load {whole['load']:.1f})",
             "target": f"< {ALL_TARGET_S:.0f} s", "peer": "fixed target", "ratio": "-",
             "ok": whole["seconds"] < ALL_TARGET_S},
            {"measure": "  its peak RSS (VmHWM)", "value": f"{whole['peak_mb']:.0f} MB",
             "target": f"< {ALL_TARGET_MB:.0f} MB", "peer": "fixed target", "ratio": "-",
             "ok": whole["peak_mb"] < ALL_TARGET_MB},
        ]
    return {
        "name": "gallery marginal cost", "repeats": repeats, "timings": t, "per_page_s": per_page,
        "per_page_runs_s": runs, "pngs_100": pngs, "all_digits": whole,
        "rows": rows + [
            {"measure": f"marginal cost per digit page ({LARGE}-{SMALL} digits)/{LARGE - SMALL}",
             "value": f"{per_page * 1000:.1f} ms ({min(runs) * 1000:.1f}–{max(runs) * 1000:.1f})",
             "target": f"<= {TARGET_S * 1000:.0f} ms", "peer": "fixed target", "ratio": "-",
             "ok": per_page <= TARGET_S},
            {"measure": f"  gallery of {SMALL} / {LARGE} digits (digit, browse and index pages)",
             "value": f"{spread(t[f'{SMALL}'])} / {spread(t[f'{LARGE}'])}", "target": "(info)",
             "peer": "-", "ratio": "-", "ok": None},
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-all", action="store_true", help="skip the cold --digits all gallery")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--all-child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.all_child:
        _all_child(a.all_child)
        return
    r = run(a.repeats, not a.no_all)
    if a.json:
        json.dump(r, sys.stdout, indent=2)
        return
    for row in r["rows"]:
        print(f"{row['measure']:<48} {row['value']:>24}  target {row['target']}")


if __name__ == "__main__":
    main()
