"""Typed, user-facing errors. The CLI prints them as ``Error: …`` without a traceback."""


class LenetVizError(Exception):
    """A problem with the user's input or environment, described in plain words.

    ``exit_code`` follows Click's convention: 1 for bad input, 2 for usage.
    """

    exit_code = 1


class ModelError(LenetVizError):
    """A model name, weights file or model card that cannot be used."""


class DataError(LenetVizError):
    """A dataset that is missing, corrupt or unknown."""


class ImageError(LenetVizError):
    """A user image that cannot be turned into a digit."""


class CaptureError(LenetVizError):
    """A net or an input that the capture cannot handle."""


class RenderError(LenetVizError):
    """A figure or diagram that cannot be produced (e.g. Graphviz missing)."""


def mxnet_message(e: BaseException) -> str:
    """The one informative line of an MXNet error (they carry C++ stack traces)."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "Check failed" in ln or ln.startswith(("MXNetError:", "ValueError", "AssertionError")):
            return ln[:300]
    useful = [ln for ln in lines if not ln.startswith(("Traceback", "File ", "[bt]", "Stack trace"))]
    return (useful[-1] if useful else type(e).__name__)[:300]
