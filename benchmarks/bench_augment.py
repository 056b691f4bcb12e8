"""Training time per epoch with the 'handwriting' augmentation vs without, same loop, data and seed.

Usage: .venv/bin/python benchmarks/bench_augment.py [--epochs N] [--repeats R] [--json]
Target: augmented epochs cost <= 1.5x plain ones (issue 11). Plain and augmented runs are interleaved
(benchmarks/timing.py: a warm-up, then >= 3 rotated rounds), so a busy machine slows both alike; each
run's figure is its mean seconds per epoch after the first (which also builds the graph), the row the
median of the runs with their min-max.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from timing import MIN_REPEATS, interleaved, spread

TARGET = 1.5


def _epoch_seconds(data, augment: str, epochs: int) -> float:
    from lenet_viz.train import TrainConfig, train

    cfg = TrainConfig(variant="lenet5", epochs=epochs, optimizer="adam", lr=0.003, batch_size=128,
                      seed=0, augment=augment)
    # history "seconds" times the training pass plus the per-epoch held-out pass; the first epoch
    # also builds the graph, so it is left out
    return statistics.mean(h["seconds"] for h in train(cfg, data).history[1:])


def _augment_ms_per_batch(data, repeats: int = 50) -> float:
    import numpy as np

    from lenet_viz.augment import augment

    x, rng = data.train.x[:128], np.random.RandomState(0)
    augment(x, rng, "handwriting")
    t0 = time.perf_counter()
    for _ in range(repeats):
        augment(x, rng, "handwriting")
    return (time.perf_counter() - t0) / repeats * 1000


def run(epochs: int = 3, repeats: int = MIN_REPEATS) -> dict:
    from lenet_viz.data import load_dataset

    data = load_dataset("mnist-5k")
    t = interleaved({"plain": lambda: _epoch_seconds(data, "none", epochs),
                     "handwriting": lambda: _epoch_seconds(data, "handwriting", epochs)}, repeats)
    p, a = t["plain"]["median"], t["handwriting"]["median"]
    return {"name": "train s/epoch with vs without augmentation", "epochs": epochs, "repeats": repeats,
            "plain_s": p, "augmented_s": a, "plain": t["plain"], "augmented": t["handwriting"],
            "ratio": a / p, "target": TARGET,
            "augment_ms_per_batch": _augment_ms_per_batch(data), "ok": a / p <= TARGET}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=MIN_REPEATS)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = run(a.epochs, a.repeats)
    if a.json:
        json.dump(r, sys.stdout, indent=2)
        return
    print(f"mnist-5k train split, LeNet-5, batch 128, {a.repeats} x {a.epochs} epochs each")
    print(f"  plain        {spread(r['plain'], digits=3)} per epoch")
    print(f"  handwriting  {spread(r['augmented'], digits=3)} per epoch  (augmentation alone "
          f"{r['augment_ms_per_batch']:.1f} ms per batch of 128)")
    print(f"  ratio {r['ratio']:.2f}x (target <= {TARGET}x)  {'OK' if r['ok'] else 'MISSED'}")


if __name__ == "__main__":
    main()
