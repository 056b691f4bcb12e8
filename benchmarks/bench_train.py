"""Training speed: our hybridized loop vs d2l.Trainer (the seed's way), same data, epochs, seed.

Usage: .venv/bin/python benchmarks/bench_train.py [--dataset fashion-mnist|mnist-5k] [--epochs N] [--json]
Target: ours <= 0.4x d2l's seconds per epoch at equal or better test accuracy. Like for like: both
timers cover the epochs and their per-epoch held-out pass only; a warm-up run of each side, then
``--repeats`` interleaved rounds; median seconds per epoch with min–max.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time

import matplotlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import spread  # noqa: E402

matplotlib.use("Agg")


def run_ours(data, epochs: int, lr: float, seed: int) -> dict:
    from lenet_viz.train import TrainConfig, train

    cfg = TrainConfig(variant="lenet5", epochs=epochs, optimizer="adam", lr=lr, batch_size=128, seed=seed)
    r = train(cfg, data)
    # r.seconds: the epochs with their per-epoch held-out pass, not the model set-up or the final
    # accuracy passes after the last epoch (d2l.Trainer.fit does neither inside its timer)
    return {"seconds": r.seconds, "test_accuracy": r.test_accuracy}


def run_d2l(data, epochs: int, lr: float, seed: int, live_plot: bool = True) -> dict:
    """d2l.Trainer on the seed's LeNet class; ``live_plot`` keeps d2l's ProgressBoard, as the seed runs.

    (Not called ``board``: d2l's ``save_hyperparameters`` copies the caller's locals, closure
    variables included, onto the model and would overwrite ``self.board``.)
    """
    from d2l import mxnet as d2l
    from mxnet import gluon

    from lenet_viz._mx import seed_all
    from lenet_viz.model import build_net
    from lenet_viz.train import accuracy

    class Data(d2l.DataModule):
        def __init__(self):
            super().__init__()
            self.batch_size = 128

        def get_dataloader(self, train):
            part = data.train if train else data.test
            ds = gluon.data.ArrayDataset(part.x, part.y.astype("int32"))
            return gluon.data.DataLoader(ds, self.batch_size, shuffle=train)

    class LeNet(d2l.Classifier):  # the seed's class, with Adam so both sides use one recipe
        def __init__(self, lr):
            super().__init__()
            self.save_hyperparameters()
            self.net = build_net("lenet5")
            self.board.display = live_plot  # the seed's way draws its live plot (here to Agg)

        def configure_optimizers(self):
            return gluon.Trainer(self.collect_params(), "adam", {"learning_rate": self.lr})

    seed_all(seed)
    model = LeNet(lr)
    trainer = d2l.Trainer(max_epochs=epochs)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # d2l "displays" its figure as text off-notebook
        trainer.fit(model, Data())
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "test_accuracy": accuracy(model.net, data.test.x, data.test.y)}


def _subset(data, n_train: int = 1024, n_test: int = 256):
    from lenet_viz.data import Dataset, Split

    return Dataset(data.name, Split(data.train.x[:n_train], data.train.y[:n_train]),
                   Split(data.test.x[:n_test], data.test.y[:n_test]), data.classes, data.description)


def run(dataset: str = "fashion-mnist", epochs: int = 3, repeats: int = 3, lr: float = 0.003,
        seed: int = 0) -> dict:
    """Both loops, like for like: each timer covers the epochs with their per-epoch held-out pass
    (d2l.Trainer.fit's validation), nothing after; one warm-up run of each side on a small subset,
    then ``repeats`` interleaved rounds of ``epochs`` epochs; seconds per epoch, median with min–max."""
    from timing import interleaved

    from lenet_viz.data import load_dataset

    data = load_dataset(dataset)
    small = _subset(data)
    last: dict = {"ours": [], "d2l": [], "d2l_no_board": []}

    def side(name: str, fn):
        def go(d=data, e=epochs):
            r = fn(d, e, lr, seed)
            if d is data:  # the timed rounds, not the warm-up
                last[name].append(r["test_accuracy"])
            return r["seconds"]
        return go

    sides = {"ours": side("ours", run_ours), "d2l": side("d2l", run_d2l),
             "d2l_no_board": side("d2l_no_board", lambda d, e, lr, s: run_d2l(d, e, lr, s, live_plot=False))}
    for go in sides.values():  # warm-up: imports, deferred init, cached graphs, d2l's figure
        go(small, 1)
    t = interleaved(sides, repeats, warmup=False)
    per_epoch = {k: {key: (v / epochs if key != "runs" else [x / epochs for x in v]) for key, v in s.items()}
                 for k, s in t.items()}
    out = {k: {"sec_per_epoch": per_epoch[k]["median"], "spread": per_epoch[k],
               "test_accuracy": last[k][0], "deterministic": len(set(last[k])) == 1} for k in sides}
    ratio = out["ours"]["sec_per_epoch"] / out["d2l"]["sec_per_epoch"]
    return {
        "name": "train: s/epoch, ours vs d2l.Trainer",
        "dataset": dataset, "epochs": epochs, "repeats": repeats,
        "ours": out["ours"], "d2l": out["d2l"], "d2l_no_board": out["d2l_no_board"], "ratio": ratio,
        "target": 0.4, "ratio_no_board": out["ours"]["sec_per_epoch"] / out["d2l_no_board"]["sec_per_epoch"],
        "ok": ratio <= 0.4 and out["ours"]["test_accuracy"] >= out["d2l"]["test_accuracy"] - 0.005,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="fashion-mnist")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.dataset == "fashion-mnist" and not os.path.isdir("/usr/share/datasets/fashion-mnist"):
        a.dataset = "mnist-5k"
    r = run(a.dataset, a.epochs, a.repeats)
    if a.json:
        json.dump(r, sys.stdout, indent=2)
        return
    print(f"{r['dataset']}, {r['epochs']} epochs, LeNet-5, Adam lr 0.003, batch 128")
    for k in ("ours", "d2l", "d2l_no_board"):
        print(f"  {k:<12} {spread(r[k]['spread'])} s/epoch   test acc {r[k]['test_accuracy']:.4f}")
    print(f"  ratio {r['ratio']:.2f}x (target <= {r['target']}x)  {'OK' if r['ok'] else 'MISSED'}")


if __name__ == "__main__":
    main()
