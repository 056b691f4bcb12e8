"""``lenet-viz evaluate``: re-measure a model's accuracy."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import click

from ._common import card_json, echo_json, json_option, model_option, quiet_option


@dataclass
class Evaluation:
    accuracy: float
    n: int
    model: str
    variant: str
    dataset: str
    split: str
    card_accuracy: float | None
    provenance: dict

    def to_dict(self) -> dict:
        d = asdict(self)
        return {**d, "accuracy": round(self.accuracy, 6), **d.pop("provenance")}

    def __str__(self) -> str:
        return (f"{self.model} ({self.variant}) on {self.dataset} {self.split}: accuracy "
                f"{self.accuracy:.4f} ({round(self.accuracy * self.n)}/{self.n})")


@click.command("evaluate")
@model_option
@click.option("--split", default="test", show_default=True, type=click.Choice(["test", "train"]))
@json_option("a JSON object")
@quiet_option
def command(model_name: str, variant: str | None, dataset: str | None, split: str, as_json: bool,
            quiet: bool) -> None:
    """Re-measure a model's accuracy on a held-out split.

    \b
    Example:
      lenet-viz evaluate --model modern --json
    """
    from ..data import load_dataset
    from ..model import load_model
    from ..train import accuracy, fused

    model = load_model(model_name, variant, dataset)
    data = load_dataset(dataset or model.card.get("dataset", "mnist-5k"))
    part = data.split(split)
    result = Evaluation(accuracy(fused(model.net), part.x, part.y), len(part), model.source, model.variant,
                        data.name, split, model.card.get("test_accuracy"), card_json(model))
    echo_json(result) if as_json else click.echo(str(result))
