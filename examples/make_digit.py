"""Draw ``examples/digit.png``: a hand-drawn-looking "3", black ink on a white 200×200 canvas.

It stands in for what a user would draw in a paint program or photograph from paper: thick round-ended
strokes, slightly wobbly, off-centre and a little tilted. Deterministic (fixed seed), so re-running the
script reproduces the committed file byte for byte.

    python examples/make_digit.py [OUT.png]
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 200
SEED = 3
STROKE = 15  # px, like a thick marker on a 200 px canvas (MNIST strokes are ~2-3 px of 20)


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int) -> list:
    """Points along an elliptical arc, angles in degrees (0 = right, 90 = down)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in (start + (end - start) * i / (n - 1) for i in range(n))]


def _stroke(draw: ImageDraw.ImageDraw, pts: list, rng: random.Random) -> None:
    """A pen stroke: jittered points, segments of slightly varying width, round joints and ends."""
    pts = [(x + rng.gauss(0, 0.8), y + rng.gauss(0, 0.8)) for x, y in pts]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        w = STROKE + rng.uniform(-1.5, 1.5)
        draw.line([(x0, y0), (x1, y1)], fill=0, width=round(w))
        draw.ellipse([x1 - w / 2, y1 - w / 2, x1 + w / 2, y1 + w / 2], fill=0)
    x, y = pts[0]
    draw.ellipse([x - STROKE / 2, y - STROKE / 2, x + STROKE / 2, y + STROKE / 2], fill=0)


def make_digit() -> Image.Image:
    """The example drawing as a mode-L image."""
    rng = random.Random(SEED)
    img = Image.new("L", (SIZE, SIZE), 255)
    draw = ImageDraw.Draw(img)
    # Upper bowl: from the top left round to the waist; lower bowl: a bigger one down to the bottom left.
    upper = _arc(104, 62, 34, 30, -160, 95, 28)
    lower = _arc(100, 125, 42, 37, -95, 150, 32)
    _stroke(draw, upper + lower[1:], rng)
    # A hand-drawn digit is rarely upright; the canvas stays white where the rotation uncovers it.
    return img.rotate(-6, resample=Image.Resampling.BICUBIC, fillcolor=255, center=(100, 100))


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("digit.png")
    make_digit().save(out, optimize=True)


if __name__ == "__main__":
    main(sys.argv)
