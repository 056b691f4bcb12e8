"""The shipped analysis records (``lenet_viz/records/*.json``): reading, canonical writing, and
regenerating them (``lenet-viz records``)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import LenetVizError
from ..fileio import atomic_write

RECORDS = ("dynamics", "init")
#: What ``lenet-viz records`` regenerates: the records, and the training checkpoints (written to
#: ``lenet_viz/weights/checkpoints`` by default, see :mod:`lenet_viz.analyses.checkpoints`).
GENERATED = (*RECORDS, "checkpoints")
REGENERATE = "lenet-viz records"


def records_dir() -> Path:
    """The folder of the shipped records (``lenet_viz/records``)."""
    return Path(str(resources.files("lenet_viz") / "records"))


def load_record(name: str) -> dict:
    """A shipped record by name (``dynamics`` or ``init``).

    Raises:
        LenetVizError: unknown name, missing or unreadable file (naming the regenerating command).
    """
    if name not in RECORDS:
        raise LenetVizError(f"unknown record {name!r}; choose one of {', '.join(RECORDS)}")
    path = records_dir() / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise LenetVizError(f"record {path} cannot be read ({e}); regenerate it with "
                            f"{REGENERATE} --only {name}") from None


def dump_record(record: dict) -> str:
    """The canonical text of a record: sorted keys, compact rows, newline at the end."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"


def epoch_numbers(entry: dict) -> tuple:
    """An epoch of a run's history without its histograms (a full run keeps them at some epochs
    only): what two runs of one seed and recipe share, epoch for epoch."""
    return (entry["epoch"], entry["test_acc"], entry["grad_rms"],
            {n: {k: v for k, v in st.items() if k not in ("hist", "hist_range")}
             for n, st in entry["layers"].items()})


def write_record(record: dict, path: str | os.PathLike) -> Path:
    """Write a record atomically in its canonical form."""
    return atomic_write(path, dump_record(record))


def write_records(out: Path | None = None, only: tuple = GENERATED, seed: int = 0,
                  dynamics_epochs: int | None = None, init_epochs: int | None = None,
                  note: Callable[[str], Any] | None = None) -> list:
    """Train and write the records ``only`` into ``out`` (default: the shipped folder).

    Deterministic for a seed: the defaults reproduce the shipped records byte for byte (~2.5 min).

    Returns:
        the paths written.
    """
    from ..data import load_dataset
    from ..snapshots import checkpoints_dir
    from .checkpoints import write_checkpoints
    from .dynamics import DYNAMICS_EPOCHS, dynamics_record
    from .inits import INIT_EPOCHS, compare_init

    note = note or (lambda text: None)
    data = load_dataset("mnist-5k")
    paths = []
    for name in only:
        t0 = time.perf_counter()
        if name == "checkpoints":
            paths += write_checkpoints(Path(out) if out is not None else checkpoints_dir(), data=data,
                                       note=note, seed=seed)
            note(f"checkpoints in {time.perf_counter() - t0:.1f} s")
            continue
        folder = Path(out) if out is not None else records_dir()
        folder.mkdir(parents=True, exist_ok=True)
        if name == "dynamics":
            rec = dynamics_record(dynamics_epochs or DYNAMICS_EPOCHS, seed, data=data)
        else:
            rec = compare_init(epochs=init_epochs or INIT_EPOCHS, seed=seed, data=data,
                               progress=lambda i, s: note(f"  init {i}: {s:.1f} s"))
        path = write_record(rec, folder / f"{name}.json")
        note(f"wrote {path} ({path.stat().st_size:,} bytes) in {time.perf_counter() - t0:.1f} s")
        paths.append(path)
    return paths
