"""lenet-viz: see inside LeNet-5, layer by layer.

Public API (imported lazily, so ``import lenet_viz`` stays instant and pulls in neither MXNet nor d2l)::

    from lenet_viz import load_model, load_digit, trace
    model = load_model("lenet5")
    t = trace(model, load_digit("digit.png"))

    # from a d2l notebook: the in-memory LeNet the chapter trained
    lenet_viz.show(model, x, dataset="fashion-mnist")
    lenet_viz.gallery(model, out="gallery", dataset="fashion-mnist")   # -> Path of index.html
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_model": "lenet_viz.model",
    "save_model": "lenet_viz.model",
    "build_net": "lenet_viz.model",
    "lenet_classifier": "lenet_viz.model",
    "gallery": "lenet_viz.notebook",
    "show": "lenet_viz.notebook",
    "load_dataset": "lenet_viz.data",
    "load_digit": "lenet_viz.images",
    "load_digit_info": "lenet_viz.images",
    "from_array": "lenet_viz.images",
    "diagram": "lenet_viz.render.diagram",
    "layer_stats": "lenet_viz.stats",
    "dataset_stats": "lenet_viz.stats",
    "trace": "lenet_viz.capture",
    "Trace": "lenet_viz.tracedata",
    "LayerRecord": "lenet_viz.tracedata",
    "LenetVizError": "lenet_viz.errors",
    "draw_pad": "lenet_viz.site.draw",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lenet_viz' has no attribute {name!r}")
