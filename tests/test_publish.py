"""Atomic publishing: building folders left by killed builds are removed, live ones are not."""

import fcntl
import os
import signal
import subprocess
import sys
import time

import pytest

from lenet_viz.site.publish import MARKER, publish, remove_stale

HOLD = ("import sys, time\nfrom pathlib import Path\nfrom lenet_viz.site.publish import publish\n"
        "with publish(Path(sys.argv[1])) as tmp:\n    print(tmp, flush=True)\n    time.sleep(120)\n")


def test_a_build_killed_with_sigkill_is_cleaned_up_by_the_next(tmp_path):
    out = tmp_path / "gallery"
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    building = p.stdout.readline().strip()
    assert os.path.isdir(building) and ".gallery.building-" in building
    assert remove_stale(tmp_path, "gallery") == []  # alive: its lock is held
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    p.stdout.close()
    assert os.path.isdir(building)  # SIGKILL runs no clean-up
    with publish(out) as tmp:
        (tmp / "index.html").write_text("new")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["gallery"]
    assert (out / "index.html").read_text() == "new"


def test_live_and_recent_unmarked_building_folders_are_left_alone(tmp_path):
    live = tmp_path / ".g.building-live"
    live.mkdir()
    (live / MARKER).write_text("x")
    fresh = tmp_path / ".g.building-fresh"  # a build between mkdtemp and writing its marker
    fresh.mkdir()
    old = tmp_path / ".g.building-old"  # killed before it wrote its marker, long ago
    old.mkdir()
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    dead = tmp_path / ".g.building-dead"
    dead.mkdir()
    (dead / MARKER).write_text("x")
    other = tmp_path / ".other.building-dead"  # another output's: not ours to judge here
    other.mkdir()
    (other / MARKER).write_text("x")
    with open(live / MARKER) as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        removed = remove_stale(tmp_path, "g")
    assert sorted(p.name for p in removed) == [".g.building-dead", ".g.building-old"]
    assert live.is_dir() and fresh.is_dir() and other.is_dir()


def test_a_lone_readme_is_built_into_and_kept(tmp_path):
    from lenet_viz.errors import LenetVizError
    from lenet_viz.site.publish import KEPT, check_output

    out = tmp_path / "gallery"
    out.mkdir()
    (out / KEPT).write_text("# gallery/\nreceives `lenet-viz gallery`\n")
    for round_ in ("first", "second"):  # the second replaces a lenet-viz folder holding the README
        with publish(out) as tmp:
            (tmp / "index.html").write_text(round_)
        assert (out / "index.html").read_text() == round_
        assert (out / KEPT).read_text() == "# gallery/\nreceives `lenet-viz gallery`\n"
        assert (out / MARKER).is_file()
    with publish(out) as tmp:  # a build that writes its own README.md wins
        (tmp / KEPT).write_text("made by the build")
    assert (out / KEPT).read_text() == "made by the build"

    # anything else beside the README (or a README that is not a plain file) is still foreign
    for name, make in (("other.txt", lambda p: p.write_text("mine")), (KEPT, lambda p: p.mkdir())):
        foreign = tmp_path / f"foreign-{name}"
        foreign.mkdir()
        if name != KEPT:
            (foreign / KEPT).write_text("x")
        make(foreign / name)
        before = sorted(p.name for p in foreign.iterdir())
        with pytest.raises(LenetVizError, match="not made by lenet-viz; refusing") as e:
            check_output(foreign)
        assert str(foreign) in str(e.value)
        assert sorted(p.name for p in foreign.iterdir()) == before


def test_the_repos_gallery_folder_says_what_it_receives(tmp_path):
    from pathlib import Path

    from lenet_viz.site.publish import KEPT, check_output

    readme = Path(__file__).resolve().parent.parent / "gallery" / KEPT
    text = readme.read_text(encoding="utf-8")
    assert "lenet-viz gallery" in text and "make gallery" in text and "index.html" in text
    fresh = tmp_path / "gallery"  # as in a fresh clone: the README alone
    fresh.mkdir()
    (fresh / KEPT).write_text(text, encoding="utf-8")
    assert check_output(fresh) == fresh
