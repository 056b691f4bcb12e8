"""The registry of gallery pages, in build order (the navigation bar lists the overview first).

Adding a page: write ``lenet_viz/site/pages/<name>.py`` with ``PAGE = Page(href, title, build)``
(see :mod:`lenet_viz.site.context`) and add it to :data:`PAGES` below.
"""

from . import compare, digits, draw, dynamics, index, inits, kernels, occlusion, robustness, saturation, top

#: The pages every gallery has: the digits first (the overview links to them), the overview last
#: (it lists what the analysis pages said about themselves).
CORE = (digits.PAGE, saturation.PAGE, kernels.PAGE, index.PAGE)
ANALYSES = (dynamics.PAGE, inits.PAGE, compare.PAGE, top.PAGE, occlusion.PAGE, robustness.PAGE)
#: The draw page comes right after the digits, so the navigation bar lists it first after the overview.
PAGES = (CORE[0], draw.PAGE, *CORE[1:-1], *ANALYSES, CORE[-1])
