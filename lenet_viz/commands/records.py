"""``lenet-viz records``: regenerate the shipped analysis records."""

from __future__ import annotations

import click

from ._common import OutputFolder, Progress, quiet_option


@click.command("records")
@click.option("--only", type=click.Choice(["dynamics", "init", "checkpoints"]), multiple=True,
              help="only this record (repeatable; default: all three)")
@click.option("-o", "--output", default=None, type=OutputFolder(replace=False),
              help="folder to write into (default: the package's lenet_viz/records, and "
                   "lenet_viz/weights/checkpoints for the checkpoints)")
@click.option("--dynamics-epochs", default=None, type=click.IntRange(1, 10_000), help="default 60")
@click.option("--init-epochs", default=None, type=click.IntRange(1, 10_000), help="default 40")
@click.option("--seed", default=0, show_default=True, type=int)
@quiet_option
def command(only: tuple, output: object, dynamics_epochs: int | None, init_epochs: int | None, seed: int,
            quiet: bool) -> None:
    """Regenerate the records behind the Training-dynamics, Init and Training pages (byte for byte;
    ~2.5 min, and ~4 min more for the checkpoints).

    \b
    Example:
      lenet-viz records
      lenet-viz records --only init -o /tmp/records
    """
    from ..analyses.records import GENERATED, write_records

    note = Progress(not quiet).note
    paths = write_records(output, only or GENERATED, seed, dynamics_epochs, init_epochs, note)
    for p in paths:
        click.echo(f"wrote {p}")
