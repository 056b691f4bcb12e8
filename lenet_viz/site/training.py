"""The training page: two training runs side by side on one digit (drawn, or held out), an epoch
slider that swaps in each run's checkpoint and redraws every layer in plain JavaScript.

Weights come from the shipped checkpoints (:mod:`lenet_viz.snapshots`) through
:func:`~lenet_viz.model.load_model`, which checks their sha256; float16 checkpoints are written into
the page as float16 (the same values MXNet computes with once widened), the float32 one (``lenet5``'s
last epoch, the shipped file) as float32. Marks on the slider and every number in the prose come from
the run cards. Like the draw page: one file, scripts inlined under a CSP that forbids requests.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ..errors import LenetVizError
from ..facts import HIGH, LOW
from .draw import _b64, _json_script, _luts, digit_entries, model_spec
from .inline import INLINE_ONLY, csp_hash, fill, inlined

SCRIPTS = ("nn.js", "preprocess.js", "checkpoints.js", "canvas.js", "pad.js", "training.js")
#: How close the page's forward pass is to MXNet's on the same checkpoint (tests/test_training_browser.py).
JS_BOUND = 1e-5
#: The pairs the page compares: (left run, right run, what the pair shows).
PAIRS = (("seed-xavier", "seed-default", "Xavier vs default init (seed recipe)"),
         ("seed-xavier", "lenet5", "seed recipe vs lenet5 recipe"))


def _spec_order(spec: dict) -> list:
    """The shapes of a spec's parameters in the order of its flat weights."""
    params = sorted((p["offset"], p["shape"]) for layer in spec["layers"] for p in layer["params"].values())
    return [list(shape) for _, shape in params]


def run_entry(name: str, spec: dict) -> dict:
    """One run for the page: checkpoints with their weights as stored (float16 from the run's npz,
    its sha256 checked; float32 of a shipped model's file), marks, recipe.

    Raises:
        ModelError: a damaged npz, or a run whose parameters are not in the spec's order.
    """
    from ..errors import ModelError
    from ..model import load_model
    from ..snapshots import checkpoint_id, checkpoints_dir, npz_arrays, read_run_card

    card = read_run_card(name)
    if [list(shape) for _, shape in card["params"]] != _spec_order(spec):
        raise ModelError(f"run {name}: its parameters are not in the order of the page's layer spec")
    arrays = npz_arrays(checkpoints_dir() / card["npz"]["file"], card["npz"]["sha256"])
    checkpoints = []
    for ck in card["checkpoints"]:
        if "model" in ck:
            model = load_model(ck["model"])
            dtype, blob, sha, file = "f4", _b64(model_spec(model)[1].astype("<f4")), \
                model.card["sha256"], model.card["params_file"]
        else:
            dtype, blob = "f2", _b64(np.asarray(arrays[ck["key"]]).astype("<f2"))
            sha, file = card["npz"]["sha256"], f"{card['npz']['file']}:{ck['key']}"
        checkpoints.append({"id": checkpoint_id(name, ck["epoch"]), "epoch": ck["epoch"],
                            "accuracy": ck["test_accuracy"], "saturated": ck["saturated"], "dtype": dtype,
                            "weights": blob, "sha256": sha, "file": file})
    recipe = f"{card['epochs']} epochs on {card['train_images']:,} digits, seed {card['seed']}"
    return {"name": name, "about": card["about"], "recipe": recipe, "checkpoints": checkpoints,
            "marks": card["marks"], "epochs": card["epochs"]}


def fp16_sentence(cards: list) -> str:
    """What float16 storage does to the activations, in words, from the run cards."""
    halves = [c for card in cards for c in card["checkpoints"] if c["dtype"] == "float16"]
    worst = max(c["fp16_effect"] for c in halves)
    shipped = [f"{card['run']}@{card['epochs']} is {card['shipped']['model']}.params itself (float32; the "
               f"replay ended on its sha256 {card['shipped']['sha256'][:12]}…)"
               for card in cards if card.get("shipped") and card["shipped"]["equal"]]
    bound = f"{JS_BOUND:.0e}".replace("e-0", "e-")
    return (f"{len(halves)} checkpoints are stored as float16. Measured on the {cards[0]['test_images']:,} "
            f"held-out digits, float16 moves every activation of every layer by at most {worst:.1e} "
            f"relative (|fp16 − fp32| / (1 + |fp32|)); the page computes on those float16 weights as "
            f"MXNet does (checked in Chromium: within {bound} relative). " + "; ".join(shipped)
            + ("." if shipped else ""))


def page_data(digits: list) -> tuple[dict, list]:
    """The page's JSON data and the run cards behind it."""
    from ..model import load_model
    from ..snapshots import RUNS, read_run_card

    spec = model_spec(load_model("lenet5"))[0]  # every run is the lenet5 architecture
    runs = [run_entry(name, spec) for name in RUNS]
    data = {"runs": runs, "spec": spec, "luts": _luts(), "thresholds": {"low": LOW, "high": HIGH},
            "pairs": [{"left": a, "right": b, "label": text} for a, b, text in PAIRS],
            "digits": digit_entries(digits)}
    return data, [read_run_card(n) for n in RUNS]


def page_html(digits: list, *, gallery: bool = False) -> str:
    """The training page as one HTML string; the same checkpoints and digits give the same text.

    Args:
        digits: held-out digits (:class:`~lenet_viz.site.draw.HeldOut`) for the load buttons; the
            first is shown when the page opens.
        gallery: the page sits in a gallery (links back to its pages).
    Raises:
        LenetVizError: no digit given; ModelError: a checkpoint that cannot be loaded.
    """
    if not digits:
        raise LenetVizError("the training page needs at least one held-out digit")
    data, cards = page_data(digits)
    script = inlined(*SCRIPTS)
    csp = INLINE_ONLY.format(script=csp_hash(script))
    shas = "".join(f"<li><code>{html.escape(c['run'])}</code>: {html.escape(c['npz']['file'])} sha256 "
                   f"<code>{html.escape(c['npz']['sha256'])}</code> — {html.escape(c['command'])}</li>"
                   for c in cards)
    values = {"csp": html.escape(csp), "title": "Training, replayed on your digit",
              "style": inlined("draw.css") + inlined("training.css"),
              "fp16": html.escape(fp16_sentence(cards)),
              "shas": shas, "data": _json_script(data), "script": script,
              "back": '<a href="index.html">Gallery overview</a>' if gallery else ""}
    return fill("training.html", values)


def gallery_page(ctx: Any) -> tuple[str, int]:
    """The gallery's training page: ``(html, held-out digits offered)`` (the gallery's held-out digits)."""
    from .draw import HeldOut, held_out

    digits = [HeldOut(d.name, int(d.truth), np.asarray(d.x).reshape(28, 28))
              for d in ctx.digits if d.truth is not None] or held_out(ctx.data)
    return page_html(digits, gallery=True), len(digits)
