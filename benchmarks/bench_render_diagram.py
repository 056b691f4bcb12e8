"""How long the architecture diagram takes: building the DOT text, and drawing it with `dot`.

Run: ``.venv/bin/python benchmarks/bench_render_diagram.py [repeats]``. Building the Digraph is pure
Python and should stay well under a millisecond per layer; the `dot` subprocess dominates the
svg/png timings (the gallery draws one diagram per page, so this bounds its diagram cost).

The digit pages' pyramid (the diagram drawn with each input's maps) runs `dot` once per layout per
gallery (``Pyramids(trace)``, beside the plain pair it replaces on those pages) and then only puts
one input's pictures into the two SVGs per page: the last lines time both.
"""

from __future__ import annotations

import shutil
import sys
import time

import numpy as np


def _best(fn, repeats: int) -> float:
    """Best wall time of ``repeats`` calls, in milliseconds (best, not mean: less scheduler noise)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def main(repeats: int = 20) -> None:
    from lenet_viz._mx import seed_all
    from lenet_viz.capture import trace
    from lenet_viz.model import VARIANTS, Model, build_net
    from lenet_viz.render.diagram import diagram

    has_dot = shutil.which("dot") is not None
    print(f"{'variant':<8}{'layout':<8}{'nodes':>6}{'build ms':>10}{'svg ms':>9}{'png ms':>9}")
    for v in VARIANTS:
        seed_all(0)
        t = trace(Model(net=build_net(v), variant=v, source=v), np.zeros((1, 1, 28, 28), "float32"))
        for layout in ("LR", "TB"):
            d = diagram(t, layout)
            build = _best(lambda: diagram(t, layout).source, repeats)  # noqa: B023 (called at once)
            svg = _best(lambda: d.pipe("svg"), max(1, repeats // 4)) if has_dot else float("nan")  # noqa: B023
            png = _best(lambda: d.pipe("png"), max(1, repeats // 4)) if has_dot else float("nan")  # noqa: B023
            print(f"{v:<8}{layout:<8}{len(d.names):>6}{build:>10.2f}{svg:>9.1f}{png:>9.1f}")
    if has_dot:
        pyramid_rows(repeats)


def pyramid_rows(repeats: int) -> None:
    """The digit page's diagram pair: the plain one, the pyramid's layout, and its per-page cost."""
    from lenet_viz.capture import trace
    from lenet_viz.data import mnist5k
    from lenet_viz.model import load_model
    from lenet_viz.site.pages.digits import Pyramids, diagram_svg

    t = trace(load_model("lenet5"), mnist5k().test.x[:11].astype("float32"))
    n = max(3, repeats // 4)
    plain = _best(lambda: diagram_svg(t), n)
    layout = _best(lambda: Pyramids(t), n)
    pyr = Pyramids(t)
    page = _best(lambda: pyr(t, 3), repeats)
    print(f"digit-page diagram pair (wrap + TB), lenet5: plain {plain:.1f} ms; pyramid layout once per "
          f"gallery {layout:.1f} ms ({layout / plain:.2f}x plain); pyramid per page {page:.2f} ms "
          f"({page / plain:.2f}x plain), {len(pyr(t, 3)) / 1024:.0f} KiB of SVG a page")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
