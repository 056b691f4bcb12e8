"""``lenet-viz gallery``: the static HTML gallery."""

from __future__ import annotations

import os

import click

from ._common import OutputFolder, Progress, fail_if, load_images, model_option, quiet_option


class _DigitCount(click.ParamType):
    """``--digits``: a positive whole number, or ``all`` (every held-out digit)."""

    name = "N|all"

    def convert(self, value: object, param: object, ctx: object) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        if text == "all":
            return 10**9  # capped at the held-out split's size
        if text.isdigit() and int(text) > 0:
            return int(text)
        self.fail(f"{value!r} is neither a positive whole number nor 'all' (e.g. --digits 100, "
                  f"--digits all)", param, ctx)


def duration(seconds: float) -> str:
    """``7.2`` → ``"7 s"``, ``125`` → ``"2 min 05 s"``."""
    s = max(0, round(seconds))
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def progress_info(done: int, total: int, outlook: object) -> str:
    """What the gallery's bar says beside itself: the pages written and, while some remain, the time
    left from the previous build's measured page costs; without them, the digit pages' time left at
    their pace so far, then the page being built (the pages after the digits take seconds each)."""
    text = f"{done:,}/{total:,} pages"
    if done >= total:
        return text
    if outlook.left is not None:
        return text + f" · about {duration(outlook.left)} left (page costs timed by the last build)"
    if outlook.digit_left is not None:
        return text + (f" · digit pages: about {duration(outlook.digit_left)} left, then "
                       f"{outlook.after_digits} slower pages (no earlier build to time them)")
    return text + f" · building {outlook.building}" if outlook.building else text


@click.command("gallery")
@click.argument("images", nargs=-1, type=click.Path())
@model_option
@click.option("-o", "--output", default="gallery", show_default=True, type=OutputFolder(),
              help="gallery folder (replaced atomically; only folders made by lenet-viz are replaced)")
@click.option("--digits", "count", default=None, type=_DigitCount(), metavar="N|all",
              help="held-out digits given a page: the first N of the held-out split, or all of them "
                   "(default: the first of each class)")
@quiet_option
def command(images: tuple, model_name: str, variant: str | None, dataset: str | None, output: object,
            count: int | None, quiet: bool) -> None:
    """Build the static HTML gallery: model card, clickable diagram, a page per digit.

    By default one held-out digit per class; IMAGES add your own. Open OUTPUT/index.html in a
    browser: it works from disk, offline.

    \b
    Example:
      lenet-viz gallery
      lenet-viz gallery my7.png --model modern -o modern-gallery
      lenet-viz gallery --digits all -o every-digit
    """
    from ..data import load_dataset, noun
    from ..model import load_model
    from ..site import Digit, build_gallery
    from ..site.pages import pages_for

    model = load_model(model_name, variant, dataset)
    data = load_dataset(dataset or model.card.get("dataset", "mnist-5k"))
    loaded, failed = load_images(images, data.classes)
    user = [Digit("", os.path.basename(p), info.array[0], info.raw, None, info.notes) for p, info in loaded]
    bar = Progress(not quiet, eta=False)

    def progress(done: int, total: int, label: str, outlook: object) -> None:
        bar("gallery", done, total, progress_info(done, total, outlook))

    result = build_gallery(output, model, data, user, progress=progress, pages=pages_for(data), count=count)
    bar.close()
    click.echo(f"gallery: {len(result.digits)} {noun(data.classes)}s, "
               f"held-out accuracy {result.accuracy:.4f}")
    click.echo(f"open {result.index.resolve().as_uri()}")
    fail_if(failed, len(images))
