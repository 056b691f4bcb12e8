"""Training checkpoints shipped in the package, addressed as ``<run>@<epoch>`` (e.g. ``seed-xavier@44``).

A run is one training recipe replayed by ``lenet-viz records --only checkpoints``; its weights at
chosen epochs live in ``lenet_viz/weights/checkpoints/<run>.npz`` (one flat float16 vector per epoch,
key ``epoch_<n>``, parameters in ``save_parameters`` order) beside ``<run>.json``, the run card:
recipe, parameter names and shapes, the npz's sha256, and one card per checkpoint (epoch, held-out
accuracy and per-layer saturation then). A checkpoint whose weights are a shipped model's (the
``lenet5`` run's last epoch is ``lenet5.params`` itself) names that model instead of an npz key.
"""

from __future__ import annotations

import json
import re
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

#: The shipped runs, in the order the training page offers them.
RUNS = ("seed-xavier", "seed-default", "lenet5")
SEP = "@"
_ID = re.compile(r"^([A-Za-z0-9_.-]+)@([^/\\@]*)$")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same arrays give the same bytes


def checkpoints_dir() -> Path:
    """The folder of the shipped checkpoints (``lenet_viz/weights/checkpoints``)."""
    return Path(str(resources.files("lenet_viz") / "weights" / "checkpoints"))


def checkpoint_id(run: str, epoch: int) -> str:
    """The id of a run's checkpoint: ``<run>@<epoch>``."""
    return f"{run}{SEP}{int(epoch)}"


def parse_id(text: str) -> tuple[str, str] | None:
    """``(run, epoch text)`` if ``text`` has the shape of a checkpoint id (not a path), else None."""
    s = str(text)
    if s.endswith((".params", ".json", ".npz")):
        return None
    m = _ID.match(s)
    return (m.group(1), m.group(2)) if m else None


def read_run_card(run: str, folder: Path | None = None) -> dict:
    """The card of a shipped run; ModelError naming the valid runs or the unreadable file."""
    if run not in RUNS:
        raise ModelError(f"unknown checkpoint run {run!r}; the shipped runs are {', '.join(RUNS)} "
                         f"(ids look like {checkpoint_id(RUNS[0], 0)})")
    path = (folder or checkpoints_dir()) / f"{run}.json"
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"checkpoint card {path} cannot be read ({e}); regenerate it with "
                         f"lenet-viz records --only checkpoints") from None
    if not isinstance(card, dict) or not isinstance(card.get("checkpoints"), list):
        raise ModelError(f"checkpoint card {path} holds no 'checkpoints' list; regenerate it with "
                         f"lenet-viz records --only checkpoints")
    return card


def epochs_of(card: dict) -> list[int]:
    """The epochs a run card has checkpoints for, in order."""
    return [int(c["epoch"]) for c in card["checkpoints"]]


def find(run: str, epoch_text: str, folder: Path | None = None) -> tuple[dict, dict]:
    """The run card and the card of checkpoint ``run@epoch_text``.

    Raises:
        ModelError: unknown run, or an epoch that has no checkpoint (naming the valid ones).
    """
    card = read_run_card(run, folder)
    epochs = epochs_of(card)
    valid = ", ".join(str(e) for e in epochs)
    try:
        epoch = int(epoch_text)
    except ValueError:
        raise ModelError(f"checkpoint {run}{SEP}{epoch_text}: the epoch must be a whole number; "
                         f"{run} has checkpoints at epochs {valid}") from None
    if epoch not in epochs:
        raise ModelError(f"run {run!r} has no checkpoint at epoch {epoch}; choose one of {valid} "
                         f"(e.g. {checkpoint_id(run, epochs[-1])})")
    return card, card["checkpoints"][epochs.index(epoch)]


def npz_arrays(path: Path, sha256: str) -> Any:
    """The arrays of a run's npz after checking its sha256 (ModelError if damaged)."""
    from .model import sha256_of

    try:
        digest = sha256_of(path)
    except OSError as e:
        raise ModelError(f"cannot read checkpoints {path}: {e.strerror or e}") from None
    if digest != sha256:
        raise ModelError(f"checkpoints {path} do not match their card (sha256 differs): the file is "
                         f"damaged; regenerate it with lenet-viz records --only checkpoints")
    return np.load(path, allow_pickle=False)


def unflatten(flat: np.ndarray, params: list) -> dict:
    """``{name: float32 array}`` from one flat vector and the card's ``[[name, shape], …]``."""
    out, at = {}, 0
    for name, shape in params:
        n = int(np.prod(shape))
        out[name] = flat[at:at + n].astype(np.float32).reshape(shape)
        at += n
    if at != flat.size:
        raise ModelError(f"a checkpoint holds {flat.size} values, its card's parameters {at}")
    return out


def write_npz(file: Any, arrays: dict) -> None:
    """Write ``arrays`` to a path or binary file as a deflated ``.npz`` whose bytes depend on the
    arrays only (numpy's own savez stamps the current time into the zip)."""
    with zipfile.ZipFile(file, "w") as z:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with z.open(info, "w") as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arrays[key]), allow_pickle=False)
