"""Atomic publishing of an output folder.

A folder is built in a temporary ``.<name>.building-*`` folder beside the target and swapped in
under a lock, so an interrupted or failed run leaves the previous folder intact and two concurrent
runs end with one complete folder. Only folders this tool made (they hold a ``.lenet-viz`` marker)
are ever replaced, with one exception: a folder holding nothing but a ``README.md`` (the repo's
``gallery/`` says what it receives) may be built into, and a ``README.md`` found in the folder
being replaced is carried over into the new one. A build holds an ``flock`` on its marker while it
runs: a building folder whose marker nobody holds was left by a killed build, and the next build
removes it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LenetVizError

MARKER = ".lenet-viz"
#: The one file a build keeps from the folder it replaces (a regular file, not a link or folder).
KEPT = "README.md"
#: A building folder without a marker may be a build that has just started; older ones are stale.
_UNMARKED_GRACE_S = 600


def check_output(out: Path) -> Path:
    """Validate an output folder before any work: its parent exists and is writable, and it is
    either absent, empty, or a folder this tool made."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise LenetVizError(f"output {out} is a file; give a folder name (it is created if missing)")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise LenetVizError(f"output folder's parent {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise LenetVizError(f"cannot write in {parent} (permission denied); choose another --output")
    if out.is_dir() and _foreign(out):
        raise LenetVizError(f"output folder {out} is not empty and was not made by lenet-viz; refusing "
                            f"to replace it: choose a new or empty folder (a lone {KEPT} is kept)")
    return out


def _kept(path: Path) -> bool:
    """Whether ``path`` is the README a build carries over: a regular file, not a link."""
    return path.name == KEPT and path.is_file() and not path.is_symlink()


def _foreign(out: Path) -> bool:
    """A folder lenet-viz must not replace: no marker, and something in it besides a kept README."""
    return not (out / MARKER).exists() and any(not _kept(p) for p in out.iterdir())


@contextmanager
def publish(out: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success swap it in for ``out``.

    On any exception the temporary folder is removed and ``out`` is untouched. Building folders
    left beside ``out`` by killed builds are removed first.
    """
    out = check_output(Path(out))
    parent = out.resolve().parent
    remove_stale(parent, out.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=parent))
    marker = None
    try:
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would hide the gallery from a web server
        marker = _hold_marker(tmp)
        try:
            yield tmp
        except (OSError, LenetVizError):
            _check_build_folder(tmp, out)  # "removed during the build" says more than ENOENT
            raise
        # Deleted mid-build (by a clean-up job, say), later writes may have re-created parts of it
        # (mkdir parents=True): swapping that in would replace a gallery with fragments.
        _check_build_folder(tmp, out)
        _swap(tmp, out.resolve())
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if marker is not None:
            marker.close()


def _hold_marker(folder: Path) -> object:
    """Write the marker and hold an exclusive ``flock`` on it for as long as the file stays open."""
    path = folder / MARKER
    try:
        f = open(path, "w")
        f.write("made by lenet-viz; this folder is replaced on the next build\n")
        f.flush()
    except OSError as e:
        raise LenetVizError(f"cannot write {path}: {e.strerror or e}") from None
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


def remove_stale(parent: Path, name: str) -> list:
    """Remove ``.<name>.building-*`` folders in ``parent`` left by builds that were killed.

    A folder is stale when nobody holds the lock on its marker (a killed process releases it), or
    when it has no marker and is older than a few minutes. Returns the folders removed.
    """
    removed = []
    for folder in Path(parent).glob(f".{name}.building-*"):
        marker = folder / MARKER
        try:
            if marker.is_file():
                with open(marker) as f:
                    try:
                        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # a live build holds it
            elif time.time() - folder.stat().st_mtime < _UNMARKED_GRACE_S:
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _check_build_folder(tmp: Path, out: Path) -> None:
    if not (tmp / MARKER).is_file():
        raise LenetVizError(f"the build folder {tmp.name} beside {out} was removed during the build; "
                            f"{out} is left as it was: run the command again") from None


def _swap(new: Path, out: Path) -> None:
    # Two builds into one folder: the second swap waits for the first, so the result is one
    # complete gallery, never a mix.
    with _locked(out.parent / f".{out.name}.lock"):
        old = None
        if out.exists():
            if _foreign(out):
                raise LenetVizError(f"output folder {out} changed during the build and is not a "
                                    f"lenet-viz folder; left it alone")
            if _kept(out / KEPT) and not (new / KEPT).exists():
                shutil.copy2(out / KEPT, new / KEPT)
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / "x")
        try:
            os.rename(new, out)
        except OSError:
            if old is not None:
                os.rename(old / "x", out)  # put the previous one back
            raise
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path``; the file is removed on release (no leftover).

    It is unlinked while still held, so a waiter may wake up holding a file that is no longer at
    ``path``; it must then lock the current one, or a third build could swap alongside it.
    """
    while True:
        f = open(path, "a")
        try:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                current = os.stat(path).st_ino == os.fstat(f.fileno()).st_ino
            except FileNotFoundError:
                current = False
        except BaseException:
            f.close()
            raise
        if current:
            break
        f.close()
    try:
        yield
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        f.close()
