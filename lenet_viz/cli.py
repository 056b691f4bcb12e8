"""The ``lenet-viz`` command line: a Click group over one module per command (``lenet_viz/commands``).

Library errors (:class:`~lenet_viz.errors.LenetVizError`) and OS errors become ``Error: …`` on
stderr with exit code 1; usage errors exit 2 (Click's own). Heavy imports happen inside commands.

Adding a command: write ``lenet_viz/commands/<name>.py`` defining a ``@click.command()`` called
``command`` (options from :mod:`lenet_viz.commands._common`), and add its module name to
:data:`COMMANDS`.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

import click

from . import __version__
from .errors import LenetVizError

#: The command modules of ``lenet_viz.commands`` (``--help`` lists the commands alphabetically).
COMMANDS = ("train", "evaluate", "predict", "shapes", "compare_init", "records", "diagram", "activations",
            "saturation", "gallery", "draw")


class _Group(click.Group):
    """Turns library and OS errors into ``Error: …`` without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LenetVizError as e:
            exc = click.ClickException(str(e))
            exc.exit_code = e.exit_code
            raise exc from None
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            raise click.ClickException(f"{where}{e.strerror or e}") from None
        except MemoryError:
            raise click.ClickException("out of memory; try a smaller --batch-size") from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as e:
            if os.environ.get("LENET_VIZ_DEBUG"):
                raise
            raise click.ClickException(
                f"internal error {type(e).__name__}: {e} — this is a bug in lenet-viz; rerun with "
                f"LENET_VIZ_DEBUG=1 to see the traceback") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lenet-viz")
def cli() -> None:
    """See inside LeNet-5, layer by layer.

    \b
    Start here:
      lenet-viz gallery                 build the offline gallery in gallery/
      lenet-viz predict examples/digit.png
      lenet-viz shapes                  the layer-by-layer shape walk
    """


for _name in COMMANDS:
    cli.add_command(import_module(f".commands.{_name}", __package__).command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="lenet-viz")
