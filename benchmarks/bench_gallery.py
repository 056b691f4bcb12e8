"""The marginal cost of one more digit page: a gallery of 100 held-out digits minus one of 10, over 90.

Usage: .venv/bin/python benchmarks/bench_gallery.py [--repeats N] [--json]
Target (issue 15): <= 0.1 s per digit page (it was ~0.9 s with matplotlib figures per page).
Both builds run in this process with the shipped lenet5, the digit pages and the index (the pages
whose work grows with the digits; every other page is the same work in both and cancels out of
the difference), warm imports; a warm-up of each, then ``--repeats`` interleaved rounds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

SMALL, LARGE = 10, 100
TARGET_S = 0.1


def run(repeats: int = 3) -> dict:
    from timing import interleaved, spread

    from lenet_viz.data import load_dataset
    from lenet_viz.model import load_model
    from lenet_viz.site import build_gallery
    from lenet_viz.site.pages import digits, index

    model = load_model("lenet5")
    data = load_dataset(model.card.get("dataset", "mnist-5k"))
    with tempfile.TemporaryDirectory() as tmp:
        pages = (digits.PAGE, index.PAGE)

        def build(n: int):
            return lambda: build_gallery(Path(tmp) / f"g{n}", model, data, [], pages=pages, count=n)

        t = interleaved({f"{SMALL}": build(SMALL), f"{LARGE}": build(LARGE)}, repeats)
        pngs = sum(1 for _ in (Path(tmp) / f"g{LARGE}" / "assets").rglob("*.png"))
    small, large = t[f"{SMALL}"]["median"], t[f"{LARGE}"]["median"]
    per_page = (large - small) / (LARGE - SMALL)
    runs = [(b - a) / (LARGE - SMALL) for a, b in zip(t[f"{SMALL}"]["runs"], t[f"{LARGE}"]["runs"])]
    return {
        "name": "gallery marginal cost", "repeats": repeats, "timings": t, "per_page_s": per_page,
        "per_page_runs_s": runs, "pngs_100": pngs,
        "rows": [
            {"measure": f"marginal cost per digit page ({LARGE}-{SMALL} digits)/{LARGE - SMALL}",
             "value": f"{per_page * 1000:.1f} ms ({min(runs) * 1000:.1f}–{max(runs) * 1000:.1f})",
             "target": f"<= {TARGET_S * 1000:.0f} ms", "peer": "fixed target", "ratio": "-",
             "ok": per_page <= TARGET_S},
            {"measure": f"  gallery of {SMALL} / {LARGE} digits (digit + index pages)",
             "value": f"{spread(t[f'{SMALL}'])} / {spread(t[f'{LARGE}'])}", "target": "(info)",
             "peer": "-", "ratio": "-", "ok": None},
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = run(a.repeats)
    if a.json:
        json.dump(r, sys.stdout, indent=2)
        return
    for row in r["rows"]:
        print(f"{row['measure']:<48} {row['value']:>24}  target {row['target']}")


if __name__ == "__main__":
    main()
