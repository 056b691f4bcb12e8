"""atomic_write: all or nothing, failures name the file, and it can refuse to overwrite."""

import errno
import io
import os

import pytest

import lenet_viz.fileio as fileio
from lenet_viz.errors import LenetVizError, RenderError
from lenet_viz.fileio import atomic_write


class _FullDisk(io.BytesIO):
    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_writes_bytes_text_and_callables(tmp_path):
    assert atomic_write(tmp_path / "a", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert atomic_write(tmp_path / "b", "ü").read_text(encoding="utf-8") == "ü"
    assert atomic_write(tmp_path / "c", lambda f: f.write(b"xy")).read_bytes() == b"xy"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]  # no temporary left
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o666 & ~_umask()  # an ordinary file's mode


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_full_disk_names_the_file_and_leaves_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "style.css"
    target.write_text("old")
    monkeypatch.setattr(fileio, "open", lambda *a, **k: _FullDisk(), raising=False)
    with pytest.raises(RenderError) as e:
        atomic_write(target, "new", error=RenderError)
    assert str(target) in str(e.value) and "No space left on device" in str(e.value)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["style.css"]


def test_refuses_to_overwrite_when_asked(tmp_path):
    target = tmp_path / "a.npz"
    target.write_bytes(b"keep")
    with pytest.raises(LenetVizError, match="a.npz already exists"):
        atomic_write(target, b"new", overwrite=False)
    assert target.read_bytes() == b"keep" and [p.name for p in tmp_path.iterdir()] == ["a.npz"]
    assert atomic_write(tmp_path / "b.npz", b"new", overwrite=False).read_bytes() == b"new"


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(LenetVizError, match=r"cannot write .*nope.*No such file"):
        atomic_write(tmp_path / "nope" / "x", b"")
