"""Number formatting for tables, page prose and the terminal: one place, one mark for "no value"."""

from __future__ import annotations

import math
from typing import Any

MISSING = "—"


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def pct(v: Any, digits: int = 1, missing: str = MISSING, sep: str = " ") -> str:
    """``0.174`` → ``"17.4 %"``; None/NaN → ``missing``. ``sep=""`` gives the terminal's ``17.4%``."""
    return missing if _missing(v) else f"{v * 100:.{digits}f}{sep}%"


def num(v: Any, digits: int = 3, missing: str = MISSING) -> str:
    """A fixed-point number; None/NaN → ``missing``."""
    return missing if _missing(v) else f"{v:.{digits}f}"


def sci(v: Any, missing: str = MISSING) -> str:
    """``1.2e-04``; None/NaN → ``missing``."""
    return missing if _missing(v) else f"{v:.1e}"


def and_list(items: list) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def rounded(v: Any, digits: int = 6) -> Any:
    """A JSON-ready number: rounded float, None/NaN → None."""
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else round(v, digits)
