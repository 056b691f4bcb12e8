"""Writing files so that a reader never sees half of one, and a failure names the file.

Every file lenet-viz writes goes through :func:`atomic_write`: the bytes go to a temporary name in
the target folder, which is then renamed over the target. An ``OSError`` on the way (a full disk, a
read-only folder) becomes an error naming the file — the OS's own "No space left on device" names
none.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from .errors import LenetVizError


def atomic_write(path: str | os.PathLike, content: bytes | str | Callable[[BinaryIO], Any], *,
                 error: type[LenetVizError] = LenetVizError, overwrite: bool = True) -> Path:
    """Write ``content`` to ``path`` through a temporary file and a rename.

    Args:
        path: the file to write; its folder must exist.
        content: bytes, text (UTF-8), or a function that writes into the open binary file.
        error: the :class:`~lenet_viz.errors.LenetVizError` subclass raised on failure.
        overwrite: False refuses to replace an existing file (checked atomically, at the rename).
    Returns:
        the path written.
    Raises:
        ``error``: the file cannot be written (naming it and the OS's reason), or it exists and
        ``overwrite`` is False.
    """
    p = Path(path)
    # Not mkstemp: its 0600 mode would survive the rename and hide gallery files from a web
    # server; a name unique per process and thread is enough to avoid collisions.
    tmp = p.with_name(f".{p.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            if callable(content):
                content(f)
            else:
                f.write(content.encode("utf-8") if isinstance(content, str) else content)
        if overwrite:
            os.replace(tmp, p)
        else:
            os.link(tmp, p)  # fails with EEXIST instead of replacing, even against a racing writer
    except OSError as e:
        if e.errno == errno.EEXIST and not overwrite:
            raise error(f"{p} already exists; not overwriting it") from None
        raise error(f"cannot write {p}: {e.strerror or e}") from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return p
