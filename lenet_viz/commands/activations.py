"""``lenet-viz activations``: a page of every layer's figures per image, and the trace as .npz."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..errors import LenetVizError
from ._common import (
    OutputFile,
    OutputFolder,
    Progress,
    echo_json,
    fail_if,
    json_option,
    load_images,
    model_option,
    quiet_option,
)


@dataclass
class PageResult:
    """One image's result: its prediction, its page and a summary of every layer."""

    file: str
    trace: Any
    page: Path
    classes: tuple

    def to_dict(self) -> dict:
        from ..stats import layer_stats

        t = self.trace
        sat = {s.name: s for s in layer_stats(t)}

        def frac(r: Any, act: str, field: str) -> float | None:
            if r.name not in sat or r.activation != act:
                return None
            return round(float(getattr(sat[r.name], field)), 6)

        label = int(t.predictions[0])
        return {"file": self.file, "label": label, "class": self.classes[label],
                "probabilities": [round(float(p), 6) for p in t.probabilities[0]], "page": str(self.page),
                "layers": [{"name": r.name, "kind": r.kind, "output_shape": list(r.output_shape[1:]),
                            "mean": round(float(r.output.mean()), 6),
                            "saturated_fraction": frac(r, "sigmoid", "saturated_fraction"),
                            "dead_fraction": frac(r, "relu", "dead_fraction")} for r in t]}


@click.command("activations")
@click.argument("images", nargs=-1, required=True, type=click.Path())
@model_option
@click.option("-o", "--output", default="activations", show_default=True, type=OutputFolder(replace=False),
              help="folder; each image gets OUTPUT/<name>/index.html")
@click.option("--export", default=None, type=OutputFile("file name ending in .npz", "--export"),
              help="also write the trace as .npz (one image: this file; several: <name>.npz beside it, "
                   "never overwriting one)")
@json_option("a list, one object per image,")
@quiet_option
def command(images: tuple, model_name: str, variant: str | None, dataset: str | None, output: Path,
            export: str | None, as_json: bool, quiet: bool) -> None:
    """Show every layer's activations for each IMAGE as a page of figures.

    \b
    Example:
      lenet-viz activations examples/digit.png
      lenet-viz activations a.png b.png -o out --export trace.npz --json
    """
    ctx = click.get_current_context()
    from ..capture import trace
    from ..data import dataset_classes
    from ..fileio import atomic_write
    from ..model import load_model
    from ..render.diagram import require_dot
    from ..site import Digit, check_output, write_activations
    from ..site.html import slug

    require_dot()
    model = load_model(model_name, variant, dataset)
    classes = dataset_classes(dataset or model.card.get("dataset", "mnist-5k"))
    loaded, failed = load_images(images, classes)
    if loaded and not output.exists():
        ctx.call_on_close(lambda: _rmdir_if_empty(output))  # every page failed: leave no empty folder
    if loaded:
        output.mkdir(parents=True, exist_ok=True)
    bar = Progress(not quiet)
    taken: set = set()
    results = []
    for n, (path, info) in enumerate(loaded, 1):
        name = slug(path, taken)
        one = len(images) == 1  # an export named by the user is theirs to overwrite; derived names are not
        target = export if export is None or one else str(Path(export).with_name(f"{name}.npz"))
        try:
            check_output(output / name)
            if target is not None and not one and os.path.lexists(target):
                raise LenetVizError(f"--export {target} already exists; not overwriting it "
                                    f"(remove it or choose another --export name)")
            t = trace(model, info.array)
            digit = Digit(name, os.path.basename(path), info.array[0], info.raw, None, info.notes)
            digit.label = int(t.probabilities[0].argmax())
            digit.confidence = float(t.probabilities[0, digit.label])
            page = write_activations(model, t, digit, output / name, classes)
            if target is not None:
                atomic_write(target, t.to_npz, overwrite=one)
        except LenetVizError as e:
            failed.append(path)
            click.echo(f"Error: {path}: {e}", err=True)
            continue
        bar("activations", n, len(loaded), path)
        results.append(PageResult(path, t, page, classes))
        if not as_json:
            click.echo(f"{path}: {classes[digit.label]} (p={digit.confidence:.3f}) -> {page}")
    if as_json:
        echo_json([r.to_dict() for r in results])
    fail_if(failed, len(images))


def _rmdir_if_empty(path: Path) -> None:
    try:
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    except OSError:
        pass
