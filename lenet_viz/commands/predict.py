"""``lenet-viz predict``: the class of each image."""

from __future__ import annotations

from dataclasses import dataclass

import click

from ._common import echo_json, fail_if, json_option, load_images, model_option


@dataclass
class Prediction:
    file: str
    probabilities: list
    classes: tuple

    @property
    def label(self) -> int:
        return max(range(len(self.probabilities)), key=self.probabilities.__getitem__)

    def to_dict(self) -> dict:
        return {"file": self.file, "label": self.label, "class": self.classes[self.label],
                "probabilities": [round(float(p), 6) for p in self.probabilities]}

    def __str__(self) -> str:
        from ..data import DIGIT_CLASSES

        name = "" if self.classes == DIGIT_CLASSES else f" {self.classes[self.label]}"
        return f"{self.file}: {self.label}{name} (p={self.probabilities[self.label]:.3f})"


@click.command("predict")
@click.argument("images", nargs=-1, required=True, type=click.Path())
@model_option
@json_option("a JSON list")
def command(images: tuple, model_name: str, variant: str | None, dataset: str | None,
            as_json: bool) -> None:
    """Predict the class of each IMAGE (PNG, JPEG, BMP, GIF, WebP, TIFF).

    Images are preprocessed as MNIST was made (see `lenet_viz.load_digit`), or as Fashion-MNIST
    was for a Fashion-MNIST model (`lenet_viz.garments`). Every image is
    processed; failures are reported and the exit code is 1 if any failed.

    \b
    Example:
      lenet-viz predict examples/digit.png
    """
    from ..data import dataset_classes
    from ..model import load_model

    model = load_model(model_name, variant, dataset)
    classes = dataset_classes(dataset or model.card.get("dataset", "mnist-5k"))
    loaded, failed = load_images(images, classes)
    results = []
    for path, info in loaded:
        results.append(Prediction(path, list(model.predict_proba(info.array)[0]), classes))
        if not as_json:
            click.echo(str(results[-1]))
    if as_json:
        echo_json([r.to_dict() for r in results])
    fail_if(failed, len(images))
