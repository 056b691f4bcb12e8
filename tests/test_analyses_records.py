"""Shipped records: canonical text, errors, consistency."""


import pytest

from lenet_viz.analyses.dynamics import DYNAMICS_EPOCHS
from lenet_viz.analyses.inits import INIT_EPOCHS, INIT_NAMES
from lenet_viz.analyses.records import dump_record, load_record, write_record
from lenet_viz.errors import LenetVizError


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


def test_shipped_records_are_consistent():
    dyn, ini = load_record("dynamics"), load_record("init")
    s = dyn["summary"]
    assert s["plateau_epochs"] >= 20 and s["takeoff_epoch"] > s["plateau_epochs"]
    assert dyn["history"][-1]["epoch"] == DYNAMICS_EPOCHS
    assert ini["inits"] == list(INIT_NAMES) and ini["epochs"] == INIT_EPOCHS
    # Same seed and recipe: the init comparison's Xavier run is the dynamics run, epoch for epoch.
    def strip(h):
        return (h["epoch"], h["test_acc"], h["grad_rms"],
                {n: {k: v for k, v in st.items() if k not in ("hist", "hist_range")}
                 for n, st in h["layers"].items()})

    first = dyn["history"][:INIT_EPOCHS + 1]
    assert [strip(h) for h in ini["runs"]["xavier"]] == [strip(h) for h in first]
