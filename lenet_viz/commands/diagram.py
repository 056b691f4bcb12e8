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
@click.option("--input", "image", default=None, type=click.Path(),
              help="an image: each layer is drawn with its own maps, strips and bars for it")
def command(model_name: str, variant: str | None, dataset: str | None, output: str | None,
            fmt: str | None, layout: str, image: str | None) -> None:
    """Draw the architecture as the encoder pyramid (Graphviz).

    With --input, each conv and pool node shows that layer's feature maps for the image, the
    dense layers their units as strips and the output its softmax probabilities as bars.

    \b
    Example:
      lenet-viz diagram -o lenet5.svg
      lenet-viz diagram --model modern --layout TB --format png
      lenet-viz diagram --input examples/digit.png -o digit-pyramid.svg
    """
    import numpy as np

    from ..capture import trace
    from ..model import load_model
    from ..render.diagram import diagram, save_diagram
    from ..render.pyramid import pyramid

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
    x = np.zeros((1, 1, 28, 28), np.float32)
    if image is not None:
        from ..data import dataset_classes
        from ..errors import ModelError
        from ..garments import image_loader

        trained = model.card.get("dataset")
        if dataset is not None and trained is not None and dataset != trained:
            raise ModelError(f"--dataset {dataset} contradicts the model card of {model_name}, trained on "
                             f"{trained}: leave --dataset out to read {image} as the model's data, or "
                             f"give a model trained on {dataset}")
        # read as the model's data: a digit for an MNIST model, a garment for a Fashion-MNIST one
        classes = dataset_classes(dataset or trained or "mnist-5k")
        info = image_loader(classes)(image)
        for note in info.notes:
            click.echo(f"note: {image}: {note}", err=True)
        x = info.array
    # no links: a standalone file has no sections for a layer to link to
    t = trace(model, x)
    d = pyramid(t, layout, links=lambda name: None) if image is not None else \
        diagram(t, layout, links=lambda name: None)
    click.echo(f"wrote {save_diagram(d, output, fmt)}")
