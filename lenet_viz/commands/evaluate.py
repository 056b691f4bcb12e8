"""``lenet-viz evaluate``: re-measure a model's accuracy."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import click

from ._common import DATASET_HELP, MODEL_HELP, card_json, echo_json, json_option, quiet_option


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
        provenance = d.pop("provenance")
        return {**d, "accuracy": round(self.accuracy, 6), **provenance}

    def __str__(self) -> str:
        return (f"{self.model} ({self.variant}) on {self.dataset} {self.split}: accuracy "
                f"{self.accuracy:.4f} ({round(self.accuracy * self.n)}/{self.n})")


@click.command("evaluate")
@click.option("--model", "-m", "model_names", multiple=True, metavar="NAME|PATH",
              help=MODEL_HELP + "; repeat for several (default: lenet5; with --stress the three shipped "
                                "digit models)")
@click.option("--variant", default=None, type=click.Choice(["lenet5", "modern", "mlp"]),
              help="architecture of a card-less .params file (default: recognised from its parameter shapes)")
@click.option("--dataset", default=None, metavar="NAME|FOLDER", help=DATASET_HELP)
@click.option("--split", default="test", show_default=True, type=click.Choice(["test", "train"]))
@click.option("--stress", is_flag=True,
              help="accuracy per model under each transform of the robustness stress set "
                   "(built from the held-out split)")
@json_option("a JSON object (a list for several models)")
@quiet_option
def command(model_names: tuple, variant: str | None, dataset: str | None, split: str, stress: bool,
            as_json: bool, quiet: bool) -> None:
    """Re-measure a model's accuracy on a held-out split, or under the stress set.

    \b
    Example:
      lenet-viz evaluate --model modern --json
      lenet-viz evaluate --stress
    """
    from ..data import load_dataset, noun
    from ..errors import LenetVizError
    from ..model import DIGIT_MODELS, load_model
    from ..train import accuracy, fused

    if stress and split != "test":
        raise LenetVizError("--stress is built from the held-out split only; drop --split train")
    names = model_names or (DIGIT_MODELS if stress else ("lenet5",))
    models = [load_model(m, variant, dataset) for m in names]
    data = load_dataset(dataset or models[0].card.get("dataset", "mnist-5k"))
    if stress and noun(data.classes) != "digit":
        raise LenetVizError(f"--stress models how people write digits, so it needs a digit dataset "
                            f"(mnist-5k or an IDX folder of digits); {data.name} holds "
                            f"{', '.join(data.classes[:3])}, … (for the shipped seed, evaluate without "
                            f"--stress)")
    if stress:
        _stress(models, data, as_json, quiet)
        return
    part = data.split(split)
    results = [Evaluation(accuracy(fused(m.net), part.x, part.y), len(part), m.source, m.variant, data.name,
                          split, m.card.get("test_accuracy"), card_json(m)) for m in models]
    if as_json:
        echo_json(results[0] if len(results) == 1 else [r.to_dict() for r in results])
    else:
        for r in results:
            click.echo(str(r))


def _stress(models: list, data: Any, as_json: bool, quiet: bool) -> None:
    from ..stress import TRANSFORMS, format_table, make_stress_set, stress_accuracy

    if not quiet:
        click.echo(f"building the stress set from {len(data.test)} held-out digits of {data.name} ...",
                   err=True)
    sset = make_stress_set(data)
    tables = {m.source: stress_accuracy(m.net, sset) for m in models}
    if as_json:
        echo_json({"dataset": data.name, "n": len(sset.y), "seed": sset.seed,
                   "transforms": {n: TRANSFORMS[n].description for n in sset.names},
                   "refused_by_preprocessing": sset.failed,
                   "models": {m.source: {"variant": m.variant, "sha256": m.card.get("sha256"),
                                         "accuracy": tables[m.source]} for m in models}})
    else:
        click.echo(format_table(tables, len(sset.y)))
