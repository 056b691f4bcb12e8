"""Cost of capturing every layer, against plain forwards of the same batches in the same run.

Run ``python benchmarks/bench_capture.py`` for a table or ``--json`` for the figures; ``run()``
returns them as a dict (for ``make bench``). Measures:

1. capture of all layers over 10,000 Fashion-MNIST test images (Debian's ``dataset-fashion-mnist``;
   MNIST-5k tiled to 10,000 if it is missing) in batches of 500, vs a plain imperative forward and a
   hybridized forward (one cached graph) of the same batches; target ≤ 1.3× the imperative one;
2. one-image ``trace`` after warm-up, median; target < 5 ms;
3. peak RSS of streamed ``dataset_stats`` over 2,000 and 10,000 images, each in a fresh subprocess:
   ``ru_maxrss`` after loading model and images vs after the statistics; target < 200 MB above it,
   and flat in the number of images.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

N_IMAGES = 10_000
BATCH = 500
TARGET_RATIO = 1.3
TARGET_SINGLE_MS = 5.0
TARGET_RSS_MB = 200.0


def _images(n: int) -> tuple[Any, str]:
    """``n`` images (N,1,28,28) float32 and the dataset's label; reads only what it needs."""
    import numpy as np

    from lenet_viz.data import FASHION_DIR, mnist5k, read_idx

    path = FASHION_DIR / "t10k-images-idx3-ubyte.gz"
    if path.exists():
        x = read_idx(path, 2051)[:n]
        return (x.astype(np.float32) / 255.0)[:, None], "fashion-mnist test"
    d = mnist5k()
    x = np.concatenate([d.train.x, d.test.x])
    reps = -(-n // len(x))
    return np.concatenate([x] * reps)[:n], f"mnist-5k train+test, tiled x{reps}"


def _model() -> tuple[Any, str]:
    from lenet_viz.model import Model, build_net, load_model, shipped_path

    if shipped_path("lenet5").with_suffix(".params").exists():
        return load_model("lenet5"), "shipped lenet5"
    from lenet_viz._mx import seed_all

    seed_all(0)
    return Model(build_net("lenet5"), "lenet5", source="seeded-lenet5"), "seeded lenet5 (no shipped weights)"


def _hybrid_copy(model: Any) -> Any:
    """The same layers in a HybridSequential, hybridized: the fastest plain forward Gluon offers."""
    from lenet_viz._mx import nn
    from lenet_viz.model import build_net

    fresh = build_net(model.variant)
    for dst, src in zip(fresh.collect_params().values(), model.net.collect_params().values()):
        dst.set_data(src.data())
    hs = nn.HybridSequential()
    hs.add(*fresh._children.values())
    hs.hybridize(static_alloc=True, static_shape=True)
    return hs


def _time(fn: Any, repeats: int) -> list:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _hwm_mb() -> float:
    """This process's own peak RSS (VmHWM), which, unlike ru_maxrss, starts afresh at exec."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _rss_child(n: int) -> dict:
    """In this (fresh) process: load, note peak RSS, stream the statistics, note peak RSS again."""
    from lenet_viz.stats import dataset_stats

    model, _ = _model()
    x, label = _images(n)
    # No warm-up batch: the first batch's activations and MXNet's memory pools count against us.
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    hwm_before = _hwm_mb()
    t0 = time.perf_counter()
    stats = dataset_stats(model, x, batch_size=BATCH)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"images": int(stats.n_samples), "dataset": label, "footprint_mb": round(before, 1),
            "peak_mb": round(after, 1), "above_mb": round(after - before, 1),
            "hwm_above_mb": round(_hwm_mb() - hwm_before, 1), "seconds": round(seconds, 2)}


def _rss(n: int) -> dict:
    # Linux carries ru_maxrss over fork and exec, so a child started by a big parent would report
    # the parent's peak as its own footprint: run() starts these before it loads anything.
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--rss-child", str(n)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(repeats: int = 5, rss: bool = True) -> dict:
    """Measure capture overhead, single-image latency and streamed-statistics memory.

    Args:
        repeats: timed passes per method (interleaved, median reported).
        rss: also run the two peak-RSS subprocesses.
    Returns:
        a JSON-ready dict of the figures, targets and pass/fail flags.
    """
    import numpy as np

    rss_runs = [_rss(2_000), _rss(N_IMAGES)] if rss else []

    from lenet_viz._mx import mnp, mx
    from lenet_viz.capture import trace

    model, model_label = _model()
    x, data_label = _images(N_IMAGES)
    batches = [x[i:i + BATCH] for i in range(0, len(x), BATCH)]
    hybrid = _hybrid_copy(model)

    def plain() -> None:
        for b in batches:
            model.net(mnp.array(b)).asnumpy()

    def hybridized() -> None:
        for b in batches:
            hybrid(mnp.array(b)).asnumpy()

    def captured() -> None:
        for b in batches:
            trace(model, b)

    for fn in (plain, hybridized, captured):  # warm-up: deferred init, cached graphs, pools
        fn()
    times: dict = {"plain": [], "hybridized": [], "capture": []}
    cpu: dict = {k: [] for k in times}
    for _ in range(repeats):  # interleaved so drift on a shared machine hits all three alike
        for name, fn in (("plain", plain), ("hybridized", hybridized), ("capture", captured)):
            c0 = _cpu_seconds()
            times[name] += _time(fn, 1)
            cpu[name].append(_cpu_seconds() - c0)
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    worst = {k: max(v) for k, v in times.items()}

    def ratio(series: dict, a: str, b: str) -> float:
        # Ratios per round (same moment, same machine load), then the median over rounds.
        return round(statistics.median(x / y for x, y in zip(series[a], series[b])), 3)

    one = x[:1]
    for _ in range(30):
        trace(model, one)
    single = _time(lambda: trace(model, one), 300)
    single_ms = statistics.median(single) * 1e3
    mx.nd.waitall()

    result: dict = {
        "model": model_label, "dataset": data_label, "images": len(x), "batch": BATCH,
        "repeats": repeats, "load_average": round(os.getloadavg()[0], 2),
        "plain_s": round(med["plain"], 3), "hybridized_s": round(med["hybridized"], 3),
        "capture_s": round(med["capture"], 3),
        "plain_best_s": round(best["plain"], 3), "hybridized_best_s": round(best["hybridized"], 3),
        "capture_best_s": round(best["capture"], 3),
        "plain_worst_s": round(worst["plain"], 3), "hybridized_worst_s": round(worst["hybridized"], 3),
        "capture_worst_s": round(worst["capture"], 3),
        "ratio_vs_imperative": ratio(times, "capture", "plain"),
        "ratio_vs_hybridized": ratio(times, "capture", "hybridized"),
        # CPU seconds of all threads: less disturbed by other work on a shared machine.
        "cpu_ratio_vs_imperative": ratio(cpu, "capture", "plain"),
        "cpu_ratio_vs_hybridized": ratio(cpu, "capture", "hybridized"),
        "single_trace_ms": round(single_ms, 3),
        "single_trace_min_ms": round(min(single) * 1e3, 3),
        "single_trace_max_ms": round(max(single) * 1e3, 3),
        "single_trace_p90_ms": round(float(np.percentile(single, 90)) * 1e3, 3),
        "targets": {"ratio_vs_imperative": TARGET_RATIO, "single_trace_ms": TARGET_SINGLE_MS,
                    "rss_above_mb": TARGET_RSS_MB},
    }
    result["pass_ratio"] = result["ratio_vs_imperative"] <= TARGET_RATIO
    result["pass_single"] = single_ms < TARGET_SINGLE_MS
    if rss:
        result["rss"] = rss_runs
        result["pass_rss"] = all(r["above_mb"] < TARGET_RSS_MB for r in rss_runs)
    return result


def _table(r: dict) -> str:
    lines = [f"model: {r['model']} · data: {r['images']:,} {r['dataset']} images · batches of {r['batch']}"
             f" · median of {r['repeats']} interleaved rounds · load average {r['load_average']}",
             f"{'measure':<44}{'value':>12}{'target':>12}  ok",
             "-" * 72]

    def row(name: str, value: str, target: str = "", ok: Any = "") -> None:
        lines.append(f"{name:<44}{value:>12}{target:>12}  {'' if ok == '' else ('yes' if ok else 'NO')}")

    row("plain forward, imperative", f"{r['plain_s']:.3f} s", f"best {r['plain_best_s']:.3f}")
    row("plain forward, hybridized (cached graph)", f"{r['hybridized_s']:.3f} s",
        f"best {r['hybridized_best_s']:.3f}")
    row("capture of every layer (trace)", f"{r['capture_s']:.3f} s", f"best {r['capture_best_s']:.3f}")
    row("capture / imperative forward", f"{r['ratio_vs_imperative']:.2f}x", f"<= {TARGET_RATIO}x",
        r["pass_ratio"])
    row("capture / hybridized forward", f"{r['ratio_vs_hybridized']:.2f}x", "(none)")
    row("CPU time: capture / imperative", f"{r['cpu_ratio_vs_imperative']:.2f}x")
    row("CPU time: capture / hybridized", f"{r['cpu_ratio_vs_hybridized']:.2f}x")
    row("one-image trace, median after warm-up", f"{r['single_trace_ms']:.2f} ms",
        f"< {TARGET_SINGLE_MS:g} ms", r["pass_single"])
    row("one-image trace, 90th percentile", f"{r['single_trace_p90_ms']:.2f} ms")
    for s in r.get("rss", []):
        row(f"dataset_stats {s['images']:,} images: footprint", f"{s['footprint_mb']:.0f} MB")
        row(f"dataset_stats {s['images']:,} images: peak above it", f"{s['above_mb']:.0f} MB",
            f"< {TARGET_RSS_MB:g} MB", s["above_mb"] < TARGET_RSS_MB)
        row(f"dataset_stats {s['images']:,} images: VmHWM above", f"{s['hwm_above_mb']:.0f} MB")
        row(f"dataset_stats {s['images']:,} images: time", f"{s['seconds']:.2f} s")
    return "\n".join(lines)


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-RSS subprocesses")
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if args.rss_child:
        print(json.dumps(_rss_child(args.rss_child)))
        return 0
    r = run(repeats=args.repeats, rss=not args.no_rss)
    print(json.dumps(r, indent=2) if args.json else _table(r))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
