"""The figure workers: a digit's figures are drawn in this process and in forked workers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _render_one(trace1: Any, key: str, raw: Any, path: Path) -> Path:
    """Draw one figure of one input and save it (runs in this process or in a worker)."""
    from ..render.figures import save_figure

    if key == "saturation":
        from ..render.histograms import saturation_figure
        from ..stats import layer_stats

        fig = saturation_figure(layer_stats(trace1))
    else:
        from ..render.maps import make_figure

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
