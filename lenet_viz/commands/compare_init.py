"""``lenet-viz compare-init``: the init experiment behind the gallery's Init page."""

from __future__ import annotations

import click

from ._common import OutputFile, Progress, echo_json, json_option, quiet_option


@click.command("compare-init")
@click.option("--inits", default="xavier,default,normal", show_default=True,
              help="comma-separated initialisers: xavier, he, default (uniform ±0.07), normal (N(0,1))")
@click.option("--epochs", default=40, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--optimizer", default="sgd", show_default=True, type=click.Choice(["sgd", "adam"]))
@click.option("--lr", default=0.9, show_default=True, type=click.FloatRange(0, min_open=True))
@click.option("--batch-size", default=128, show_default=True, type=click.IntRange(1, 100_000))
@click.option("-o", "--output", default=None, type=OutputFile("file name such as OUTPUT/init.json"),
              help="write the record as JSON to this file")
@json_option("the record")
@quiet_option
def command(inits: str, epochs: int, seed: int, optimizer: str, lr: float, batch_size: int,
            output: str | None, as_json: bool, quiet: bool) -> None:
    """Test "Xavier keeps the sigmoid layers from saturating early": train LeNet-5 once per init.

    Same seed, batches and recipe for every init (default: the seed's SGD lr 0.9); saturation of
    every sigmoid layer is measured each epoch on 256 held-out digits. Deterministic for a seed;
    the defaults reproduce the gallery's shipped record (lenet_viz/records/init.json), ~1.5 min.

    \b
    Example:
      lenet-viz compare-init
      lenet-viz compare-init --optimizer adam --lr 0.003 --epochs 10 -o init-adam.json
    """
    from ..analyses.inits import compare_init, format_init_summary
    from ..analyses.records import write_record

    names = tuple(n.strip() for n in inits.split(",") if n.strip())
    bar = Progress(not quiet)
    rec = compare_init(names, epochs=epochs, seed=seed,
                       recipe={"optimizer": optimizer, "lr": lr, "batch_size": batch_size},
                       progress=lambda name, s: bar.note(f"{name}: {epochs} epochs in {s:.1f} s"))
    if output is not None:
        write_record(rec, output)
    if as_json:
        echo_json(rec)
    else:
        click.echo(format_init_summary(rec))
        if output is not None:
            click.echo(f"wrote {output}")
