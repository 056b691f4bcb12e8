"""The ``lenet-viz`` command line: thin wiring from Click to the library.

Library errors (:class:`~lenet_viz.errors.LenetVizError`) and OS errors become ``Error: …`` on
stderr with exit code 1; usage errors exit 2 (Click's own). Heavy imports happen inside commands.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from . import __version__
from .errors import LenetVizError

MODEL_HELP = "shipped model name (lenet5, modern, mlp) or path to a .params file with its .json card"


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


class Progress:
    """A one-line progress bar on stderr (a line per update when stderr is not a terminal)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self._last = ""

    def bar(self, label: str, done: int, total: int, extra: str = "") -> None:
        if not self.enabled:
            return
        width = 24
        filled = int(width * done / max(total, 1))
        line = f"{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {extra}".rstrip()
        if self.tty:
            click.echo("\r" + line.ljust(len(self._last)), nl=False, err=True)
            self._last = line
            if done >= total:
                click.echo("", err=True)
                self._last = ""
        elif done >= total:
            click.echo(line, err=True)

    def note(self, text: str) -> None:
        if self.enabled:
            click.echo(text, err=True)


def _model_option(f: Any) -> Any:
    return click.option("--model", "-m", "model_name", default="lenet5", show_default=True,
                        metavar="NAME|PATH", help=MODEL_HELP)(f)


def _quiet_option(f: Any) -> Any:
    return click.option("-q", "--quiet", is_flag=True, help="no progress output on stderr")(f)


def _echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2))


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


@cli.command()
@click.option("--variant", default="lenet5", show_default=True,
              type=click.Choice(["lenet5", "modern", "mlp"]), help="architecture to train")
@click.option("--dataset", default="mnist-5k", show_default=True,
              help="mnist-5k, fashion-mnist, or a folder of IDX .gz files")
@click.option("--epochs", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--optimizer", default="adam", show_default=True, type=click.Choice(["sgd", "adam"]))
@click.option("--lr", default=0.003, show_default=True, type=click.FloatRange(0, min_open=True))
@click.option("--batch-size", default=128, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--init", "init_name", default=None, type=click.Choice(["xavier", "he", "default", "normal"]),
              help="weight init (default: the variant's own: Xavier for lenet5, He for modern)")
@click.option("--augment", default=0, show_default=True, type=click.IntRange(0, 6),
              help="random shifts of up to N pixels during training")
@click.option("--why", default="", help="a sentence recorded in the model card: why this recipe")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="writes OUTPUT.params and the model card OUTPUT.json")
@_quiet_option
def train(variant: str, dataset: str, epochs: int, optimizer: str, lr: float, batch_size: int, seed: int,
          init_name: str | None, augment: int, why: str, output: str, quiet: bool) -> None:
    """Train a net and write its weights and model card.

    \b
    Example:
      lenet-viz train --variant lenet5 --epochs 60 --augment 2 -o runs/lenet5
    """
    from .data import load_dataset
    from .model import save_model
    from .train import TrainConfig, model_card
    from .train import train as run

    cfg = TrainConfig(variant=variant, dataset=dataset, epochs=epochs, optimizer=optimizer, lr=lr,
                      batch_size=batch_size, seed=seed, init=init_name, augment=augment)
    cfg.check()
    out_dir = os.path.dirname(os.path.abspath(output))
    if os.path.isdir(output):
        raise LenetVizError(f"output {output} is a folder; give a path prefix such as {output}/model")
    if not os.path.isdir(out_dir):
        raise LenetVizError(f"output folder {out_dir} does not exist; create it first")
    data = load_dataset(dataset)
    bar = Progress(not quiet)

    def progress(p: dict) -> None:
        bar.bar(f"epoch {p['epoch']}/{p['epochs']}", p["batch"], p["batches"],
                f"loss {p['loss']:.4f} acc {p['acc']:.3f}")

    from .analysis import PROBE_SIZE, probe_batch, saturation_probe

    hook = None
    if len(data.test):  # saturation of every activation layer on a fixed held-out probe batch, per epoch
        probe_x, probe_y = probe_batch(data, min(PROBE_SIZE, len(data.test)))
        hook = saturation_probe(probe_x, probe_y, hist_epochs={0, 1, epochs})
    result = run(cfg, data, progress=progress, epoch_hook=hook)
    command = (f"lenet-viz train --variant {variant} --dataset {dataset} --epochs {epochs} "
               f"--optimizer {optimizer} --lr {lr:g} --batch-size {batch_size} --seed {seed}"
               + (f" --init {init_name}" if init_name else "")
               + (f" --augment {augment}" if augment else "") + f" -o {output}")
    card = model_card(cfg, result, data, command, why)
    params, card_path = save_model(result.net, output, card)
    click.echo(f"test accuracy {result.test_accuracy:.4f} (train {result.train_accuracy:.4f}) "
               f"after {epochs} epochs in {result.seconds:.1f} s")
    click.echo(f"wrote {params} and {card_path}")


@cli.command()
@_model_option
@click.option("--dataset", default=None, help="dataset to evaluate on (default: the model's own)")
@click.option("--split", default="test", show_default=True, type=click.Choice(["test", "train"]))
@click.option("--json", "as_json", is_flag=True, help="print a JSON object")
@_quiet_option
def evaluate(model_name: str, dataset: str | None, split: str, as_json: bool, quiet: bool) -> None:
    """Re-measure a model's accuracy on a held-out split.

    \b
    Example:
      lenet-viz evaluate --model modern --json
    """
    from .data import load_dataset
    from .model import load_model
    from .train import accuracy, fused

    model = load_model(model_name)
    data = load_dataset(dataset or model.card.get("dataset", "mnist-5k"))
    part = data.split(split)
    acc = accuracy(fused(model.net), part.x, part.y)
    result = {"accuracy": round(acc, 6), "n": len(part), "model": model.source,
              "variant": model.variant, "dataset": data.name, "split": split,
              "card_accuracy": model.card.get("test_accuracy")}
    if as_json:
        _echo_json(result)
    else:
        click.echo(f"{model.source} ({model.variant}) on {data.name} {split}: accuracy "
                   f"{acc:.4f} ({round(acc * len(part))}/{len(part)})")


@cli.command()
@click.argument("images", nargs=-1, required=True, type=click.Path())
@_model_option
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
def predict(images: tuple, model_name: str, as_json: bool) -> None:
    """Predict the digit in each IMAGE (PNG, JPEG, BMP, GIF, WebP, TIFF).

    Images are preprocessed as MNIST was made (see `lenet_viz.load_digit`). Every image is
    processed; failures are reported and the exit code is 1 if any failed.

    \b
    Example:
      lenet-viz predict examples/digit.png
    """
    from .model import load_model

    model = load_model(model_name)
    loaded, failed = _load_images(images)
    results = []
    for path, info in loaded:
        probs = model.predict_proba(info.array)[0]
        label = int(probs.argmax())
        results.append({"file": path, "label": label,
                        "probabilities": [round(float(p), 6) for p in probs]})
        if not as_json:
            click.echo(f"{path}: {label} (p={probs[label]:.3f})")
    if as_json:
        _echo_json(results)
    _fail_if(failed, len(images))


@cli.command()
@_model_option
@click.option("--json", "as_json", is_flag=True, help="print a JSON object")
def shapes(model_name: str, as_json: bool) -> None:
    """The layer-by-layer shape walk: output shapes, parameters, MACs, receptive fields.

    \b
    Example:
      lenet-viz shapes --model modern
    """
    import numpy as np

    from .capture import trace
    from .model import load_model

    t = trace(load_model(model_name), np.zeros((1, 1, 28, 28), np.float32))
    if as_json:
        _echo_json({"model": t.model, "variant": t.variant, "input_shape": [1, 28, 28],
                    "layers": t.rows(), "total_params": t.total_params, "total_macs": t.total_macs})
    else:
        click.echo(f"{t.model} ({t.variant}): input 1x28x28")
        click.echo(t.summary())


@cli.command("compare-init")
@click.option("--inits", default="xavier,default,normal", show_default=True,
              help="comma-separated initialisers: xavier, he, default (uniform ±0.07), normal (N(0,1))")
@click.option("--epochs", default=40, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--optimizer", default="sgd", show_default=True, type=click.Choice(["sgd", "adam"]))
@click.option("--lr", default=0.9, show_default=True, type=click.FloatRange(0, min_open=True))
@click.option("--batch-size", default=128, show_default=True, type=click.IntRange(1, 100_000))
@click.option("-o", "--output", default=None, type=click.Path(), help="write the record as JSON to this file")
@click.option("--json", "as_json", is_flag=True, help="print the record as JSON")
@_quiet_option
def compare_init(inits: str, epochs: int, seed: int, optimizer: str, lr: float, batch_size: int,
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
    from .analysis import compare_init as run
    from .analysis import format_init_summary, write_record

    names = tuple(n.strip() for n in inits.split(",") if n.strip())
    if output is not None:
        if os.path.isdir(output):
            raise LenetVizError(f"output {output} is a folder; give a file name such as {output}/init.json")
        if not os.path.isdir(os.path.dirname(os.path.abspath(output))):
            raise LenetVizError(f"output folder {os.path.dirname(os.path.abspath(output))} does not exist")
    bar = Progress(not quiet)
    rec = run(names, epochs=epochs, seed=seed,
              recipe={"optimizer": optimizer, "lr": lr, "batch_size": batch_size},
              progress=lambda name, s: bar.note(f"{name}: {epochs} epochs in {s:.1f} s"))
    if output is not None:
        write_record(rec, output)
    if as_json:
        _echo_json(rec)
    else:
        click.echo(format_init_summary(rec))
        if output is not None:
            click.echo(f"wrote {output}")




def _load_images(paths: tuple) -> tuple[list, list]:
    """Preprocess each image; report failures on stderr and carry on with the rest."""
    from .images import load_digit_info

    ok, failed = [], []
    for path in paths:
        try:
            info = load_digit_info(path)
        except LenetVizError as e:
            failed.append(path)
            click.echo(f"Error: {e}", err=True)
            continue
        for note in info.notes:
            click.echo(f"note: {path}: {note}", err=True)
        ok.append((path, info))
    return ok, failed


def _fail_if(failed: list, total: int) -> None:
    if failed:
        raise click.ClickException(f"{len(failed)} of {total} image(s) failed: {', '.join(failed)}")


@cli.command()
@_model_option
@click.option("-o", "--output", default=None, type=click.Path(),
              help="file to write (default: <model>-diagram.<format>)")
@click.option("--format", "fmt", default=None, type=click.Choice(["svg", "png", "pdf", "dot"]),
              help="output format (default: from the file suffix, else svg)")
@click.option("--layout", default="LR", show_default=True, type=click.Choice(["LR", "TB"]),
              help="LR: data-flow view; TB: the vertical textbook schematic")
def diagram(model_name: str, output: str | None, fmt: str | None, layout: str) -> None:
    """Draw the architecture as the encoder pyramid (Graphviz).

    \b
    Example:
      lenet-viz diagram -o lenet5.svg
      lenet-viz diagram --model modern --layout TB --format png
    """
    import numpy as np

    from .capture import trace
    from .model import load_model
    from .render.diagram import diagram as draw
    from .render.diagram import save_diagram

    if fmt is None:
        suffix = os.path.splitext(output or "")[1].lstrip(".").lower()
        fmt = suffix if suffix in ("svg", "png", "pdf", "dot") else "svg"
    if output is None:
        output = f"{os.path.basename(str(model_name)).removesuffix('.params')}-diagram.{fmt}"
    if os.path.isdir(output):
        raise LenetVizError(f"output {output} is a folder; give a file name such as {output}/diagram.{fmt}")
    model = load_model(model_name)
    d = draw(trace(model, np.zeros((1, 1, 28, 28), np.float32)), layout)
    path = save_diagram(d, output, fmt)
    click.echo(f"wrote {path}")


@cli.command()
@click.argument("images", nargs=-1, required=True, type=click.Path())
@_model_option
@click.option("-o", "--output", default="activations", show_default=True, type=click.Path(),
              help="folder; each image gets OUTPUT/<name>/index.html")
@click.option("--export", default=None, type=click.Path(),
              help="also write the trace as .npz (one image: this file; several: <name>.npz beside it)")
@click.option("--json", "as_json", is_flag=True, help="print a JSON list, one object per image")
@_quiet_option
def activations(images: tuple, model_name: str, output: str, export: str | None, as_json: bool,
                quiet: bool) -> None:
    """Show every layer's activations for each IMAGE as a page of figures.

    \b
    Example:
      lenet-viz activations examples/digit.png
      lenet-viz activations a.png b.png -o out --export trace.npz --json
    """
    from pathlib import Path

    from .capture import trace
    from .data import DIGIT_CLASSES
    from .model import load_model
    from .site import Digit, Renderer, check_output, require_dot, slug, write_activations
    from .stats import layer_stats

    # Fork the render worker before MXNet is imported: it imports matplotlib meanwhile.
    renderer = Renderer(main_renders=False)
    ctx = click.get_current_context()
    ctx.call_on_close(lambda: renderer.__exit__(None, None, None))
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise LenetVizError(f"output {out} is a file; give a folder name (it is created if missing)")
    if export is not None and os.path.isdir(export):
        raise LenetVizError(f"--export {export} is a folder; give a file name ending in .npz")
    if export is not None and not os.path.isdir(os.path.dirname(os.path.abspath(export))):
        raise LenetVizError(f"--export folder {os.path.dirname(os.path.abspath(export))} does not exist; "
                            f"create it first")
    require_dot()
    model = load_model(model_name)
    loaded, failed = _load_images(images)
    if loaded and not out.exists():
        ctx.call_on_close(lambda: _rmdir_if_empty(out))  # every page failed: leave no empty folder
    if loaded:
        out.mkdir(parents=True, exist_ok=True)
    bar = Progress(not quiet)
    taken: set = set()
    results = []
    for n, (path, info) in enumerate(loaded, 1):
        name = slug(path, taken)
        try:
            check_output(out / name)
            t = trace(model, info.array)
            digit = Digit(name, os.path.basename(path), info.array[0], info.raw, None, info.notes)
            digit.label = int(t.probabilities[0].argmax())
            digit.confidence = float(t.probabilities[0, digit.label])
            page = write_activations(model, t, digit, out / name, DIGIT_CLASSES, renderer)
            if export:
                target = export if len(images) == 1 else str(Path(export).with_name(f"{name}.npz"))
                _save_npz(t, target)
        except LenetVizError as e:
            failed.append(path)
            click.echo(f"Error: {path}: {e}", err=True)
            continue
        bar.bar("activations", n, len(loaded), path)
        sat = {s.name: s for s in layer_stats(t)}
        results.append({
            "file": path, "label": digit.label,
            "probabilities": [round(float(p), 6) for p in t.probabilities[0]],
            "page": str(page),
            "layers": [{"name": r.name, "kind": r.kind, "output_shape": list(r.output_shape[1:]),
                        "mean": round(float(r.output.mean()), 6),
                        "saturated_fraction": (round(float(sat[r.name].saturated_fraction), 6)
                                               if r.name in sat and r.activation == "sigmoid" else None),
                        "dead_fraction": (round(float(sat[r.name].dead_fraction), 6)
                                          if r.name in sat and r.activation == "relu" else None)}
                       for r in t],
        })
        if not as_json:
            click.echo(f"{path}: {digit.label} (p={digit.confidence:.3f}) -> {page}")
    if as_json:
        _echo_json(results)
    _fail_if(failed, len(images))


def _rmdir_if_empty(path: Any) -> None:
    try:
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    except OSError:
        pass


def _save_npz(t: Any, target: str) -> None:
    """Write a trace's npz atomically (no half-written file on failure)."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise LenetVizError(f"--export folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=folder)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would survive the rename: an ordinary file's mode
    try:
        t.to_npz(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@cli.command()
@_model_option
@click.option("--dataset", default=None,
              help="dataset (default: the model's own); its held-out split is used")
@click.option("-o", "--output", default=None, type=click.Path(),
              help="folder for saturation.png and stats.json (default: print only)")
@click.option("--low", default=0.05, show_default=True, type=click.FloatRange(0, 1))
@click.option("--high", default=0.95, show_default=True, type=click.FloatRange(0, 1))
@click.option("--json", "as_json", is_flag=True, help="print the statistics as JSON")
@_quiet_option
def saturation(model_name: str, dataset: str | None, output: str | None, low: float, high: float,
               as_json: bool, quiet: bool) -> None:
    """Dataset-wide saturation (sigmoid) or dead-unit (ReLU) statistics, streamed.

    \b
    Example:
      lenet-viz saturation --json
      lenet-viz saturation --model modern -o sat/
    """
    import json as _json
    from pathlib import Path

    from .data import load_dataset
    from .model import load_model
    from .site import check_output, publish
    from .stats import dataset_stats

    if not low < high:
        raise LenetVizError(f"--low ({low}) must be below --high ({high})")
    if output is not None:
        check_output(Path(output))  # before the minutes of work, not at the end
    model = load_model(model_name)
    data = load_dataset(dataset or model.card.get("dataset", "mnist-5k"))
    bar = Progress(not quiet)
    stats = dataset_stats(model, data.test.x, low=low, high=high,
                          progress=lambda d, t: bar.bar("saturation", d, t),
                          dataset=f"{data.name} held-out ({len(data.test)})")
    if output is not None:
        from .render.figures import save_figure
        from .render.histograms import saturation_figure

        with publish(Path(output)) as tmp:
            save_figure(saturation_figure(stats), tmp / "saturation.png")
            (tmp / "stats.json").write_text(_json.dumps(stats.to_dict(), indent=2) + "\n")
    if as_json:
        _echo_json(stats.to_dict())
    else:
        click.echo(f"{model.source} on {stats.dataset}: {stats.n_samples} images")
        click.echo(f"{'layer':<10}{'act':<9}{'saturated':>10}{'mean dsig':>11}{'dead':>8}")
        for s in stats:
            click.echo(f"{s.name:<10}{s.activation:<9}{_fmt_pct(s.saturated_fraction):>10}"
                       f"{_fmt_num(s.mean_dsigmoid):>11}{_fmt_pct(s.dead_fraction):>8}")
        if output is not None:
            click.echo(f"wrote {os.path.join(output, 'saturation.png')} and stats.json")


def _fmt_pct(v: float) -> str:
    return "-" if v != v else f"{v * 100:.1f}%"


def _fmt_num(v: float) -> str:
    return "-" if v != v else f"{v:.4f}"


@cli.command()
@click.argument("images", nargs=-1, type=click.Path())
@_model_option
@click.option("-o", "--output", default="gallery", show_default=True, type=click.Path(),
              help="gallery folder (replaced atomically; only folders made by lenet-viz are replaced)")
@_quiet_option
def gallery(images: tuple, model_name: str, output: str, quiet: bool) -> None:
    """Build the static HTML gallery: model card, clickable diagram, a page per digit.

    By default one held-out digit per class; IMAGES add your own. Open OUTPUT/index.html in a
    browser: it works from disk, offline.

    \b
    Example:
      lenet-viz gallery
      lenet-viz gallery my7.png --model modern -o modern-gallery
    """
    from pathlib import Path

    from .data import load_dataset
    from .model import load_model
    from .site import Digit, build_gallery, check_output

    out = check_output(Path(output))
    model = load_model(model_name)
    data = load_dataset(model.card.get("dataset", "mnist-5k"))
    loaded, failed = _load_images(images)
    user = [Digit("", os.path.basename(p), info.array[0], info.raw, None, info.notes) for p, info in loaded]
    bar = Progress(not quiet)
    from .pages import PAGES

    result = build_gallery(out, model, data, user, progress=lambda d, t, label: bar.bar("gallery", d, t),
                           extra_pages=list(PAGES))
    bar.bar("gallery", 1, 1)
    click.echo(f"gallery: {len(result.digits)} digits, held-out accuracy {result.accuracy:.4f}")
    click.echo(f"open {result.index.resolve().as_uri()}")
    _fail_if(failed, len(images))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="lenet-viz")
