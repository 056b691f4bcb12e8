"""``lenet-viz saturation``: dataset-wide saturation / dead-unit statistics, streamed."""

from __future__ import annotations

import json

import click

from ..errors import LenetVizError
from ..facts import HIGH, LOW
from ..fmt import num, pct
from ._common import OutputFolder, Progress, card_json, echo_json, json_option, model_option, quiet_option


@click.command("saturation")
@model_option
@click.option("-o", "--output", default=None, type=OutputFolder(),
              help="folder for saturation.png and stats.json (default: print only)")
@click.option("--low", default=LOW, show_default=True, type=click.FloatRange(0, 1))
@click.option("--high", default=HIGH, show_default=True, type=click.FloatRange(0, 1))
@json_option("the statistics")
@quiet_option
def command(model_name: str, variant: str | None, dataset: str | None, output: object, low: float,
            high: float, as_json: bool, quiet: bool) -> None:
    """Dataset-wide saturation (sigmoid) or dead-unit (ReLU) statistics, streamed.

    \b
    Example:
      lenet-viz saturation --json
      lenet-viz saturation --model modern -o sat/
    """
    from ..data import load_dataset
    from ..fileio import atomic_write
    from ..model import load_model
    from ..site.publish import publish
    from ..stats import dataset_stats

    if not low < high:
        raise LenetVizError(f"--low ({low}) must be below --high ({high})")
    model = load_model(model_name, variant, dataset)
    data = load_dataset(dataset or model.card.get("dataset", "mnist-5k"))
    bar = Progress(not quiet)
    stats = dataset_stats(model, data.test.x, low=low, high=high,
                          progress=lambda d, t: bar("saturation", d, t),
                          dataset=f"{data.name} held-out ({len(data.test)})")
    if output is not None:
        from ..render.figures import save_figure
        from ..render.histograms import saturation_figure

        with publish(output) as tmp:
            save_figure(saturation_figure(stats), tmp / "saturation.png")
            atomic_write(tmp / "stats.json", json.dumps(stats.to_dict(), indent=2) + "\n")
    if as_json:
        echo_json({**stats.to_dict(), **card_json(model)})
        return
    click.echo(f"{model.source} on {stats.dataset}: {stats.n_samples} images")
    click.echo(f"{'layer':<10}{'act':<9}{'saturated':>10}{'mean dsig':>11}{'dead':>8}")
    for s in stats:
        click.echo(f"{s.name:<10}{s.activation:<9}{pct(s.saturated_fraction, 1, '-', ''):>10}"
                   f"{num(s.mean_dsigmoid, 4, '-'):>11}{pct(s.dead_fraction, 1, '-', ''):>8}")
    if output is not None:
        click.echo(f"wrote {output / 'saturation.png'} and stats.json")
