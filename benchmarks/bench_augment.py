"""Training time per epoch with the 'handwriting' augmentation vs without, same loop, data and seed.

Usage: .venv/bin/python benchmarks/bench_augment.py [--epochs N] [--repeats R] [--json]
Target: augmented epochs cost <= 1.5x plain ones (issue 11). Plain and augmented runs alternate, so a
busy machine slows both alike; the ratio is of medians over every epoch after the first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

TARGET = 1.5


def _epoch_seconds(data, augment: str, epochs: int) -> list:
    from lenet_viz.train import TrainConfig, train

    cfg = TrainConfig(variant="lenet5", epochs=epochs, optimizer="adam", lr=0.003, batch_size=128,
                      seed=0, augment=augment)
    # history "seconds" times the training pass plus the per-epoch held-out pass; the first epoch
    # also builds the graph, so it is left out
    return [h["seconds"] for h in train(cfg, data).history[1:]]


def _augment_ms_per_batch(data, repeats: int = 50) -> float:
    import numpy as np

    from lenet_viz.augment import augment

    x, rng = data.train.x[:128], np.random.RandomState(0)
    augment(x, rng, "handwriting")
    t0 = time.perf_counter()
    for _ in range(repeats):
        augment(x, rng, "handwriting")
    return (time.perf_counter() - t0) / repeats * 1000


def run(epochs: int = 4, repeats: int = 2) -> dict:
    from lenet_viz.data import load_dataset

    data = load_dataset("mnist-5k")
    plain, aug = [], []
    for _ in range(repeats):
        plain += _epoch_seconds(data, "none", epochs)
        aug += _epoch_seconds(data, "handwriting", epochs)
    p, a = statistics.median(plain), statistics.median(aug)
    return {"name": "train s/epoch with vs without augmentation", "epochs": epochs, "repeats": repeats,
            "plain_s": p, "augmented_s": a, "ratio": a / p, "target": TARGET,
            "augment_ms_per_batch": _augment_ms_per_batch(data), "ok": a / p <= TARGET}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = run(a.epochs, a.repeats)
    if a.json:
        json.dump(r, sys.stdout, indent=2)
        return
    print(f"mnist-5k train split, LeNet-5, batch 128, {a.repeats} x {a.epochs} epochs each")
    print(f"  plain        {r['plain_s']:.3f} s/epoch")
    print(f"  handwriting  {r['augmented_s']:.3f} s/epoch  (augmentation alone "
          f"{r['augment_ms_per_batch']:.1f} ms per batch of 128)")
    print(f"  ratio {r['ratio']:.2f}x (target <= {TARGET}x)  {'OK' if r['ok'] else 'MISSED'}")


if __name__ == "__main__":
    main()
