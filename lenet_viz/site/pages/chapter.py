"""The chapter's own net: a sub-gallery of the shipped ``seed`` model, linked from the default gallery.

``seed`` is d2l's LeNet trained as the chapter trains it (Fashion-MNIST, SGD lr 0.1, batch 128,
10 epochs, Xavier). Its sub-gallery is an ordinary gallery of the core pages built into ``seed/``:
the model card (with the d2l.Trainer comparison), saturation per layer over the 10,000 test images
(streamed), the kernels, and one page per class with every layer's feature maps.
"""

from __future__ import annotations

from ..context import Page, PageContext

SUBDIR = "seed"


def build(ctx: PageContext) -> str:
    from ...data import load_dataset
    from ...model import load_model
    from ..gallery import build_gallery
    from . import CORE

    model = load_model("seed")
    data = load_dataset(model.card["dataset"])
    result = build_gallery(ctx.out / SUBDIR, model, data, [], pages=CORE,
                           up={"href": "../index.html", "title": "Back to the main gallery"})
    card = model.card
    return (f"d2l's LeNet trained as the chapter trains it ({card['optimizer'].upper()} lr {card['lr']:g}, "
            f"batch {card['batch_size']}, {card['epochs']} epochs, {card['init'].capitalize()}) on "
            f"{data.name}: {result.accuracy * 100:.2f} % of its {len(data.test):,} test images, its "
            f"saturation per layer and one image per class")


PAGE = Page(f"{SUBDIR}/index.html", "The chapter's own net", build, listed=True)
