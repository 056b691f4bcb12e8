"""What the commands share: the ``--model``/``-q`` options, parameter types that check output paths
before any work, progress on stderr (Click's progress bar) and reading the user's images."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import LenetVizError

MODEL_HELP = ("shipped model name (lenet5, modern, mlp, seed), a training checkpoint RUN@EPOCH (e.g. "
              "seed-xavier@44), or path to a .params file: with its .json card beside it, or card-less "
              "(e.g. from d2l's model.net.save_parameters) with --dataset")
DATASET_HELP = ("mnist-5k, fashion-mnist or a folder of IDX .gz files: the images to use (default: the "
                "model card's); required for a .params file without a card")


def model_option(f: Any) -> Any:
    """--model, and the --variant/--dataset a card-less .params file needs."""
    f = click.option("--dataset", default=None, metavar="NAME|FOLDER", help=DATASET_HELP)(f)
    f = click.option("--variant", default=None, type=click.Choice(["lenet5", "modern", "mlp"]),
                     help="architecture of a card-less .params file (default: recognised from "
                          "its parameter shapes)")(f)
    return click.option("--model", "-m", "model_name", default="lenet5", show_default=True,
                        metavar="NAME|PATH", help=MODEL_HELP)(f)


def card_json(model: Any) -> dict:
    """What --json says about the model's provenance."""
    return {"model_card": None if not model.has_card else "present",
            "recipe": model.card.get("no_card") if not model.has_card else model.card.get("command"),
            "sha256": model.card.get("sha256")}


def quiet_option(f: Any) -> Any:
    return click.option("-q", "--quiet", is_flag=True, help="no progress output on stderr")(f)


def json_option(what: str) -> Any:
    return click.option("--json", "as_json", is_flag=True, help=f"print {what} as JSON")


def echo_json(obj: Any) -> None:
    """Print ``obj`` (or ``obj.to_dict()``) as indented JSON."""
    click.echo(json.dumps(obj.to_dict() if hasattr(obj, "to_dict") else obj, indent=2))


class OutputFolder(click.ParamType):
    """A folder to write. ``replace=True``: it is replaced whole, so it must be absent, empty or made
    by lenet-viz (checked by :func:`lenet_viz.site.publish.check_output`); else it must not be a file."""

    name = "folder"

    def __init__(self, replace: bool = True) -> None:
        self.replace = replace

    def convert(self, value: Any, param: Any, ctx: Any) -> Path:
        out = Path(value)
        if self.replace:
            from ..site.publish import check_output

            return check_output(out)
        if out.exists() and not out.is_dir():
            raise LenetVizError(f"output {out} is a file; give a folder name (it is created if missing)")
        return out


class OutputFile(click.ParamType):
    """A file (or path prefix) to write: not a folder, and in a folder that exists."""

    name = "file"

    def __init__(self, example: str, label: str = "output") -> None:
        self.example, self.label = example, label

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        value = os.fspath(value)
        if os.path.isdir(value):
            raise LenetVizError(f"{self.label} {value} is a folder; give a {self.example}")
        folder = os.path.dirname(os.path.abspath(value))
        if not os.path.isdir(folder):
            raise LenetVizError(f"{self.label} folder {folder} does not exist; create it first")
        return value


class Progress:
    """Progress on stderr through ``click.progressbar``: one bar per label, nothing when quiet."""

    def __init__(self, enabled: bool = True, eta: bool = True) -> None:
        self.enabled = enabled
        self.eta = eta  # click's own estimate (off when the caller's info states one)
        self._bar: Any = None
        self._label = ""

    def __call__(self, label: str, done: int, total: int, info: str = "") -> None:
        if not self.enabled:
            return
        if self._bar is None or label != self._label:
            self.close()
            self._label = label
            self._bar = click.progressbar(length=total, label=label, file=sys.stderr, show_eta=self.eta,
                                          item_show_func=lambda item: item)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos, info or None)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def note(self, text: str) -> None:
        if self.enabled:
            click.echo(text, err=True)


def load_images(paths: tuple, classes: tuple | None = None) -> tuple[list, list]:
    """Preprocess each image (as a digit, or as a garment for Fashion-MNIST ``classes``); report
    failures on stderr and carry on with the rest."""
    from ..data import DIGIT_CLASSES
    from ..garments import image_loader

    load = image_loader(classes or DIGIT_CLASSES)
    ok, failed = [], []
    for path in paths:
        try:
            info = load(path)
        except LenetVizError as e:
            failed.append(path)
            click.echo(f"Error: {e}", err=True)
            continue
        for note in info.notes:
            click.echo(f"note: {path}: {note}", err=True)
        ok.append((path, info))
    return ok, failed


def fail_if(failed: list, total: int) -> None:
    if failed:
        raise click.ClickException(f"{len(failed)} of {total} image(s) failed: {', '.join(failed)}")
