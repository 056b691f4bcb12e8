"""The static gallery and the single-image pages.

``publish`` (atomic output folders), ``html`` (templates, figure entries, safe names), ``context``
(the page contract: :class:`Page` and :class:`PageContext`), ``pages/`` (one module per page family
and the registry), ``gallery`` (builds every registered page), ``activations`` (one digit's page on its own).
"""

from .activations import write_activations
from .context import Digit, Page, PageContext
from .gallery import GalleryResult, build_gallery
from .publish import check_output

__all__ = ["Digit", "GalleryResult", "Page", "PageContext", "build_gallery", "check_output",
           "write_activations"]
