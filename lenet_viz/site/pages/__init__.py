"""The registry of gallery pages, in build order (the navigation bar lists the overview first).

Adding a page: write ``lenet_viz/site/pages/<name>.py`` with ``PAGE = Page(href, title, build)``
(see :mod:`lenet_viz.site.context`) and add it to :data:`PAGES` below.
"""

from . import (
    browse,
    compare,
    digits,
    draw,
    dynamics,
    index,
    inits,
    kernels,
    mistakes,
    occlusion,
    robustness,
    saturation,
    top,
    training,
)

#: The pages every gallery has: the digits first (the overview links to them), the overview last
#: (it lists what the analysis pages said about themselves).
CORE = (digits.PAGE, browse.PAGE, saturation.PAGE, kernels.PAGE, index.PAGE)
ANALYSES = (mistakes.PAGE, dynamics.PAGE, inits.PAGE, compare.PAGE, top.PAGE, occlusion.PAGE, robustness.PAGE)
#: The draw page comes right after the digits, so the navigation bar lists it first after the overview;
#: the training page (its pad on the shipped checkpoints) next.
PAGES = (CORE[0], draw.PAGE, training.PAGE, *CORE[1:-1], *ANALYSES, CORE[-1])


def pages_for(data: object) -> tuple:
    """The pages that make sense for a gallery of ``data``.

    Training dynamics, the init claim and the model comparison are about digits (the shipped
    mnist-5k models), so only digit galleries show them, and the mnist-5k one also links to the
    chapter's own net (``seed``); other data get the pages computed live on their held-out split.
    """
    from ...data import noun
    from . import chapter

    if noun(data.classes) != "digit":
        return (*CORE[:-1], mistakes.PAGE, top.PAGE, occlusion.PAGE, CORE[-1])
    if data.name == "mnist-5k":
        return (*PAGES[:-1], chapter.PAGE, PAGES[-1])
    return PAGES
