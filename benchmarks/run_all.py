"""Run every benchmark in benchmarks/ and print one table (``make bench``).

Each row: what was measured, its value (timings: median of >= 3 interleaved runs after a warm-up,
with min–max), the target, and either the peer or floor measured in the same run with the ratio the
target is stated in, or "fixed target" (a constant; no ratio). ``--json FILE`` also writes the raw
results. Adding a benchmark: one :class:`Step` in ``STEPS``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _row(measure, value, target, peer, ratio, ok):
    return {"measure": measure, "value": value, "target": target, "peer": peer, "ratio": ratio, "ok": ok}


def _fixed(measure, value, target, ok, note="fixed target"):
    """A row judged against a constant, not a peer: no ratio."""
    return _row(measure, value, target, note, "-", ok)


def _range(median, lo, hi, unit="s", digits=3, scale=1.0):
    return f"{median * scale:.{digits}f} {unit} ({lo * scale:.{digits}f}–{hi * scale:.{digits}f})"


def train_rows(r: dict) -> list:
    from timing import spread

    o, d, b = r["ours"], r["d2l"], r["d2l_no_board"]
    return [
        _row(f"train s/epoch ({r['dataset']}, LeNet-5, {r['epochs']} ep x {r['repeats']})",
             spread(o["spread"]), "<= 0.4x d2l", f"d2l.Trainer {spread(d['spread'])}", f"{r['ratio']:.2f}x",
             r["ratio"] <= 0.4),
        _row("  vs d2l.Trainer without its live plot", spread(o["spread"]), "(info)",
             f"no board {spread(b['spread'])}", f"{r['ratio_no_board']:.2f}x", None),
        _row(f"  test accuracy after {r['epochs']} epochs", f"{o['test_accuracy']:.4f}", ">= d2l's",
             f"d2l.Trainer {d['test_accuracy']:.4f}", f"{o['test_accuracy'] - d['test_accuracy']:+.4f}",
             o["test_accuracy"] >= d["test_accuracy"] - 0.005),
    ]


def capture_rows(r: dict) -> list:
    rows = [
        _row("capture all layers vs plain forward",
             _range(r["capture_s"], r["capture_best_s"], r["capture_worst_s"]), "<= 1.3x",
             f"imperative {_range(r['plain_s'], r['plain_best_s'], r['plain_worst_s'])}",
             f"{r['ratio_vs_imperative']:.2f}x", r["pass_ratio"]),
        _row("  vs hybridized forward (info)", f"{r['capture_s']:.3f} s", "-",
             f"hybridized {r['hybridized_s']:.3f} s", f"{r['ratio_vs_hybridized']:.2f}x", None),
        _fixed("one-image trace after warm-up",
               _range(r["single_trace_ms"], r["single_trace_min_ms"], r["single_trace_max_ms"], "ms", 2),
               "< 5 ms", r["pass_single"]),
    ]
    for s in r.get("rss", []):  # memory of one streamed pass (not a timing): one run each
        rows.append(_fixed(f"streamed stats RSS, {s['images']:,} images", f"+{s['above_mb']:.0f} MB",
                           "< +200 MB", s["above_mb"] < 200, f"fixed; footprint {s['footprint_mb']:.0f} MB"))
    return rows


def augment_rows(r: dict) -> list:
    from timing import spread

    return [
        _row(f"train s/epoch with augmentation (mnist-5k, {r['epochs']} ep x {r['repeats']})",
             spread(r["augmented"], digits=3), f"<= {r['target']}x plain",
             f"plain {spread(r['plain'], digits=3)}",
             f"{r['ratio']:.2f}x", r["ok"]),
        _row("  augmentation alone, batch of 128", f"{r['augment_ms_per_batch']:.1f} ms", "(info)", "-", "-",
             None),
    ]


def render_rows(r: dict) -> list:
    return [_fixed(f"all figures of one digit ({r['figures']}, PNG+SVG)",
                   _range(r["total_s"], r["best_s"], r["worst_s"], digits=2), "< 1.5 s", r["ok"])]


def init_rows(r: dict) -> list:
    from timing import spread

    return [_fixed(f"init comparison (3 inits x {r['epochs']} epochs)", spread(r["timing"], digits=1),
                   f"< {r['target_s']:.0f} s", r["ok"] and r["reproduces_shipped_record"],
                   "fixed; reproduces record" if r["reproduces_shipped_record"] else "DIFFERS from record")]


def draw_rows(r: dict) -> list:
    from timing import spread

    f, d, mx = r["forward_ms"], r["redraw_ms"], r["mxnet_forward_ms"]
    rows = [_fixed("draw page: JS forward, lenet5 (Chromium)", spread(f["lenet5"], "ms"), "< 2 ms",
                   f["lenet5"]["median"] < 2, f"fixed; MXNet, 1 image: {spread(mx, 'ms')}")]
    rows += [_row(f"  JS forward, {m}", spread(v, "ms"), "(info)", f"MXNet lenet5 {mx['median']:.2f} ms",
                  f"{v['median'] / mx['median']:.1f}x", None) for m, v in f.items() if m != "lenet5"]
    rows.append(_fixed("draw page: full redraw after a stroke, lenet5", spread(d["lenet5"], "ms", digits=1),
                       "< 16 ms", d["lenet5"]["median"] < 16))
    rows += [_fixed(f"  full redraw, {m}", spread(v, "ms", digits=1), "(info)", None, "-")
             for m, v in d.items() if m != "lenet5"]
    rows.append(_fixed("draw page size (3 models, single file)", f"{r['bytes'] / 1e6:.2f} MB", "< 2.5 MB",
                       r["bytes"] < 2.5e6))
    rows.append(_row("draw page sha256, two builds", r["sha256"][0][:12], "equal",
                     r["sha256"][1][:12], "same" if r["same_bytes"] else "DIFFER", r["same_bytes"]))
    return rows


@dataclass
class Step:
    """One benchmark: ``benchmarks/<name>.py``, how to run it (``quick``: a smaller workload, never
    fewer than 3 repeats) and its rows of the table. Adding a benchmark is one entry in STEPS."""

    name: str
    run: Callable[[Any, bool], dict]
    rows: Callable[[dict], list]


def _train_dataset(quick: bool) -> str:
    return "mnist-5k" if quick or not os.path.isdir("/usr/share/datasets/fashion-mnist") else "fashion-mnist"


STEPS = [
    Step("bench_cli", lambda m, quick: m.run(3), lambda r: r["rows"]),
    Step("bench_capture", lambda m, quick: m.run(3 if quick else 5), capture_rows),
    Step("bench_render", lambda m, quick: m.run("lenet5", 3 if quick else 5), render_rows),
    Step("bench_gallery", lambda m, quick: m.run(3, all_digits=not quick), lambda r: r["rows"]),
    Step("bench_analysis", lambda m, quick: m.time_init(2 if quick else None, 3), init_rows),
    Step("bench_draw", lambda m, quick: m.run(3 if quick else 5), draw_rows),
    Step("bench_training", lambda m, quick: m.run(3 if quick else 5), lambda r: r["rows"]),
    Step("bench_train", lambda m, quick: m.run(_train_dataset(quick), 1 if quick else 3, 3), train_rows),
    Step("bench_augment", lambda m, quick: m.run(2 if quick else 3), augment_rows),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default=None, help="also write the raw results to this file")
    ap.add_argument("--quick", action="store_true",
                    help="smaller workloads, still 3 interleaved repeats (proves the table; figures rough)")
    ap.add_argument("--only", default=None, help="comma-separated step names (e.g. bench_train)")
    a = ap.parse_args()
    results, rows = {}, []
    steps = [s for s in STEPS if a.only is None or s.name in a.only.split(",")]
    failed = []
    for step in steps:
        print(f"running {step.name} …", file=sys.stderr, flush=True)
        try:
            r = step.run(_load(step.name), a.quick)
            results[step.name] = r
            rows.extend(step.rows(r))
        except Exception as e:  # one broken benchmark must not lose the others' figures
            failed.append(step.name)
            rows.append(_row(f"{step.name} FAILED", type(e).__name__, "-", str(e)[:60], "-", False))
    today = datetime.date.today().isoformat()
    if a.json:  # raw results first: a printing problem must not lose minutes of measurements
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        raw = {"date": today, "quick": a.quick, "results": results, "rows": rows}
        Path(a.json).write_text(json.dumps(raw, indent=2, default=str))
    print_table(rows, today, a.quick)
    return 1 if failed else 0


def print_table(rows: list, today: str, quick: bool = False) -> None:
    """The Markdown table the README shows."""
    print(f"\nlenet-viz benchmarks{' (--quick: smaller workloads)' if quick else ''}, {today}, "
          f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("Timings: median of >= 3 interleaved runs after a warm-up, (min–max). A ratio is against the")
    print("peer or floor measured in the same run; a 'fixed target' row is judged against a constant.\n")
    keys = ("measure", "value", "target", "peer", "ratio")
    head = ("measure", "value", "target", "peer/floor (same run)", "ratio", "ok")
    widths = [max([len(h)] + [len(str(r[k])) for r in rows]) for k, h in zip(keys, head)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths + [3])) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths + [3]) + "|")
    for r in rows:
        ok = "" if r["ok"] is None else ("yes" if r["ok"] else "NO")
        cells = [str(r[k]).ljust(w) for k, w in zip(("measure", "value", "target", "peer", "ratio"), widths)]
        print("| " + " | ".join(cells + [ok.ljust(3)]) + " |")


if __name__ == "__main__":
    sys.exit(main())
