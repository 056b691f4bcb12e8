"""The draw page: a pad where a digit is drawn, the shipped nets running on it in plain JavaScript,
and every layer redrawn on each stroke — one self-contained HTML file that works from ``file://``.

The build reads each model's weights from its ``.params`` (through :func:`~lenet_viz.model.load_model`,
which checks the sha256 its card holds), writes them into the page as base64 float32 beside that
sha256, and writes a small layer spec (names, kinds, settings, colour scales, receptive fields) taken
from a capture of the net, so the page uses the same layer names and scales as the static figures.
The JavaScript lives in ``lenet_viz/web/*.js`` and is inlined; a Content-Security-Policy allows that
one script (by hash) and forbids every request. The same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LenetVizError
from ..facts import BOUNDED, HIGH, LOW
from ..model import DIGIT_MODELS
from .inline import INLINE_ONLY, csp_hash, fill, inlined

#: The page's scripts, in load order: the pure cores first, the DOM code that uses them last.
SCRIPTS = ("nn.js", "preprocess.js", "arith.js", "canvas.js", "pad.js", "draw.js")
#: Shown by default: the three shipped digit models.
MODELS = DIGIT_MODELS
#: Colour maps of the static figures (lenet_viz.render.maps), as 256-entry lookup tables.
_CMAPS = ("viridis", "RdBu_r", "gray")


@dataclass(frozen=True)
class HeldOut:
    """A held-out digit offered by a "load" button: its id (index in the split), label and pixels."""

    ident: str
    label: int
    pixels: np.ndarray  # (28, 28) float32 in [0, 1]


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def model_spec(model: Any) -> tuple[dict, np.ndarray]:
    """The layer spec the page's ``nn.forward`` runs, and all weights as one float32 array.

    Args:
        model: a loaded :class:`~lenet_viz.model.Model`.
    Returns:
        ``(spec, weights)``: ``spec["layers"]`` lists every traced layer (name, kind, activation,
        settings, output shape, receptive field, colour scale, and ``params`` → ``{offset, shape}``
        into ``weights``); ``weights`` holds the parameters exactly as MXNet holds them.
    """
    from ..capture import leaves, trace
    from ..render.keys import figure_keys
    from ..render.scales import source as _source

    t = trace(model, np.zeros((1, 1, 28, 28), np.float32))
    blocks = leaves(model.net)
    chunks, offset, layers = [], 0, []
    start, jump = 0, 1  # where unit 0's receptive field starts on the input, and the step between units
    for rec, block in zip(t.layers, blocks):
        entry: dict = {"name": rec.name, "kind": rec.kind, "activation": rec.activation,
                       "describe": rec.describe(), "shape": list(rec.output_shape[1:]), **rec.config}
        if rec.kind == "bn":
            entry["eps"] = float(block._kwargs.get("eps", 1e-5))
        params = {}
        for key, p in block._reg_params.items():
            value = p.data().asnumpy().astype(np.float32)
            if key == "gamma" and rec.kind == "bn" and block._kwargs.get("fix_gamma"):
                value = np.ones_like(value)  # MXNet ignores gamma then
            params[key] = {"offset": offset, "shape": list(value.shape)}
            chunks.append(value.ravel())
            offset += value.size
        entry["params"] = params
        if rec.kind in ("conv", "pool"):
            start -= rec.config.get("padding", 0) * jump
        entry["rf"], entry["rf_start"], entry["rf_jump"] = rec.rf, start, rec.rf_jump
        jump = rec.rf_jump
        act, what = _source(t, rec)
        entry["scale"] = {"fixed": list(BOUNDED[act]) if act in BOUNDED else None, "what": what}
        layers.append(entry)
    weights = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return {"layers": layers, "figures": figure_keys(t)}, weights


def _model_entry(model: Any, name: str) -> dict:
    spec, weights = model_spec(model)
    card = model.card
    acc = card.get("test_accuracy")
    return {"name": name, "variant": model.variant, "sha256": card.get("sha256", ""),
            "params_file": card.get("params_file", f"{name}.params"), "n_params": model.n_params,
            "accuracy": None if acc is None else float(acc),
            "spec": spec, "weights": _b64(weights.astype("<f4"))}


def _luts() -> dict:
    from matplotlib import colormaps

    out = {}
    for name in _CMAPS:
        rgba = colormaps[name](np.linspace(0.0, 1.0, 256))
        out[name] = _b64(np.round(rgba[:, :3] * 255).astype(np.uint8))
    return out


def held_out(data: Any = None, per_class: int = 1) -> list[HeldOut]:
    """The first ``per_class`` held-out digits of each class (the gallery's choice), as HeldOut."""
    if data is None:
        from ..data import load_dataset

        data = load_dataset("mnist-5k")
    y = np.asarray(data.test.y)
    out = []
    for c in range(10):
        for i in np.flatnonzero(y == c)[:per_class]:
            out.append(HeldOut(f"held-out #{int(i)}", int(c), np.asarray(data.test.x[i]).reshape(28, 28)))
    return out


def digit_entries(digits: list) -> list:
    """The load buttons' digits as the page's data: id, label and 28x28 pixels as base64 bytes."""
    return [{"id": d.ident, "label": d.label,
             "pixels": _b64(np.round(np.asarray(d.pixels) * 255).astype(np.uint8))} for d in digits]


def _json_script(obj: Any) -> str:
    # Inside <script type="application/json"> nothing may close the element or open a comment.
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def page_html(models: list, digits: list | None = None, *, gallery: bool = False,
              title: str = "Draw a digit, watch every layer", digits_note: str = "") -> str:
    """The draw page as one HTML string (scripts, styles, weights and digits inline).

    Args:
        models: ``[(name, Model), …]``, the first shown first.
        digits: held-out digits for the load buttons (:class:`HeldOut`); none by default.
        gallery: the page sits in a gallery (links back to its pages) rather than standing alone.
        title: the page title.
        digits_note: what the load buttons offer (HTML); by default, how many digits.
    Returns:
        the page; the same arguments give the same text.
    Raises:
        LenetVizError: no model given, or two with the same name.
    """
    if not models:
        raise LenetVizError("the draw page needs at least one model")
    names = [n for n, _ in models]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise LenetVizError(f"models listed twice: {', '.join(twice)}")
    data = {"models": [_model_entry(m, n) for n, m in models], "luts": _luts(),
            "thresholds": {"low": LOW, "high": HIGH},
            "digits": digit_entries(digits or [])}
    script = inlined(*SCRIPTS)
    csp = INLINE_ONLY.format(script=csp_hash(script))
    static = ('<a href="index.html">the static pages of this gallery</a>' if gallery else
              "the static pages that <code>lenet-viz gallery</code> builds")
    shas = "".join(f"<li><code>{html.escape(m['name'])}</code>: {html.escape(m['params_file'])} sha256 "
                   f"<code>{html.escape(m['sha256'])}</code></li>" for m in data["models"])
    values = {"csp": html.escape(csp), "title": html.escape(title), "style": inlined("draw.css"),
              "static": static, "shas": shas, "data": _json_script(data), "script": script,
              "back": '<a href="index.html">Gallery overview</a>' if gallery else "",
              "digits_note": digits_note or f"{len(digits or []):,} held-out digits."}
    return fill("draw.html", values)


def build_page(model_names: tuple | list = MODELS, digits: list | None = None, *,
               gallery: bool = False) -> str:
    """Load the named models (shipped names or ``.params`` paths) and return :func:`page_html`.

    Raises:
        ModelError: a model that cannot be loaded; LenetVizError: a name given twice.
    """
    from ..model import load_model

    models = []
    for name in model_names:
        model = load_model(name)
        models.append((_label(model), model))
    return page_html(models, digits, gallery=gallery)


def _label(model: Any) -> str:
    """The name a loaded model goes by on the page: its shipped name, or its file's stem."""
    source = str(getattr(model, "source", "") or getattr(model, "variant", "") or "model")
    name = Path(source).name.removesuffix(".params")
    return name if source == name or name not in MODELS else f"{name} (yours)"


def gallery_page(ctx: Any) -> tuple[str, int, list]:
    """The gallery's draw page: ``(html, held-out digits offered, model names)``.

    The gallery's model comes first, then the other shipped ones; the load buttons offer the
    held-out digits the overview lists (a ``--digits all`` gallery: one per class, not 1,000 copies
    of 784 pixels in one page).
    """
    from ..model import load_model
    from .pages import browse
    from .pages.index import listed_digits

    model = ctx.model
    models = [(_label(model), model)] + [(n, load_model(n)) for n in MODELS if n != _label(model)]
    digits = [HeldOut(d.name, int(d.truth), np.asarray(d.x).reshape(28, 28))
              for d in listed_digits(ctx) if d.truth is not None]
    held = sum(d.truth is not None for d in ctx.digits)
    note = (f"{len(digits):,} of this gallery's {held:,} held-out digits: the ones its overview lists "
            f'(<a href="{browse.PAGE.href}">Browse</a> has every one).' if len(digits) < held
            else f"{len(digits):,} held-out digits.")
    return page_html(models, digits, gallery=True, digits_note=note), len(digits), [n for n, _ in models]


class DrawPad:
    """The draw page shown inline in Jupyter (an isolated iframe; its CSP still forbids requests)."""

    def __init__(self, page: str, height: int = 900) -> None:
        self.page = page
        self.height = height

    def _repr_html_(self) -> str:
        return (f'<iframe title="lenet-viz draw pad" sandbox="allow-scripts" style="width:100%;'
                f'height:{self.height}px;border:0" srcdoc="{html.escape(self.page, quote=True)}"></iframe>')


def draw_pad(model: Any = "lenet5", height: int = 900) -> DrawPad:
    """The draw pad for Jupyter: ``lenet_viz.draw_pad("modern")`` as the last line of a cell.

    Args:
        model: a shipped name, a ``.params`` path, a loaded Model, or a list of these.
        height: iframe height in pixels.
    Returns:
        a :class:`DrawPad`, shown by Jupyter through ``_repr_html_``.
    Raises:
        ModelError: a model that cannot be loaded.
    """
    items = model if isinstance(model, (list, tuple)) else [model]
    loaded = []
    for item in items:
        if isinstance(item, (str, os.PathLike)):
            from ..model import load_model

            item = load_model(item)
        loaded.append((_label(item), item))
    return DrawPad(page_html(loaded, held_out()), height)
