"""Train the shipped `seed` model: the d2l chapter's LeNet as the chapter trains it, and compare.

Recipe (d2l 7.6): Fashion-MNIST, LeNet (sigmoid, avg-pool, Xavier), SGD lr 0.1, batch 128, 10 epochs.
lenet-viz's own loop trains the shipped weights (deterministic for the seed); `d2l.Trainer` with
`d2l.LeNet(lr=0.1)` is then run on the same images, and both test accuracies and times go into
the model card. Usage: .venv/bin/python scripts/train_seed.py [-o lenet_viz/weights/seed]
"""

from __future__ import annotations

import argparse
import time

RECIPE = {"variant": "lenet5", "dataset": "fashion-mnist", "epochs": 10, "optimizer": "sgd", "lr": 0.1,
          "batch_size": 128, "seed": 0, "init": "xavier"}
WHY = ("the d2l chapter's own net and recipe (LeNet(lr=0.1), SGD, batch 128, 10 epochs, Xavier, "
       "Fashion-MNIST), so its claims about sigmoid saturation are shown on that net")


def run_d2l(data, seed: int, ours) -> dict:
    """d2l.Trainer(max_epochs=10).fit(d2l.LeNet(lr=0.1), data) on the same images; accuracy and time."""
    from d2l import mxnet as d2l

    from lenet_viz._mx import seed_all
    from lenet_viz.notebook import d2l_data
    from lenet_viz.train import accuracy, fused

    seed_all(seed)
    model = d2l.LeNet(lr=RECIPE["lr"])
    model.board.display = False  # no plotting outside a notebook: time the training only
    trainer = d2l.Trainer(max_epochs=RECIPE["epochs"])
    t0 = time.perf_counter()
    trainer.fit(model, d2l_data(data, RECIPE["batch_size"]))
    seconds = time.perf_counter() - t0
    theirs = model.net._collect_params_with_prefix()
    diff = max(float(abs(p.data() - theirs[k].data()).max())
               for k, p in ours._collect_params_with_prefix().items())
    return {"test_accuracy": round(accuracy(fused(model.net), data.test.x, data.test.y), 6),
            "train_seconds": round(seconds, 1),
            "max_abs_weight_difference": float(f"{diff:.3g}"),
            "how": "d2l.Trainer(max_epochs=10).fit(d2l.LeNet(lr=0.1), data): d2l 1.0.3's own loop "
                   "(imperative net, DataLoader, validation every epoch, plotting off), same seed, "
                   "same Fashion-MNIST files"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default="lenet_viz/weights/seed")
    args = ap.parse_args()

    from lenet_viz.analyses.probe import PROBE_SIZE, probe_batch, saturation_probe
    from lenet_viz.data import load_dataset
    from lenet_viz.model import save_model
    from lenet_viz.train import TrainConfig, model_card, train

    data = load_dataset(RECIPE["dataset"])
    cfg = TrainConfig(**RECIPE)
    probe_x, probe_y = probe_batch(data, PROBE_SIZE)
    hook = saturation_probe(probe_x, probe_y, hist_epochs={0, 1, cfg.epochs})
    result = train(cfg, data, epoch_hook=hook)
    print(f"lenet-viz loop: test accuracy {result.test_accuracy:.4f} in {result.seconds:.1f} s")
    theirs = run_d2l(data, cfg.seed, result.net)
    print(f"d2l.Trainer:    test accuracy {theirs['test_accuracy']:.4f} in {theirs['train_seconds']:.1f} s, "
          f"weights differ by at most {theirs['max_abs_weight_difference']:g}")
    command = ("lenet-viz train --variant lenet5 --dataset fashion-mnist --epochs 10 --optimizer sgd "
               "--lr 0.1 --batch-size 128 --seed 0 --init xavier -o lenet_viz/weights/seed "
               "(run by scripts/train_seed.py)")
    card = model_card(cfg, result, data, command, WHY)
    card["d2l_trainer"] = theirs
    card["trained_by"] = ("lenet-viz's hybridized Gluon loop (gluon.Trainer 'sgd', mean loss per batch "
                          "as d2l's Classifier, shuffled by numpy seed 0), 10 epochs on all 60,000 "
                          "training images; test accuracy measured on the 10,000 test images")
    params, card_path = save_model(result.net, args.output, card)
    print(f"wrote {params} and {card_path}")


if __name__ == "__main__":
    main()
