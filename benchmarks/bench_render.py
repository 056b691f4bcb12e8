"""Time to render and save every figure of one digit: the gallery's per-digit cost.

Run ``.venv/bin/python benchmarks/bench_render.py [--variant lenet5] [--repeats 5] [--json]``;
``run()`` returns the figures as a dict. One round renders, for one held-out digit:
``trace_figures`` (input, every feature map and pre-activation, dense strips, prediction), the
saturation figure of that digit's trace, the kernels of every conv layer, all saved as PNG, and —
when ``lenet_viz.render.diagram`` is installed and Graphviz's ``dot`` found — the diagram as SVG.
After one warm-up round (imports, font cache), the median and best of ``repeats`` rounds are
reported with a per-figure breakdown (build = the renderer, save = draw + encode + write).
Target: < 1.5 s per digit for all its figures. The capture itself is not timed.

Where the time went (profiled, lenet5, 17 figures; first version ~3.4 s on a busy 2-CPU box):
constrained layout re-measured every tick label on every draw (→ layouts budgeted in inches);
each new Axes builds ticks, spines and titles for ~7 ms (→ empty layouts are built once, pickled
and unpickled per figure, ~3× cheaper); tile axes never draw their ticks, which were 70 % of the
objects every garbage collection walks (→ tick lists dropped); the per-draw search for ticks under
each title (→ titles pinned); 30 tick objects per dense strip (→ plain texts). The dpi (100) and
PNG encoding (zlib level 3) are minor: ~10 ms a figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_S = 1.5


def _model(variant: str) -> tuple[Any, str]:
    from lenet_viz.model import Model, build_net, load_model, shipped_path

    if shipped_path(variant).with_suffix(".params").exists():
        return load_model(variant), f"shipped {variant}"
    from lenet_viz._mx import seed_all

    seed_all(0)
    model = Model(build_net(variant), variant, source=f"seeded-{variant}")
    return model, f"seeded {variant} (no shipped weights)"


def _builders(t: Any) -> list:
    """(name, build, suffix) for every figure of one digit, in gallery order."""
    from lenet_viz.render.histograms import saturation_figure
    from lenet_viz.render.kernels import kernels_figure
    from lenet_viz.render.maps import trace_figures
    from lenet_viz.stats import layer_stats

    out: list = [("trace_figures", lambda: trace_figures(t, 0), "png")]
    out.append(("saturation", lambda: {"saturation": saturation_figure(layer_stats(t))}, "png"))
    for r in t:
        if r.kind == "conv":
            out.append((f"{r.name}.kernels", lambda n=r.name: {f"{n}.kernels": kernels_figure(t, n)}, "png"))
    if importlib.util.find_spec("lenet_viz.render.diagram") and shutil.which("dot"):
        from lenet_viz.render.diagram import diagram

        out.append(("diagram", lambda: {"diagram": diagram(t)}, "svg"))
    return out


def _round(builders: list, folder: Path) -> dict:
    """Render and save everything once; per-figure (build, save) seconds."""
    from lenet_viz.render.figures import save_figure

    times: dict = {}
    for _, build, suffix in builders:
        t0 = time.perf_counter()
        figs = build()
        t1 = time.perf_counter()
        share = (t1 - t0) / len(figs)  # trace_figures builds many at once: split its time evenly
        for name, fig in figs.items():
            s0 = time.perf_counter()
            path = folder / f"{name}.{suffix}"
            if suffix == "svg":
                fig.save(path)
            else:
                save_figure(fig, path)
            times[name] = (share, time.perf_counter() - s0)
    return times


def run(variant: str = "lenet5", repeats: int = 5, index: int = 7) -> dict:
    """Render one digit's full figure set ``repeats`` times after a warm-up round.

    Args:
        variant: model variant (shipped weights when present, else seeded).
        repeats: timed rounds.
        index: which held-out digit (of ``mnist5k().test``) to draw.
    Returns:
        a dict: ``total_s`` (median wall time), ``best_s`` (the least disturbed round),
        ``target_s``, ``ok`` (median < target), ``figures`` (count),
        ``per_figure_ms`` (median build and save per figure), ``load_avg``, ``model``.
    """
    from lenet_viz.capture import trace
    from lenet_viz.data import mnist5k

    model, label = _model(variant)
    x = mnist5k().test.x[index:index + 1]
    t = trace(model, x)
    builders = _builders(t)
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        _round(builders, Path(tmp))  # warm-up: imports, font cache, colormap LUTs
        for _ in range(repeats):
            t0 = time.perf_counter()
            per = _round(builders, Path(tmp))
            rounds.append((time.perf_counter() - t0, per))
        png_bytes = sum(p.stat().st_size for p in Path(tmp).iterdir())
    totals = [r[0] for r in rounds]
    names = list(rounds[0][1])
    per_figure = {n: {"build_ms": round(1000 * statistics.median(r[1][n][0] for r in rounds), 1),
                      "save_ms": round(1000 * statistics.median(r[1][n][1] for r in rounds), 1)}
                  for n in names}
    total = statistics.median(totals)
    return {"model": label, "digit_index": index, "figures": len(names), "repeats": repeats,
            "total_s": round(total, 3), "best_s": round(min(totals), 3), "worst_s": round(max(totals), 3),
            "target_s": TARGET_S,
            "ok": total < TARGET_S, "bytes_written": png_bytes, "per_figure_ms": per_figure,
            "load_avg": [round(v, 2) for v in os.getloadavg()], "cpus": os.cpu_count()}


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="lenet5")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run(args.variant, args.repeats)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['model']}, digit #{result['digit_index']}: {result['figures']} figures, "
          f"{result['bytes_written'] / 1e6:.1f} MB")
    print(f"{'figure':<16}{'build ms':>10}{'save ms':>10}")
    for name, t in result["per_figure_ms"].items():
        print(f"{name:<16}{t['build_ms']:>10.1f}{t['save_ms']:>10.1f}")
    verdict = "OK" if result["ok"] else "over target"
    print(f"total per digit: median {result['total_s']:.2f} s, best {result['best_s']:.2f} s "
          f"(target < {TARGET_S} s: {verdict}); load average {result['load_avg']} on "
          f"{result['cpus']} CPUs (other work on the machine inflates both)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
