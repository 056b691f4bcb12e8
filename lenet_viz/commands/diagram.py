"""``lenet-viz diagram``: the architecture as the encoder pyramid."""

from __future__ import annotations

import os

import click

from ._common import OutputFile, model_option

FORMATS = ("svg", "png", "pdf", "dot")


@click.command("diagram")
@model_option
@click.option("-o", "--output", default=None, type=OutputFile("file name such as OUTPUT/diagram.svg"),
              help="file to write (default: <model>-diagram.<format>)")
@click.option("--format", "fmt", default=None, type=click.Choice(FORMATS),
              help="output format (default: from the file suffix, else svg)")
@click.option("--layout", default="LR", show_default=True, type=click.Choice(["LR", "TB", "wrap"]),
              help="LR: data-flow view; TB: the vertical textbook schematic; wrap: LR in rows of five")
def command(model_name: str, variant: str | None, dataset: str | None, output: str | None,
            fmt: str | None, layout: str) -> None:
    """Draw the architecture as the encoder pyramid (Graphviz).

    \b
    Example:
      lenet-viz diagram -o lenet5.svg
      lenet-viz diagram --model modern --layout TB --format png
    """
    import numpy as np

    from ..capture import trace
    from ..model import load_model
    from ..render.diagram import diagram, save_diagram

    suffix = os.path.splitext(output or "")[1].lstrip(".").lower()
    suffix = "dot" if suffix == "gv" else suffix
    if fmt is None:
        fmt = suffix if suffix in FORMATS else "svg"
    elif suffix in FORMATS and suffix != fmt:
        raise click.UsageError(f"--format {fmt} contradicts the suffix of {output!r} (a .{suffix} file): "
                               f"name the file *.{'gv or *.dot' if fmt == 'dot' else fmt}, or drop --format "
                               f"to write {suffix}")
    if output is None:
        output = f"{os.path.basename(str(model_name)).removesuffix('.params')}-diagram.{fmt}"
    model = load_model(model_name, variant, dataset)
    # no links: a standalone file has no sections for a layer to link to
    d = diagram(trace(model, np.zeros((1, 1, 28, 28), np.float32)), layout, links=lambda name: None)
    click.echo(f"wrote {save_diagram(d, output, fmt)}")
