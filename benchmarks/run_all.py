"""Run every benchmark in benchmarks/ and print one table (``make bench``).

Each row: what was measured, its value, the target, the peer or floor measured in the same run,
and the ratio the target is stated in. ``--json FILE`` also writes the raw results.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _row(measure, value, target, peer, ratio, ok):
    return {"measure": measure, "value": value, "target": target, "peer": peer, "ratio": ratio, "ok": ok}


def train_rows(r: dict) -> list:
    o, d = r["ours"], r["d2l"]
    return [
        _row(f"train s/epoch ({r['dataset']}, LeNet-5)", f"{o['sec_per_epoch']:.2f} s",
             "<= 0.4x d2l", f"d2l.Trainer {d['sec_per_epoch']:.2f} s", f"{r['ratio']:.2f}x",
             r["ratio"] <= 0.4),
        _row("  vs d2l.Trainer without its live plot", f"{o['sec_per_epoch']:.2f} s", "(info)",
             f"no board {r['d2l_no_board']['sec_per_epoch']:.2f} s", f"{r['ratio_no_board']:.2f}x", None),
        _row(f"  test accuracy after {r['epochs']} epochs", f"{o['test_accuracy']:.4f}", ">= d2l's",
             f"d2l.Trainer {d['test_accuracy']:.4f}", f"{o['test_accuracy'] - d['test_accuracy']:+.4f}",
             o["test_accuracy"] >= d["test_accuracy"] - 0.005),
    ]


def capture_rows(r: dict) -> list:
    rows = [
        _row("capture all layers vs plain forward", f"{r['capture_s']:.3f} s", "<= 1.3x",
             f"imperative {r['plain_s']:.3f} s", f"{r['ratio_vs_imperative']:.2f}x", r["pass_ratio"]),
        _row("  vs hybridized forward (info)", f"{r['capture_s']:.3f} s", "-",
             f"hybridized {r['hybridized_s']:.3f} s", f"{r['ratio_vs_hybridized']:.2f}x", None),
        _row("one-image trace after warm-up", f"{r['single_trace_ms']:.2f} ms", "< 5 ms", "-",
             f"{r['single_trace_ms'] / 5:.2f} of target", r["pass_single"]),
    ]
    for s in r.get("rss", []):
        rows.append(_row(f"streamed stats RSS, {s['images']:,} images", f"+{s['above_mb']:.0f} MB",
                         "< +200 MB", f"footprint {s['footprint_mb']:.0f} MB",
                         f"{s['above_mb'] / 200:.2f} of target", s["above_mb"] < 200))
    return rows


def render_rows(r: dict) -> list:
    return [_row(f"all figures of one digit ({r['figures']}, PNG+SVG)", f"{r['total_s']:.2f} s", "< 1.5 s",
                 f"best {r['best_s']:.2f} s", f"{r['total_s'] / 1.5:.2f} of target", r["ok"])]


def analysis_rows(g: dict, i: dict) -> list:
    return [
        _row("cold gallery with analysis pages", f"{g['gallery_s']:.1f} s", "< 45 s", "-",
             f"{g['gallery_s'] / 45:.2f} of target", g["ok"]),
        _row("init comparison (3 inits x 40 epochs)", f"{i['init_compare_s']:.0f} s", "< 180 s",
             "reproduces record" if i["reproduces_shipped_record"] else "DIFFERS from record",
             f"{i['init_compare_s'] / 180:.2f} of target", i["ok"] and i["reproduces_shipped_record"]),
    ]


def draw_rows(r: dict) -> list:
    f, d, mx = r["forward_ms"], r["redraw_ms"], r["mxnet_forward_ms"]
    rows = [_row("draw page: JS forward, lenet5 (Chromium)", f"{f['lenet5']:.2f} ms", "< 2 ms",
                 f"MXNet 1 image {mx:.2f} ms", f"{f['lenet5'] / mx:.1f}x", f["lenet5"] < 2)]
    rows += [_row(f"  JS forward, {m}", f"{v:.2f} ms", "(info)", f"MXNet lenet5 {mx:.2f} ms",
                  f"{v / mx:.1f}x", None) for m, v in f.items() if m != "lenet5"]
    rows.append(_row("draw page: full redraw after a stroke, lenet5", f"{d['lenet5']:.1f} ms", "< 16 ms", "-",
                     f"{d['lenet5'] / 16:.2f} of target", d["lenet5"] < 16))
    rows += [_row(f"  full redraw, {m}", f"{v:.1f} ms", "(info)", "-", f"{v / 16:.2f} of target", None)
             for m, v in d.items() if m != "lenet5"]
    rows.append(_row("draw page size (3 models, single file)", f"{r['bytes'] / 1e6:.2f} MB", "< 2.5 MB", "-",
                     f"{r['bytes'] / 2.5e6:.2f} of target", r["bytes"] < 2.5e6))
    rows.append(_row("draw page sha256, two builds", r["sha256"][0][:12], "equal",
                     r["sha256"][1][:12], "same" if r["same_bytes"] else "DIFFER", r["same_bytes"]))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default=None, help="also write the raw results to this file")
    ap.add_argument("--quick", action="store_true", help="fewer repeats (a rough table in ~3 min)")
    a = ap.parse_args()
    results, rows = {}, []
    steps = [
        ("bench_cli", lambda m: m.run(2 if a.quick else 3), lambda r: r["rows"]),
        ("bench_capture", lambda m: m.run(3 if a.quick else 5), capture_rows),
        ("bench_render", lambda m: m.run("lenet5", 3 if a.quick else 5), render_rows),
        ("bench_analysis", lambda m: (m.time_gallery("lenet5"), m.time_init()),
         lambda r: analysis_rows(*r)),
        ("bench_draw", lambda m: m.run(3 if a.quick else 5), draw_rows),
        ("bench_train", lambda m: m.run("fashion-mnist" if os.path.isdir("/usr/share/datasets/fashion-mnist")
                                        else "mnist-5k", 2 if a.quick else 3), train_rows),
    ]
    failed = []
    for name, call, to_rows in steps:
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            r = call(_load(name))
        except Exception as e:  # one broken benchmark must not lose the others' figures
            failed.append(name)
            rows.append(_row(f"{name} FAILED", type(e).__name__, "-", str(e)[:60], "-", False))
            continue
        results[name] = r
        rows.extend(to_rows(r))
    today = datetime.date.today().isoformat()
    if a.json:  # raw results first: a printing problem must not lose minutes of measurements
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({"date": today, "results": results, "rows": rows}, indent=2,
                                           default=str))
    print_table(rows, today)
    return 1 if failed else 0


def print_table(rows: list, today: str) -> None:
    """The Markdown table the README shows."""
    print(f"\nlenet-viz benchmarks, {today}, {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}\n")
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
