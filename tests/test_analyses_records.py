"""Shipped records: canonical text, errors, consistency."""


import json
import re
from pathlib import Path

import pytest

from lenet_viz.analyses.dynamics import DYNAMICS_EPOCHS
from lenet_viz.analyses.inits import INIT_EPOCHS, INIT_NAMES
from lenet_viz.analyses.probe import plateau_epochs, takeoff_epoch
from lenet_viz.analyses.records import dump_record, epoch_numbers, load_record, write_record
from lenet_viz.errors import LenetVizError

ROOT = Path(__file__).resolve().parent.parent


def test_write_record_is_canonical(tmp_path):
    rec = {"b": [1.5, None], "a": {"z": 1, "y": 0.1}}
    p = write_record(rec, tmp_path / "r.json")
    assert p.read_text() == '{"a":{"y":0.1,"z":1},"b":[1.5,null]}\n'
    assert [q.name for q in tmp_path.iterdir()] == ["r.json"]  # no temporary file left
    with pytest.raises(ValueError):
        dump_record({"x": float("nan")})


def test_load_record_errors():
    with pytest.raises(LenetVizError, match="unknown record"):
        load_record("nope")


def test_the_plateau_a_reader_is_told_is_the_records():
    """The pages render it from the record; the README and the model cards state it in prose."""
    plateau = load_record("dynamics")["summary"]["plateau_epochs"]
    claim = re.compile(r"sits (?:at|on) [^.]*?for\s+[~≈]?\s*(\d+)\s+epochs", re.S)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    cards = [json.loads(p.read_text())["why"] for p in sorted((ROOT / "lenet_viz/weights").glob("*.json"))]
    stated = claim.findall(readme) + [n for why in cards for n in claim.findall(why)]
    assert len(claim.findall(readme)) >= 2 and stated == [str(plateau)] * len(stated)


def test_shipped_records_are_consistent():
    dyn, ini = load_record("dynamics"), load_record("init")
    s = dyn["summary"]
    hist = dyn["history"]
    assert s["plateau_epochs"] == plateau_epochs(hist) and s["takeoff_epoch"] == takeoff_epoch(hist)
    assert s["takeoff_epoch"] > s["plateau_epochs"] >= 1
    assert dyn["history"][-1]["epoch"] == DYNAMICS_EPOCHS
    assert ini["inits"] == list(INIT_NAMES) and ini["epochs"] == INIT_EPOCHS
    # Same seed and recipe: the init comparison's Xavier run is the dynamics run, epoch for epoch.
    first = dyn["history"][:INIT_EPOCHS + 1]
    assert [epoch_numbers(h) for h in ini["runs"]["xavier"]] == [epoch_numbers(h) for h in first]
