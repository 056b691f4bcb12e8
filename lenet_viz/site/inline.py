"""Inlining ``lenet_viz/web/`` into the scripted pages (draw, training, browse).

Their JavaScript and CSS live in ``web/`` as plain files and are written into each page, allowed
by hash under a Content-Security-Policy; the page templates there are filled in one pass.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources

from ..errors import LenetVizError

#: The policy of a page that holds everything inline (draw, training): its one script by hash,
#: inline styles, ``data:`` images, and no request of any kind.
INLINE_ONLY = ("default-src 'none'; script-src '{script}'; style-src 'unsafe-inline'; img-src data:; "
               "base-uri 'none'; form-action 'none'")


def web(name: str) -> str:
    """The text of ``lenet_viz/web/<name>``."""
    return (resources.files("lenet_viz") / "web" / name).read_text(encoding="utf-8")


def inlined(*names: str) -> str:
    """``web/`` files joined into one text that can sit inside a ``<script>`` or ``<style>``.

    Raises:
        LenetVizError: a file holds ``</script``, ``</style`` or ``<!--``, which would end the element.
    """
    texts = [web(name) for name in names]
    for name, text in zip(names, texts):
        low = text.lower()
        if "</script" in low or "</style" in low or "<!--" in low:
            raise LenetVizError(f"web/{name} contains '</script', '</style' or '<!--', "
                                "which cannot be inlined")
    return "\n".join(texts)


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly this inline script or style: ``sha256-…``."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def fill(template: str, values: dict) -> str:
    """``web/<template>`` with each ``{{name}}`` replaced by ``values[name]``, in one pass (text put
    in for one placeholder is never read as another)."""
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], web(template))
