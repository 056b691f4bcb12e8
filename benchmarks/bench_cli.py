"""Cold-start wall time of the CLI against the floor of importing its stack, in the same run.

Usage: .venv/bin/python benchmarks/bench_cli.py [--repeats N] [--json]
Targets: cold `lenet-viz activations examples/digit.png` <= 1.5x the floor
`python -c "import mxnet, matplotlib.pyplot"`; the default gallery (every page) from a cold start
< 30 s (a fixed target). A warm-up run of each, then ``--repeats`` interleaved rounds; median, min–max.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "lenet-viz"
sys.path.insert(0, str(Path(__file__).resolve().parent))


GALLERY_TARGET_S = 30.0


def _cmd(cmd: list, env: dict | None = None):
    def go() -> None:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                       env={**os.environ, "MPLBACKEND": "Agg", **(env or {})})
    return go


def run(repeats: int = 3) -> dict:
    """Each command cold (a fresh process), one warm-up each, ``repeats`` interleaved rounds."""
    from timing import interleaved, spread

    with tempfile.TemporaryDirectory() as tmp:
        t = interleaved({
            "floor": _cmd([sys.executable, "-c", "import mxnet, matplotlib.pyplot"]),
            "activations": _cmd([str(BIN), "activations", "-q", "examples/digit.png", "-o", f"{tmp}/a"]),
            "gallery": _cmd([str(BIN), "gallery", "-q", "-o", f"{tmp}/g"]),
        }, repeats)
    f, a, g = (t[k]["median"] for k in ("floor", "activations", "gallery"))
    return {
        "name": "cli cold start", "repeats": repeats, "timings": t,
        "floor_s": f, "activations_s": a, "gallery_s": g, "ratio": a / f,
        "rows": [
            {"measure": "cold `activations digit.png`", "value": spread(t["activations"]),
             "target": "<= 1.5x floor", "peer": f"floor {spread(t['floor'])}", "ratio": f"{a / f:.2f}x",
             "ok": a / f <= 1.5},
            {"measure": "cold default `gallery` (all pages)", "value": spread(t["gallery"], digits=1),
             "target": f"< {GALLERY_TARGET_S:.0f} s", "peer": "fixed target", "ratio": "-",
             "ok": g < GALLERY_TARGET_S},
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
