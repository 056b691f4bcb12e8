"""How every timing row is measured: a warm-up, then at least three interleaved rounds, median with min–max.

Interleaving (A B C, B C A, C A B, …) makes drift on a shared machine hit every measure alike and
keeps any one measure from always running first (cold caches) or last (a warm CPU).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

MIN_REPEATS = 3


def interleaved(measures: dict[str, Callable[[], object]], repeats: int = MIN_REPEATS,
                warmup: bool = True) -> dict[str, dict]:
    """Time each callable ``repeats`` times, interleaved and rotated; one untimed warm-up of each first.

    A callable that returns a float returns its own seconds (when only part of its work is the
    measure, e.g. training without the model set-up); otherwise its wall time is taken.
    Returns ``{name: {"median": s, "min": s, "max": s, "runs": [s, …]}}`` in seconds.
    """
    if repeats < MIN_REPEATS:
        raise ValueError(f"repeats must be >= {MIN_REPEATS} (a median of fewer is not one), got {repeats}")
    names = list(measures)
    if warmup:
        for name in names:
            measures[name]()
    runs: dict[str, list] = {name: [] for name in names}
    for i in range(repeats):
        for name in names[i % len(names):] + names[:i % len(names)]:
            t0 = time.perf_counter()
            own = measures[name]()
            runs[name].append(own if isinstance(own, float) else time.perf_counter() - t0)
    return {name: summary(v) for name, v in runs.items()}


def summary(runs: list) -> dict:
    """Median, min and max of a list of timings (seconds)."""
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs), "runs": list(runs)}


def spread(s: dict, unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    """``7.86 s (7.80–8.02)``: the median with the range of the runs."""
    return (f"{s['median'] * scale:.{digits}f} {unit} "
            f"({s['min'] * scale:.{digits}f}–{s['max'] * scale:.{digits}f})")
