"""The README runs as written: its Python block unmodified, and each `$ lenet-viz …` console example."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).with_name("lenet-viz")


def _blocks(lang: str) -> list:
    return re.findall(rf"^```{lang}\n(.*?)^```", README, re.S | re.M)


def _console() -> list:
    """``(command, expected lines)`` for every ``$ lenet-viz …`` line of the console blocks."""
    out = []
    for block in _blocks("console"):
        for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *expected = part.rstrip("\n").split("\n")
            out.append((command, [ln for ln in expected if ln.strip()]))
    return out


@pytest.fixture
def readers_folder(tmp_path):
    """A folder like the repo root for a reader (``examples/`` is there), so outputs land in tmp_path."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    return tmp_path


def test_the_readme_has_what_these_tests_run():
    assert len(_blocks("python")) >= 1
    assert [c.split()[1] for c, _ in _console()] == ["shapes", "predict", "evaluate", "evaluate",
                                                      "activations", "diagram",
                                                      "saturation", "predict"]


def test_python_blocks_run_unmodified(readers_folder):
    for block in _blocks("python"):
        r = subprocess.run([sys.executable, "-c", block], cwd=readers_folder, capture_output=True, text=True,
                           env={**os.environ, "MPLBACKEND": "Agg"}, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
    assert (readers_folder / "trace.npz").is_file()  # the block's last line


@pytest.mark.slow
@pytest.mark.parametrize("command, expected", _console(), ids=[c for c, _ in _console()])
def test_console_examples_run_and_print_what_the_readme_shows(command, expected, readers_folder):
    args = command.split()
    assert args[0] == "lenet-viz"
    r = subprocess.run([str(BIN), *args[1:]], cwd=readers_folder, capture_output=True, text=True,
                       env={**os.environ, "MPLBACKEND": "Agg"}, timeout=600)
    assert r.returncode == 0, r.stderr
    notes = [ln for ln in r.stderr.splitlines() if ln.startswith("note:")]  # progress bars aside
    assert [ln.rstrip() for ln in notes + r.stdout.splitlines()] == expected
