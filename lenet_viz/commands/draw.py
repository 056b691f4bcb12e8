"""``lenet-viz draw``: the draw page as one self-contained HTML file."""

from __future__ import annotations

import click

from ._common import MODEL_HELP, OutputFile


@click.command("draw")
@click.option("--model", "-m", "model_names", multiple=True, metavar="NAME|PATH",
              help=MODEL_HELP + "; repeat for several (default: lenet5, modern and mlp)")
@click.option("-o", "--output", default="draw.html", show_default=True,
              type=OutputFile("file name such as OUTPUT/pad.html"),
              help="the HTML file to write (one self-contained page)")
def command(model_names: tuple, output: str) -> None:
    """Write the draw page: draw a digit, watch every layer of the net respond, live and offline.

    One self-contained HTML file (scripts, styles and weights inline; no network request): the
    forward pass runs in plain JavaScript on the weights of the .params files, whose sha256 the
    page shows. The same models give the same bytes.

    \b
    Example:
      lenet-viz draw -o pad.html
      lenet-viz draw --model modern -o modern-pad.html
    """
    from ..fileio import atomic_write
    from ..site.draw import MODELS, build_page, held_out

    page = build_page(model_names or MODELS, held_out())
    path = atomic_write(output, page)
    click.echo(f"wrote {path} ({len(page.encode('utf-8')):,} bytes)")
    click.echo(f"open {path.resolve().as_uri()}")
