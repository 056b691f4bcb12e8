"""The ``lenet-viz`` command line: thin wiring from Click to the library.

Library errors (:class:`~lenet_viz.errors.LenetVizError`) and OS errors become ``Error: …`` on
stderr with exit code 1; usage errors exit 2 (Click's own). Heavy imports happen inside commands.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from . import __version__
from .errors import LenetVizError

MODEL_HELP = "shipped model name (lenet5, modern, mlp) or path to a .params file with its .json card"


class _Group(click.Group):
    """Turns library and OS errors into ``Error: …`` without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LenetVizError as e:
            exc = click.ClickException(str(e))
            exc.exit_code = e.exit_code
            raise exc from None
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            raise click.ClickException(f"{where}{e.strerror or e}") from None
        except MemoryError:
            raise click.ClickException("out of memory; try a smaller --batch-size") from None


class Progress:
    """A one-line progress bar on stderr (a line per update when stderr is not a terminal)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self._last = ""

    def bar(self, label: str, done: int, total: int, extra: str = "") -> None:
        if not self.enabled:
            return
        width = 24
        filled = int(width * done / max(total, 1))
        line = f"{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {extra}".rstrip()
        if self.tty:
            click.echo("\r" + line.ljust(len(self._last)), nl=False, err=True)
            self._last = line
            if done >= total:
                click.echo("", err=True)
                self._last = ""
        elif done >= total:
            click.echo(line, err=True)

    def note(self, text: str) -> None:
        if self.enabled:
            click.echo(text, err=True)


def _model_option(f: Any) -> Any:
    return click.option("--model", "-m", "model_name", default="lenet5", show_default=True,
                        metavar="NAME|PATH", help=MODEL_HELP)(f)


def _quiet_option(f: Any) -> Any:
    return click.option("-q", "--quiet", is_flag=True, help="no progress output on stderr")(f)


def _echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lenet-viz")
def cli() -> None:
    """See inside LeNet-5, layer by layer.

    \b
    Start here:
      lenet-viz gallery                 build the offline gallery in gallery/
      lenet-viz predict examples/digit.png
      lenet-viz shapes                  the layer-by-layer shape walk
    """


@cli.command()
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
@click.option("--augment", default=0, show_default=True, type=click.IntRange(0, 6),
              help="random shifts of up to N pixels during training")
@click.option("--why", default="", help="a sentence recorded in the model card: why this recipe")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="writes OUTPUT.params and the model card OUTPUT.json")
@_quiet_option
def train(variant: str, dataset: str, epochs: int, optimizer: str, lr: float, batch_size: int, seed: int,
          init_name: str | None, augment: int, why: str, output: str, quiet: bool) -> None:
    """Train a net and write its weights and model card.

    \b
    Example:
      lenet-viz train --variant lenet5 --epochs 60 --augment 2 -o runs/lenet5
    """
    from .data import load_dataset
    from .model import save_model
    from .train import TrainConfig, model_card
    from .train import train as run

    cfg = TrainConfig(variant=variant, dataset=dataset, epochs=epochs, optimizer=optimizer, lr=lr,
                      batch_size=batch_size, seed=seed, init=init_name, augment=augment)
    cfg.check()
    out_dir = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(out_dir):
        raise LenetVizError(f"output folder {out_dir} does not exist; create it first")
    data = load_dataset(dataset)
    bar = Progress(not quiet)

    def progress(p: dict) -> None:
        bar.bar(f"epoch {p['epoch']}/{p['epochs']}", p["batch"], p["batches"],
                f"loss {p['loss']:.4f} acc {p['acc']:.3f}")

    result = run(cfg, data, progress=progress)
    command = (f"lenet-viz train --variant {variant} --dataset {dataset} --epochs {epochs} "
               f"--optimizer {optimizer} --lr {lr:g} --batch-size {batch_size} --seed {seed}"
               + (f" --init {init_name}" if init_name else "")
               + (f" --augment {augment}" if augment else "") + f" -o {output}")
    card = model_card(cfg, result, data, command, why)
    params, card_path = save_model(result.net, output, card)
    click.echo(f"test accuracy {result.test_accuracy:.4f} (train {result.train_accuracy:.4f}) "
               f"after {epochs} epochs in {result.seconds:.1f} s")
    click.echo(f"wrote {params} and {card_path}")


@cli.command()
@_model_option
@click.option("--dataset", default=None, help="dataset to evaluate on (default: the model's own)")
@click.option("--split", default="test", show_default=True, type=click.Choice(["test", "train"]))
@click.option("--json", "as_json", is_flag=True, help="print a JSON object")
@_quiet_option
def evaluate(model_name: str, dataset: str | None, split: str, as_json: bool, quiet: bool) -> None:
    """Re-measure a model's accuracy on a held-out split.

    \b
    Example:
      lenet-viz evaluate --model modern --json
    """
    from .data import load_dataset
    from .model import load_model
    from .train import accuracy, fused

    model = load_model(model_name)
    data = load_dataset(dataset or model.card.get("dataset", "mnist-5k"))
    part = data.split(split)
    acc = accuracy(fused(model.net), part.x, part.y)
    result = {"accuracy": round(acc, 6), "n": len(part), "model": model.source,
              "variant": model.variant, "dataset": data.name, "split": split,
              "card_accuracy": model.card.get("test_accuracy")}
    if as_json:
        _echo_json(result)
    else:
        click.echo(f"{model.source} ({model.variant}) on {data.name} {split}: accuracy "
                   f"{acc:.4f} ({round(acc * len(part))}/{len(part)})")


@cli.command()
@click.argument("images", nargs=-1, required=True, type=click.Path())
@_model_option
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
def predict(images: tuple, model_name: str, as_json: bool) -> None:
    """Predict the digit in each IMAGE (PNG, JPEG, BMP, GIF, WebP, TIFF).

    Images are preprocessed as MNIST was made (see `lenet_viz.load_digit`). Every image is
    processed; failures are reported and the exit code is 1 if any failed.

    \b
    Example:
      lenet-viz predict examples/digit.png
    """
    from .images import load_digit_info
    from .model import load_model

    model = load_model(model_name)
    results, failed = [], []
    for path in images:
        try:
            info = load_digit_info(path)
        except LenetVizError as e:
            failed.append(path)
            click.echo(f"Error: {e}", err=True)
            continue
        for note in info.notes:
            click.echo(f"note: {path}: {note}", err=True)
        probs = model.predict_proba(info.array)[0]
        label = int(probs.argmax())
        results.append({"file": path, "label": label,
                        "probabilities": [round(float(p), 6) for p in probs]})
        if not as_json:
            click.echo(f"{path}: {label} (p={probs[label]:.3f})")
    if as_json:
        _echo_json(results)
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(images)} image(s) failed: {', '.join(failed)}")


@cli.command()
@_model_option
@click.option("--json", "as_json", is_flag=True, help="print a JSON object")
def shapes(model_name: str, as_json: bool) -> None:
    """The layer-by-layer shape walk: output shapes, parameters, MACs, receptive fields.

    \b
    Example:
      lenet-viz shapes --model modern
    """
    import numpy as np

    from .capture import trace
    from .model import load_model

    t = trace(load_model(model_name), np.zeros((1, 1, 28, 28), np.float32))
    if as_json:
        _echo_json({"model": t.model, "variant": t.variant, "input_shape": [1, 28, 28],
                    "layers": t.rows(), "total_params": t.total_params, "total_macs": t.total_macs})
    else:
        click.echo(f"{t.model} ({t.variant}): input 1x28x28")
        click.echo(t.summary())


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="lenet-viz")
