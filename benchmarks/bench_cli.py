"""Cold-start wall time of the CLI against the floor of importing its stack, in the same run.

Usage: .venv/bin/python benchmarks/bench_cli.py [--repeats N] [--json]
Targets: cold `lenet-viz activations examples/digit.png` <= 1.5x the floor
`python -c "import mxnet, matplotlib.pyplot"`; the default gallery from a cold start < 30 s
(< 45 s with the analysis pages).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "lenet-viz"


def _wall(cmd: list, env: dict | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                   env={**os.environ, "MPLBACKEND": "Agg", **(env or {})})
    return time.perf_counter() - t0


def run(repeats: int = 3) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        floor, act, act1, gal = [], [], [], []
        for i in range(repeats):  # interleaved, so load changes hit every measure alike
            floor.append(_wall([sys.executable, "-c", "import mxnet, matplotlib.pyplot"]))
            act.append(_wall([str(BIN), "activations", "-q", "examples/digit.png", "-o", f"{tmp}/a{i}"]))
            act1.append(_wall([str(BIN), "activations", "-q", "examples/digit.png", "-o", f"{tmp}/b{i}"],
                              {"LENET_VIZ_WORKERS": "1"}))
        for i in range(max(1, repeats // 2)):
            gal.append(_wall([str(BIN), "gallery", "-q", "-o", f"{tmp}/g{i}"]))
    f, a, a1, g = (statistics.median(v) for v in (floor, act, act1, gal))
    return {
        "name": "cli cold start",
        "floor_s": f, "activations_s": a, "activations_one_process_s": a1, "gallery_s": g,
        "ratio": a / f, "ratio_one_process": a1 / f,
        "rows": [
            {"measure": "cold `activations digit.png`", "value": f"{a:.2f} s", "target": "<= 1.5x floor",
             "peer": f"floor {f:.2f} s", "ratio": f"{a / f:.2f}x", "ok": a / f <= 1.5},
            {"measure": "  same, LENET_VIZ_WORKERS=1", "value": f"{a1:.2f} s", "target": "(info)",
             "peer": f"floor {f:.2f} s", "ratio": f"{a1 / f:.2f}x", "ok": None},
            {"measure": "cold default `gallery`", "value": f"{g:.1f} s", "target": "< 45 s",
             "peer": f"floor {f:.2f} s", "ratio": f"{g / f:.1f}x", "ok": g < 45},
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
        print(f"{row['measure']:<34} {row['value']:>9}  target {row['target']:<15} {row['peer']:<14} "
              f"{row['ratio']}")


if __name__ == "__main__":
    main()
