"""The static gallery: Jinja2 pages (autoescaped) around the renderers' figures, written atomically.

A gallery is built in a temporary folder beside the target and swapped in under a lock, so an
interrupted or failed run leaves the previous gallery intact and two concurrent runs end with one
complete gallery. Only folders this tool made (they hold a ``.lenet-viz`` marker) are ever replaced.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .errors import LenetVizError

MARKER = ".lenet-viz"
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
Progress = Callable[[int, int, str], Any]


# ---------------------------------------------------------------- output folders

def check_output(out: Path) -> Path:
    """Validate an output folder before any work: its parent exists and is writable, and it is
    either absent, empty, or a folder this tool made."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise LenetVizError(f"output {out} is a file; give a folder name (it is created if missing)")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise LenetVizError(f"output folder's parent {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise LenetVizError(f"cannot write in {parent} (permission denied); choose another --output")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise LenetVizError(f"output folder {out} is not empty and was not made by lenet-viz; refusing "
                            f"to replace it: choose a new or empty folder")
    return out


@contextmanager
def publish(out: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success swap it in for ``out``.

    On any exception the temporary folder is removed and ``out`` is untouched.
    """
    out = check_output(Path(out))
    parent = out.resolve().parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would hide the gallery from a web server
        (tmp / MARKER).write_text("made by lenet-viz; this folder is replaced on the next build\n")
        try:
            yield tmp
        except (OSError, LenetVizError):
            _check_build_folder(tmp, out)  # "removed during the build" says more than ENOENT
            raise
        # Deleted mid-build (by a clean-up job, say), later writes may have re-created parts of it
        # (mkdir parents=True): swapping that in would replace a gallery with fragments.
        _check_build_folder(tmp, out)
        _swap(tmp, out.resolve())
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _check_build_folder(tmp: Path, out: Path) -> None:
    if not (tmp / MARKER).is_file():
        raise LenetVizError(f"the build folder {tmp.name} beside {out} was removed during the build; "
                            f"{out} is left as it was: run the command again") from None


def _swap(new: Path, out: Path) -> None:
    # Two builds into one folder: the second swap waits for the first, so the result is one
    # complete gallery, never a mix.
    with _locked(out.parent / f".{out.name}.lock"):
        old = None
        if out.exists():
            if not (out / MARKER).exists() and any(out.iterdir()):
                raise LenetVizError(f"output folder {out} changed during the build and is not a "
                                    f"lenet-viz folder; left it alone")
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / "x")
        try:
            os.rename(new, out)
        except OSError:
            if old is not None:
                os.rename(old / "x", out)  # put the previous one back
            raise
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path``; the file is removed on release (no leftover).

    It is unlinked while still held, so a waiter may wake up holding a file that is no longer at
    ``path``; it must then lock the current one, or a third build could swap alongside it.
    """
    while True:
        f = open(path, "a")
        try:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                current = os.stat(path).st_ino == os.fstat(f.fileno()).st_ino
            except FileNotFoundError:
                current = False
        except BaseException:
            f.close()
            raise
        if current:
            break
        f.close()
    try:
        yield
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        f.close()


def slug(name: str, taken: set) -> str:
    """A safe, unique file stem for a user-supplied name (no path separators, no dots)."""
    stem = _SLUG.sub("-", Path(name).stem).strip("-_")[:40] or "image"
    candidate, i = stem, 2
    while candidate.lower() in taken:
        candidate, i = f"{stem}-{i}", i + 1
    taken.add(candidate.lower())
    return candidate


# ---------------------------------------------------------------- templates

def _env() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("lenet_viz", "templates"),
                       autoescape=select_autoescape(["html"], default=True),
                       undefined=StrictUndefined, keep_trailing_newline=True)


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:  # a failed write (disk full) carries no file name: say which page
        raise LenetVizError(f"cannot write {path.name} in {path.parent}: {e.strerror or e}") from None


_ABS_PATH = re.compile(r"(?<![^\s(='\"])/[^\s'\"()]+")


def _public(text: Any) -> Any:
    """Text fit for a page that may be published: absolute local paths cut to their last part.

    A model or dataset given by path (``--model /home/me/runs/m.params``, a card's ``command``)
    would otherwise put the builder's folders into every page.
    """
    if not isinstance(text, str):
        return text
    if os.path.isabs(text):
        return os.path.basename(text.rstrip("/")) or text
    return _ABS_PATH.sub(lambda m: os.path.basename(m.group().rstrip("/")) or m.group(), text)


def _published(model: Any, data: Any = None) -> tuple:
    """Copies of ``model`` and ``data`` whose labels and card hold no absolute local path."""
    from dataclasses import is_dataclass, replace

    if is_dataclass(model):
        model = replace(model, source=_public(model.source),
                        card={k: _public(v) for k, v in model.card.items()})
    if is_dataclass(data):
        data = replace(data, name=_public(data.name), description=_public(data.description))
    return model, data


def _inline_svg(svg: str) -> str:
    """dot's SVG without the XML prolog and DOCTYPE, fit for inlining in HTML.

    Node ids are prefixed with ``diagram-``: the page's layer sections own the bare ids
    (``#conv1``), and a duplicate id would make the link land on the diagram instead.
    """
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    return re.sub(r'(<[^>]*\s)id="', r'\1id="diagram-', svg)


# ---------------------------------------------------------------- one digit

@dataclass
class Digit:
    """One input of the gallery."""

    slug: str
    name: str
    x: np.ndarray  # (1,28,28)
    raw: np.ndarray | None = None
    truth: int | None = None
    notes: list = field(default_factory=list)
    label: int = -1
    confidence: float = 0.0


_CAPTIONS = {
    "conv": "Each tile is one output channel: where in the image this learned 5×5 filter responds.",
    "pool": "Pooling halves each side: a blurred (average) or strongest (max) copy of the maps before it.",
    "bn": "BatchNorm rescales each channel with statistics learned in training.",
    "act": "The activation applied to the maps before it.",
    "gap": "Global average pooling: one number per channel, the mean of its whole map.",
    "dense": "Each cell is one unit of the dense layer.",
}


def _fig_entry(path: Path, base: Path, alt: str, caption: str = "") -> dict:
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
    return {"src": path.relative_to(base).as_posix(), "alt": alt, "caption": caption,
            "width": w, "height": h}


def _render_one(trace1: Any, key: str, raw: Any, path: Path) -> Path:
    """Draw one figure of one input and save it (runs in this process or in a worker)."""
    from .render.figures import save_figure

    if key == "saturation":
        from .render.histograms import saturation_figure
        from .stats import layer_stats

        fig = saturation_figure(layer_stats(trace1))
    else:
        from .render.maps import make_figure

        fig = make_figure(trace1, key, 0, raw)
    return save_figure(fig, path)


def _warm() -> None:
    """Import the renderers in a worker while the parent imports MXNet."""
    import lenet_viz.render.histograms  # noqa: F401
    import lenet_viz.render.maps  # noqa: F401


class Renderer:
    """Draws figures here and in forked workers: a figure set is CPU-bound and the machine has
    cores to spare (a lone process renders one digit in ~1.5 s; two processes in ~0.8 s).

    Workers are forked when the Renderer is made (MXNet's fork handlers make forking after its
    import safe, as Gluon's own DataLoader workers rely on); ``LENET_VIZ_WORKERS=1`` renders
    in-process. Use as a context manager so workers always exit.

    Args:
        workers: processes drawing figures, this one included (default: the cores, at most 2).
        main_renders: False hands every figure to ``workers`` forked processes and keeps this one
            free — for a cold command that forks before importing MXNet, so the workers import
            matplotlib while this process imports MXNet and never needs matplotlib itself.
    """

    def __init__(self, workers: int | None = None, main_renders: bool = True) -> None:
        if workers is None:
            workers = int(os.environ.get("LENET_VIZ_WORKERS", 0) or min(2, os.cpu_count() or 1))
        self.pool = None
        self.main_renders = main_renders or workers <= 1
        forks = workers - 1 if self.main_renders else workers
        if forks > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(forks, mp_context=multiprocessing.get_context("fork"))
            for _ in range(forks):
                self.pool.submit(_warm)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def run(self, jobs: list, sink: Callable[[], None] | None = None,
            meanwhile: Callable[[], None] | None = None) -> list:
        """Render ``jobs`` (tuples for :func:`_render_one`), shared between this process and the workers."""
        futures = {}
        if self.pool is not None:
            futures = {i: self.pool.submit(_render_one, *job) for i, job in enumerate(jobs)
                       if i % 2 or not self.main_renders}
        if meanwhile is not None:
            meanwhile()
        out = []
        for i, job in enumerate(jobs):
            out.append(futures[i].result() if i in futures else _render_one(*job))
            if sink:
                sink()
        return out


def _has_saturation(trace: Any) -> bool:
    return any(r.activation for r in trace)


def section_ids(trace: Any) -> set:
    """The section anchors of a digit page for this architecture (what diagram nodes link to)."""
    from .render.keys import figure_keys

    ids = {key.partition(".")[0] for key in figure_keys(trace)}
    return ids | {"saturation"} if _has_saturation(trace) else ids


def render_digit(trace1: Any, digit: Digit, folder: Path, base: Path, classes: tuple,
                 sink: Callable[[], None] | None = None, renderer: Renderer | None = None,
                 meanwhile: Callable[[], None] | None = None) -> list:
    """Save every figure of one input into ``folder``; return the page's sections in net order.

    Args:
        trace1: a Trace of this one input.
        digit: what to call it and its raw image.
        folder: where the PNGs go (created).
        base: the folder the page lives in (image links are relative to it).
        classes: class names for the prediction chart.
        sink: called after each figure is written (progress, fault injection in tests).
        renderer: draws the figures (in-process when None).
        meanwhile: work for this process while workers draw (called once, before collecting).
    """
    from .render.keys import figure_keys

    folder.mkdir(parents=True, exist_ok=True)
    keys = figure_keys(trace1) + (["saturation"] if _has_saturation(trace1) else [])
    jobs = [(trace1, key, digit.raw, folder / f"{key}.png") for key in keys]
    paths = (renderer or Renderer(1)).run(jobs, sink, meanwhile)
    sections: dict[str, dict] = {}
    records = {r.name: r for r in trace1}
    for key, path in zip(keys, paths):
        name, _, suffix = key.partition(".")
        if name in _FIXED_SECTIONS:
            sec = sections.setdefault(name, {"id": name, **_FIXED_SECTIONS[name], "figures": []})
        else:
            rec = records[name]
            shape = "×".join(map(str, rec.output_shape[1:]))
            sec = sections.setdefault(name, {
                "id": name, "title": f"{name} · {rec.describe()} → {shape}",
                "caption": _CAPTIONS.get(rec.kind, ""), "figures": []})
        cap = ("pre-activation (before the nonlinearity), diverging scale centred on 0"
               if suffix == "pre" else "")
        sec["figures"].append(_fig_entry(path, base, f"{digit.name}: {key}", cap))
    return list(sections.values())


_FIXED_SECTIONS = {
    "input": {"title": "Input", "caption": "Left: your image as given; right: the 28×28 MNIST-style "
                                           "digit the network sees."},
    "prediction": {"title": "Prediction", "caption": "Softmax probabilities of the last layer."},
    "saturation": {"title": "Saturation for this input",
                   "caption": "How many units of each activation layer sit in the flat tails of the "
                              "sigmoid (< 0.05 or > 0.95), where gradients vanish — or, for ReLU, are "
                              "exactly zero."},
}


def _digit_context(d: Digit, classes: tuple) -> dict:
    return {"name": d.name, "label": d.label, "label_name": classes[d.label] if d.label >= 0 else "?",
            "confidence": d.confidence, "truth": d.truth,
            "truth_name": classes[d.truth] if d.truth is not None else None, "notes": d.notes}


def _common(model: Any, title: str, root: str, current: str, nav: list) -> dict:
    return {"title": title, "root": root, "current": current, "nav": nav, "version": __version__,
            "model_label": model.source}


def _thumb(x: np.ndarray, path: Path) -> None:
    from PIL import Image

    Image.fromarray((np.clip(x[0], 0, 1) * 255).round().astype(np.uint8), "L").save(path)


# ---------------------------------------------------------------- activations (one image, one folder)

def write_activations(model: Any, trace1: Any, digit: Digit, out: Path, classes: tuple,
                      renderer: Renderer | None = None) -> Path:
    """Write one input's page (``index.html`` + PNGs) into ``out`` atomically; return the page."""
    from dataclasses import replace

    from .render.diagram import diagram

    model, _ = _published(model)
    trace1 = replace(trace1, model=_public(trace1.model))  # the diagram's title
    ids = section_ids(trace1)
    done: dict = {}

    def meanwhile() -> None:  # while the workers draw: the diagram (a `dot` run) and the template
        done["svg"] = _inline_svg(diagram(trace1, "LR", links=lambda n: f"#{n}" if n in ids else None).svg())
        done["template"] = _env().get_template("digit.html")

    with publish(out) as tmp:
        sections = render_digit(trace1, digit, tmp, tmp, classes, renderer=renderer, meanwhile=meanwhile)
        svg = done["svg"]
        html = done["template"].render(
            **_common(model, f"{digit.name} through {model.source}", "", "", []),
            digit=_digit_context(digit, classes), sections=sections, diagram_svg=svg)
        _write_text(tmp / "index.html", html)
        (tmp / "style.css").write_bytes(_static("style.css"))
    return out / "index.html"


def _static(name: str) -> bytes:
    from importlib import resources

    return (resources.files("lenet_viz") / "templates" / name).read_bytes()


def require_dot() -> None:
    """Raise RenderError before any work when Graphviz is missing: every page draws the net with it."""
    if shutil.which("dot") is None:
        from .errors import RenderError

        raise RenderError("Graphviz's `dot` program was not found on PATH, and every page draws the "
                          "architecture with it: install Debian's `graphviz` package "
                          "(sudo apt-get install graphviz)")


# ---------------------------------------------------------------- the gallery

@dataclass
class GalleryResult:
    index: Path
    digits: list
    accuracy: float
    failed: list


NAV = [{"href": "index.html", "title": "Overview"}, {"href": "saturation.html", "title": "Saturation"},
       {"href": "kernels.html", "title": "Kernels"}]


def build_gallery(out: Path, model: Any, data: Any, user: list, progress: Progress | None = None,
                  extra_pages: list | None = None) -> GalleryResult:
    """Build the gallery into ``out``.

    Args:
        out: the gallery folder (replaced atomically).
        model: a loaded :class:`~lenet_viz.model.Model`.
        data: the model's :class:`~lenet_viz.data.Dataset` (held-out split used for digits and stats).
        user: :class:`Digit` objects for the user's images (already preprocessed).
        progress: called as ``progress(done, total, label)``.
        extra_pages: callables ``page(ctx) -> dict(href, title, blurb)`` that write more pages.
    Returns:
        a :class:`GalleryResult`.
    """
    from .capture import trace
    from .render.diagram import diagram
    from .render.figures import save_figure
    from .render.histograms import saturation_figure
    from .render.maps import kernels_figure
    from .stats import dataset_stats
    from .train import accuracy, fused

    require_dot()
    model, data = _published(model, data)
    test = data.test
    classes = data.classes
    digits: list[Digit] = []
    for c in range(len(classes)):
        hits = np.flatnonzero(test.y == c)
        if len(hits):
            i = int(hits[0])
            digits.append(Digit(f"test-{i:04d}", f"held-out #{i} ({classes[c]})", test.x[i], None, c))
    taken = {d.slug.lower() for d in digits}
    for d in user:
        d.slug = slug(d.slug or d.name, taken)
        digits.append(d)
    steps = len(digits) * 22 + 4
    done = 0

    def tick(label: str = "") -> None:
        nonlocal done
        done += 1
        if progress:
            progress(min(done, steps), steps, label)

    t = trace(model, np.stack([d.x for d in digits]))
    for i, d in enumerate(digits):
        d.label = int(t.probabilities[i].argmax())
        d.confidence = float(t.probabilities[i, d.label])
    acc = accuracy(fused(model.net), test.x, test.y)
    env = _env()
    nav = NAV + [{"href": p["href"], "title": p["title"]} for p in (extra_pages or [])]
    with publish(out) as tmp, Renderer() as renderer:
        (tmp / "style.css").write_bytes(_static("style.css"))
        assets = tmp / "assets"
        first = f"digit-{digits[0].slug}.html"
        ids = section_ids(t)  # every digit page has the same sections: one diagram serves them all
        svg = _inline_svg(diagram(t, "LR", links=lambda n: f"#{n}" if n in ids else None).svg())
        for i, d in enumerate(digits):
            page = f"digit-{d.slug}.html"
            folder = assets / d.slug
            sections = render_digit(t.select(i), d, folder, tmp, classes, sink=lambda d=d: tick(d.name),
                                    renderer=renderer)
            _thumb(d.x, folder / "thumb.png")
            html = env.get_template("digit.html").render(
                **_common(model, f"Digit {d.name}", "", "", nav),
                digit=_digit_context(d, classes), sections=sections, diagram_svg=svg)
            _write_text(tmp / page, html)
            tick(page)
        # dataset-wide saturation
        stats = dataset_stats(model, test.x, dataset=f"{data.name} held-out ({len(test)})")
        sat_png = save_figure(saturation_figure(stats), assets / "saturation-dataset.png")
        rows = [[s.name, s.activation, f"{s.n:,}", _pct(s.saturated_fraction), _num(s.mean_dsigmoid),
                 _pct(s.dead_fraction)] for s in stats]
        _write_text(tmp / "saturation.html", env.get_template("page.html").render(
            **_common(model, "Saturation over the held-out digits", "", "saturation.html", nav),
            lead=f"Activation statistics of every activation layer over all {len(test):,} held-out digits "
                 f"of {data.name}, streamed batch by batch. A saturated sigmoid unit (output < 0.05 or "
                 f"> 0.95) passes back almost no gradient: σ'(z) = s(1−s) ≤ 0.0475 there.",
            table={"head": ["layer", "activation", "units counted", "saturated", "mean σ'(z)", "dead (ReLU)"],
                   "rows": rows},
            sections=[{"id": "histograms", "title": "Distributions per layer", "caption": "",
                       "figures": [_fig_entry(sat_png, tmp, "saturation histograms")]}]))
        tick("saturation.html")
        # kernels
        ksections = []
        for rec in t:
            if rec.kind == "conv":
                p = save_figure(kernels_figure(t, rec.name), assets / f"kernels-{rec.name}.png")
                ksections.append({"id": rec.name, "title": f"{rec.name} · {rec.describe()}",
                                  "caption": "weight shape " + "×".join(map(str, rec.params["weight"])),
                                  "figures": [_fig_entry(p, tmp, f"kernels of {rec.name}")]})
        _write_text(tmp / "kernels.html", env.get_template("page.html").render(
            **_common(model, "Learned kernels", "", "kernels.html", nav),
            lead="The convolution filters the network learned, on a diverging scale centred on 0: "
                 "red weights excite, blue inhibit.", table=None, sections=ksections))
        tick("kernels.html")
        ctx = {"tmp": tmp, "model": model, "data": data, "trace": t, "digits": digits, "env": env,
               "nav": nav, "common": _common, "tick": tick}
        extras = [page(ctx) for page in (extra_pages or [])]
        # index
        svg = _inline_svg(diagram(t, "LR", links=lambda n: f"{first}#{n}" if n in ids else None).svg())
        card = dict(model.card)
        card.setdefault("description", "")
        for k in ("dataset_description", "why", "augment_shift_px", "init", "command", "sha256",
                  "test_accuracy", "optimizer", "lr", "epochs", "batch_size", "seed", "dataset"):
            card.setdefault(k, None)
        html = env.get_template("index.html").render(
            **_common(model, f"LeNet, layer by layer: {model.source}", "", "index.html", nav),
            card=card, total_params=t.total_params, accuracy=acc, n_test=len(test),
            diagram_svg=svg, first_digit=digits[0],
            digits=[{**_digit_context(d, classes), "href": f"digit-{d.slug}.html",
                     "thumb": f"assets/{d.slug}/thumb.png"} for d in digits],
            n_user=len(user), extra_pages=extras)
        _write_text(tmp / "index.html", html)
        tick("index.html")
    return GalleryResult(Path(out) / "index.html", digits, acc, [])


def _pct(v: float) -> str:
    return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v * 100:.1f} %"


def _num(v: float) -> str:
    return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.4f}"
