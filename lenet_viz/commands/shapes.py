"""``lenet-viz shapes``: the layer-by-layer shape walk."""

from __future__ import annotations

import click

from ._common import card_json, echo_json, json_option, model_option


@click.command("shapes")
@model_option
@json_option("a JSON object")
def command(model_name: str, variant: str | None, dataset: str | None, as_json: bool) -> None:
    """The layer-by-layer shape walk: output shapes, parameters, MACs, receptive fields.

    \b
    Example:
      lenet-viz shapes --model modern
    """
    import numpy as np

    from ..capture import trace
    from ..model import load_model

    model = load_model(model_name, variant, dataset)
    t = trace(model, np.zeros((1, 1, 28, 28), np.float32))
    if as_json:
        echo_json({**t.to_dict(), **card_json(model)})
    else:
        click.echo(f"{t.model} ({t.variant}): input 1x28x28")
        click.echo(t.summary())
