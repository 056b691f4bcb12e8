"""Matplotlib's colour maps as 256-entry lookup tables, so a per-digit tile needs no matplotlib.

Each table is ``matplotlib.colormaps[name](np.arange(256), bytes=True)[:, :3]`` (matplotlib 3.7),
the bytes matplotlib itself paints with; ``tests/test_colormaps.py`` checks them against the
installed matplotlib. A value ``v`` on the scale ``lo..hi`` takes entry
``floor((v - lo) / (hi - lo) * 256)``, clipped to 0..255, as ``Colormap.__call__`` does.
"""

from __future__ import annotations

import base64
import functools

import numpy as np

_B64 = {
    "viridis": (
        "RAFURAJVRANXRQVYRQZaRQhbRglcRgteRgxfRg5hRw9iRxFjRxJlRxRmRxVnRxZpRxhqSBlrSBpsSBxuSB1vSB5wSCBxSCFy"
        "SCJzSCN0RyV1RyZ2Ryd3Ryh4Ryp5Ryt6Ryx7Ri18Ri98RjB9RjF+RTJ/RTR/RTWARTaBRDeBRDmCQzqDQzuDQzyEQj2EQj6F"
        "QkCFQUGGQUKGQEOHQESHP0WHP0eIPkiIPkmJPUqJPUuJPUyJPE2KPE6KO1CKO1GKOlKLOlOLOVSLOVWLOFaLOFeMN1iMN1mM"
        "NlqMNluMNVyMNV2MNF6NNF+NM2CNM2GNMmKNMmONMWSNMWWNMWaNMGeNMGiNL2mNL2qNLmuOLmyOLm2OLW6OLW+OLHCOLHGO"
        "LHKOK3OOK3SOKnWOKnaOKneOKXiOKXmOKHqOKHqOKHuOJ3yOJ32OJ36OJn+OJoCOJoGOJYKOJYONJISNJIWNJIaNI4eNI4iN"
        "I4mNIomNIoqNIouNIYyNIY2MIY6MII+MIJCMIJGMH5KMH5OLH5SLH5WLH5aLHpeKHpiKHpmKHpmKHpqJHpuJHpyJHp2IHp6I"
        "Hp+IHqCHH6GHH6KGH6OGIKSFIKWFIaaFIaeEIqeEI6iDI6mCJKqCJauBJqyBJ62AKK5/Ka9/KrB+K7F9LLF9LrJ8L7N7MLR6"
        "MrV6M7Z5Nbd4Nrh3OLl2Obl2O7p1Pbt0PrxzQL1yQr5xRL5wRb9vR8BuScFtS8JsTcJrT8NpUcRoU8VnVcZmV8ZlWcdkW8hi"
        "XslhYMlgYspfZMtdZ8xcacxba81Zbc5YcM5Wcs9VdNBUd9BSedFRfNJPftJOgdNMg9NLhtRJiNVHi9VGjdZEkNZDktdBldc/"
        "l9g+mtg8ndk6n9k4oto3pdo1p9szqtsyrdwwr9wust0std0rt90put4nvd4mv98kwt8ixd8hx+AfyuAezeAdz+Ec0uEb1OEa"
        "1+IZ2uIY3OIY3+MY4eMY5OMY5+QZ6eQZ7OQa7uUb8eUc8+Ue9uYf+OYh+uYi/eck"
    ),
    "RdBu_r": (
        "BTBhBjJjBzRmCDZpCThsCjpvCzxyDD51DUB4DkN7D0V+EUeBEkmEE0uHFE2KFU+NFlGQF1STGFaVGViYGlqbHFyeHV6hHmCk"
        "H2KnIGSqIWasI2itJGquJWyvJ22wKG+wKXGxK3OyLHWzLXa0L3i1MHq2MXy3M324NH+5NYG5N4O6OIS7OYa8O4i9PIq+PYu/"
        "P43AQI/BQZHCQ5PDRpTESZbFTJjGT5rHUpzIVZ7JWKDKW6LLXqTMYabNZajOaKrPa6zQbq7RcbDSdLLTd7TVerbWfbjXgLrY"
        "hLzZh77aisDbjcLckMTdk8XelcbfmMjfmsngncrhn8vhos3ipM7jp8/kqdDkq9LlrtPmsNTms9XntdfouNjoutnpvdrqv9zr"
        "wt3rxN7sx9/tyeHtzOLuzuPv0eXw0uXw0+bw1efw1ufx2Ojx2enx2+nx3Ory3uvy3+zy4ezz4u3z5O7z5e7z5+/06PD06vH0"
        "6/H07fL17vP18PP18fT28/X29PX29vb29/b29/X09/Ty9/Pw+PLu+PDs+O/q+O7o+e3n+ezl+evj+erh+enf+ujd+ufb+uXZ"
        "+uTX++PW++LU++HS++DQ/N/O/N7M/N3K/NzI/dvH/NjE/NbB+9S++9K8+9C5+s62+sy0+sqx+ceu+cWr+cOp+MGm+L+j+L2h"
        "97ue97mb97eZ9rSW9rKT9bCQ9a6O9ayL9KqI9KiG9KaD86OA8qB+8Z5875t67ph47ZZ27JN065By6o5w6Itu54hs5oVq5YNo"
        "5IBl4n1j4Xth4Hhf33Vd3nJb3XBZ221X2mpV2WhT2GVR12JP1mBN1F1L01pK0VdJ0FRHzlFGzU9FzExDyklCyUZBx0M/xkA+"
        "xT48wzs7wjg6wDU4vzI3vjA2vC00uyozuScyuCQxtiEvtR8utBwtshkrsBcqrRYqqhUppxQppBMooRIonhEnmxAnmRAnlg8m"
        "kw4mkA0ljQwligskhwokhAkjgQgjfgciewYieAUhdQQhcgMgbwIgbAEfaQAfZwAf"
    ),
    "gray": (
        "AAAAAQEBAgICAwMDBAQEBQUFBgYGBwcHCAgICQkJCgoKCwsLDAwMDQ0NDg4ODw8PEBAQEREREhISExMTFBQUFRUVFhYWFxcX"
        "GBgYGRkZGhoaGxsbHBwcHR0dHh4eHx8fICAgICAgIiIiIyMjJCQkJCQkJiYmJycnKCgoKCgoKioqKysrLCwsLCwsLi4uLy8v"
        "MDAwMDAwMjIyMzMzNDQ0NDQ0NjY2Nzc3ODg4ODg4Ojo6Ozs7PDw8PDw8Pj4+Pz8/QEBAQUFBQUFBQ0NDRERERUVFRkZGR0dH"
        "SEhISUlJSUlJS0tLTExMTU1NTk5OT09PUFBQUVFRUVFRU1NTVFRUVVVVVlZWV1dXWFhYWVlZWVlZW1tbXFxcXV1dXl5eX19f"
        "YGBgYWFhYWFhY2NjZGRkZWVlZmZmZ2dnaGhoaWlpaWlpa2trbGxsbW1tbm5ub29vcHBwcXFxcXFxc3NzdHR0dXV1dnZ2d3d3"
        "eHh4eXl5eXl5e3t7fHx8fX19fn5+f39/gICAgYGBgoKCg4ODg4ODhYWFhoaGh4eHiIiIiYmJioqKi4uLjIyMjY2Njo6Oj4+P"
        "kJCQkZGRkpKSk5OTk5OTlZWVlpaWl5eXmJiYmZmZmpqam5ubnJycnZ2dnp6en5+foKCgoaGhoqKio6Ojo6OjpaWlpqamp6en"
        "qKioqampqqqqq6urrKysra2trq6ur6+vsLCwsbGxsrKys7Ozs7OztbW1tra2t7e3uLi4ubm5urq6u7u7vLy8vb29vr6+v7+/"
        "wMDAwcHBwsLCw8PDw8PDxcXFxsbGx8fHyMjIycnJysrKy8vLzMzMzc3Nzs7Oz8/P0NDQ0dHR0tLS09PT09PT1dXV1tbW19fX"
        "2NjY2dnZ2tra29vb3Nzc3d3d3t7e39/f4ODg4eHh4uLi4+Pj4+Pj5eXl5ubm5+fn6Ojo6enp6urq6+vr7Ozs7e3t7u7u7+/v"
        "8PDw8fHx8vLy8/Pz8/Pz9fX19vb29/f3+Pj4+fn5+vr6+/v7/Pz8/f39/v7+////"
    ),
}
NAMES = tuple(_B64)


@functools.cache
def lut(name: str) -> np.ndarray:
    """The (256, 3) uint8 RGB table of colour map ``name`` (read-only)."""
    table = np.frombuffer(base64.b64decode("".join(_B64[name])), dtype=np.uint8).reshape(256, 3)
    table.flags.writeable = False
    return table


def lut_index(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The table entry of each value on the scale ``lo..hi`` (values outside take the end colours)."""
    v = (np.asarray(values, dtype=np.float64) - lo) / (hi - lo)
    return np.clip(np.floor(np.nan_to_num(v) * 256), 0, 255).astype(np.intp)


def colorize(values: np.ndarray, name: str, lo: float, hi: float) -> np.ndarray:
    """``values`` (any shape) as uint8 RGB (shape + (3,)) through colour map ``name`` on ``lo..hi``."""
    return lut(name)[lut_index(values, lo, hi)]


def hex_colours(values: np.ndarray, name: str, lo: float, hi: float) -> list:
    """Each value's colour as ``#rrggbb``."""
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in colorize(np.ravel(values), name, lo, hi).tolist()]


def inks(values: np.ndarray, name: str, lo: float, hi: float) -> list:
    """For each value, black or white, whichever contrasts more with its colour (WCAG relative
    luminance: the better of the two is always at least 4.5:1)."""
    c = colorize(np.ravel(values), name, lo, hi).astype(float) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    y = lin @ np.array([0.2126, 0.7152, 0.0722])
    return ["#000" if black else "#fff" for black in ((y + 0.05) / 0.05 >= 1.05 / (y + 0.05)).tolist()]


def hex_colour(value: float, name: str, lo: float, hi: float) -> str:
    """One value's colour as ``#rrggbb``."""
    return hex_colours(np.float64(value), name, lo, hi)[0]


def ink(value: float, name: str, lo: float, hi: float) -> str:
    """Black or white for text on one value's colour (see :func:`inks`)."""
    return inks(np.float64(value), name, lo, hi)[0]
