"""The dynamics record."""

import json

from lenet_viz.analyses.dynamics import dynamics_record
from lenet_viz.analyses.probe import SEED_RECIPE
from lenet_viz.analyses.records import dump_record


def test_dynamics_record_small(data):
    rec = dynamics_record(epochs=2, data=data, probe_n=16, train_limit=64)
    assert [h["epoch"] for h in rec["history"]] == [0, 1, 2]
    assert all("seconds" not in h for h in rec["history"])  # no wall-clock time in a record
    kept = {h["epoch"] for h in rec["history"] if "hist" in h["layers"]["conv1"]}
    assert kept == set(rec["summary"]["hist_epochs"]) and {0, 1, 2} <= kept
    assert rec["history"][0]["test_acc"] is not None  # measured before training too
    assert rec["meta"]["recipe"] == SEED_RECIPE and rec["meta"]["train_images"] == 64
    json.loads(dump_record(rec))
