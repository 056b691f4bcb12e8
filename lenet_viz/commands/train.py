"""``lenet-viz train``: train a net and write its weights and model card."""

from __future__ import annotations

import click

from ._common import OutputFile, Progress, quiet_option


@click.command("train")
@click.option("--variant", default="lenet5", show_default=True,
              type=click.Choice(["lenet5", "modern", "mlp"]), help="architecture to train")
@click.option("--dataset", default="mnist-5k", show_default=True,
              help="mnist-5k, fashion-mnist, or a folder of IDX .gz files")
@click.option("--epochs", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--optimizer", default="adam", show_default=True, type=click.Choice(["sgd", "adam"]))
@click.option("--lr", default=0.003, show_default=True, type=click.FloatRange(0, min_open=True))
@click.option("--batch-size", default=128, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--init", "init_name", default=None, type=click.Choice(["xavier", "he", "default", "normal"]),
              help="weight init (default: the variant's own: Xavier for lenet5, He for modern)")
@click.option("--augment", default="none", show_default=True,
              type=click.Choice(["none", "shift", "handwriting"]),
              help="augmentation preset: shift = random shifts of up to 2 px; handwriting = affine, "
                   "elastic, stroke thickness, blur and low resolution (see lenet_viz.augment)")
@click.option("--why", default="", help="a sentence recorded in the model card: why this recipe")
@click.option("--baseline", default=None, metavar="NAME|PATH",
              help="a model this one replaces: its stress table goes into the card beside the new one")
@click.option("-o", "--output", required=True, type=OutputFile("path prefix such as OUTPUT/model"),
              help="writes OUTPUT.params and the model card OUTPUT.json")
@quiet_option
def command(variant: str, dataset: str, epochs: int, optimizer: str, lr: float, batch_size: int, seed: int,
            init_name: str | None, augment: str, why: str, baseline: str | None, output: str,
            quiet: bool) -> None:
    """Train a net and write its weights and model card.

    \b
    Example:
      lenet-viz train --variant lenet5 --epochs 60 --augment handwriting -o runs/lenet5
    """
    from ..analyses.probe import PROBE_SIZE, probe_batch, saturation_probe
    from ..data import DIGIT_CLASSES, load_dataset
    from ..errors import LenetVizError
    from ..model import load_model, save_model
    from ..train import TrainConfig, model_card, train

    cfg = TrainConfig(variant=variant, dataset=dataset, epochs=epochs, optimizer=optimizer, lr=lr,
                      batch_size=batch_size, seed=seed, init=init_name, augment=augment)
    cfg.check()
    data = load_dataset(dataset)
    digits = data.classes == DIGIT_CLASSES
    if baseline is not None and not digits:
        raise LenetVizError(f"--baseline compares stress tables of digit models; {dataset} holds no digits")
    before = load_model(baseline) if baseline is not None else None  # read now: -o may overwrite it
    bar = Progress(not quiet)
    hook = None
    if len(data.test):  # saturation of every activation layer on a fixed held-out probe batch, per epoch
        probe_x, probe_y = probe_batch(data, min(PROBE_SIZE, len(data.test)))
        hook = saturation_probe(probe_x, probe_y, hist_epochs={0, 1, epochs})
    result = train(cfg, data, epoch_hook=hook, progress=lambda p: bar(
        f"epoch {p['epoch']}/{p['epochs']}", p["batch"], p["batches"],
        f"loss {p['loss']:.4f} acc {p['acc']:.3f}"))
    command = (f"lenet-viz train --variant {variant} --dataset {dataset} --epochs {epochs} "
               f"--optimizer {optimizer} --lr {lr:g} --batch-size {batch_size} --seed {seed}"
               + (f" --init {init_name}" if init_name else "")
               + (f" --augment {augment}" if augment != "none" else "")
               + (f" --baseline {baseline}" if baseline else "") + f" -o {output}")
    card = model_card(cfg, result, data, command, why)
    if digits:  # a few seconds: the stress set of the held-out split, see `evaluate --stress`
        from ..stress import robustness

        bar.note("measuring the stress table ...")
        card["robustness"] = robustness(result.net, data, before)
    params, card_path = save_model(result.net, output, card)
    click.echo(f"test accuracy {result.test_accuracy:.4f} (train {result.train_accuracy:.4f}) "
               f"after {epochs} epochs in {result.seconds:.1f} s")
    click.echo(f"wrote {params} and {card_path}")
