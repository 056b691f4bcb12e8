"""``lenet-viz predict``: the digit in each image."""

from __future__ import annotations

from dataclasses import dataclass

import click

from ._common import echo_json, fail_if, json_option, load_images, model_option


@dataclass
class Prediction:
    file: str
    probabilities: list

    @property
    def label(self) -> int:
        return max(range(len(self.probabilities)), key=self.probabilities.__getitem__)

    def to_dict(self) -> dict:
        return {"file": self.file, "label": self.label,
                "probabilities": [round(float(p), 6) for p in self.probabilities]}

    def __str__(self) -> str:
        return f"{self.file}: {self.label} (p={self.probabilities[self.label]:.3f})"


@click.command("predict")
@click.argument("images", nargs=-1, required=True, type=click.Path())
@model_option
@json_option("a JSON list")
def command(images: tuple, model_name: str, as_json: bool) -> None:
    """Predict the digit in each IMAGE (PNG, JPEG, BMP, GIF, WebP, TIFF).

    Images are preprocessed as MNIST was made (see `lenet_viz.load_digit`). Every image is
    processed; failures are reported and the exit code is 1 if any failed.

    \b
    Example:
      lenet-viz predict examples/digit.png
    """
    from ..model import load_model

    model = load_model(model_name)
    loaded, failed = load_images(images)
    results = []
    for path, info in loaded:
        results.append(Prediction(path, list(model.predict_proba(info.array)[0])))
        if not as_json:
            click.echo(str(results[-1]))
    if as_json:
        echo_json([r.to_dict() for r in results])
    fail_if(failed, len(images))
