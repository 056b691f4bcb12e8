"""Cost of the analysis pages in a gallery build, and of the init comparison.

Usage: .venv/bin/python benchmarks/bench_analysis.py [--model lenet5] [--init] [--json]

Each analysis page built alone (information: the whole gallery's cold time is bench_cli's row);
``--init``: the init comparison (3 inits x 40 epochs, SGD lr 0.9) reproduces in < 180 s (a fixed
target), median of 3 runs after a warm-up.
Timings on a shared 2-core machine are noisy: run when it is quiet, or read them as upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import spread  # noqa: E402

matplotlib.use("Agg")

INIT_TARGET_S = 180.0


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


def time_init(epochs: int | None = None, repeats: int = 3) -> dict:
    """The init comparison (3 inits, ``epochs`` each; the shipped 40 by default): a short warm-up run,
    then ``repeats`` timed runs, median with min–max; and whether each run repeats the shipped record
    (byte for byte at the shipped length, epoch for epoch otherwise)."""
    from timing import interleaved

    from lenet_viz.analyses.inits import INIT_EPOCHS, compare_init
    from lenet_viz.analyses.records import dump_record, epoch_numbers, load_record

    epochs = epochs or INIT_EPOCHS
    shipped = load_record("init")
    records: list = []
    compare_init(epochs=1)  # warm-up: imports, deferred init, cached graphs
    t = interleaved({"init": lambda: records.append(compare_init(epochs=epochs))}, repeats, warmup=False)
    if epochs == INIT_EPOCHS:
        same = all(dump_record(r) == dump_record(shipped) for r in records)
    else:
        same = all([epoch_numbers(h) for h in r["runs"][n]]
                   == [epoch_numbers(h) for h in shipped["runs"][n][:epochs + 1]]
                   for r in records for n in r["inits"])
    target = INIT_TARGET_S * epochs / INIT_EPOCHS  # the 180 s budget, pro rata for a shorter run
    return {"epochs": epochs, "repeats": repeats, "timing": t["init"], "init_compare_s": t["init"]["median"],
            "target_s": target, "ok": t["init"]["median"] < target, "reproduces_shipped_record": same}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="lenet5")
    ap.add_argument("--init", action="store_true", help="also time the full init comparison (~1.5 min)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    load = [round(v, 2) for v in os.getloadavg()]
    result = {"model": args.model, "load_avg": load, **time_pages(args.model)}
    if args.init:
        result["init"] = time_init()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.model}: setup {result['setup_s']} s (load avg {result['load_avg'][0]})")
    for href, s in result["pages"].items():
        print(f"  {href:<22}{s:>6.2f} s")
    print(f"  {'all five pages':<22}{result['pages_total_s']:>6.2f} s")
    if "init" in result:
        r = result["init"]
        print(f"init comparison: {spread(r['timing'])} "
              f"(target < {r['target_s']:.0f} s): {'ok' if r['ok'] else 'OVER'}; "
              f"reproduces the shipped record: {r['reproduces_shipped_record']}")


if __name__ == "__main__":
    main()
