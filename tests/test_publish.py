"""Atomic publishing: building folders left by killed builds are removed, live ones are not."""

import fcntl
import os
import signal
import subprocess
import sys
import time

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
