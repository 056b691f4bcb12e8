"""The init comparison."""


import pytest

from lenet_viz.analyses.inits import compare_init, format_init_summary
from lenet_viz.analyses.records import dump_record, load_record
from lenet_viz.errors import LenetVizError


def test_compare_init_is_deterministic_for_a_seed(data):
    kw = {"inits": ("xavier", "normal"), "epochs": 1, "seed": 5, "data": data, "probe_n": 16,
          "train_limit": 96}
    a, b = compare_init(**kw), compare_init(**kw)
    assert dump_record(a) == dump_record(b)
    assert list(a["runs"]) == ["xavier", "normal"]
    assert a["runs"]["xavier"] != a["runs"]["normal"]  # only the init differs, and it matters
    for name in ("xavier", "normal"):
        assert a["summary"][name]["saturated_epoch0"] == {
            n: s["saturated"] for n, s in a["runs"][name][0]["layers"].items()}


def test_format_init_summary_states_the_shipped_numbers():
    rec = load_record("init")
    text = format_init_summary(rec)
    lines = text.splitlines()
    assert [ln.split()[0] for ln in lines[2:5]] == list(rec["inits"])
    normal = rec["summary"]["normal"]
    assert f"{normal['saturated_epoch1']['dense2'] * 100:.1f}%" in lines[4]
    assert f"{normal['final_test_acc'] * 100:.1f}%" in lines[4]


def test_compare_init_checks_its_input_first():
    for bad in (("xavier", "bogus"), ("xavier", "xavier"), ()):
        with pytest.raises(LenetVizError, match="inits must be"):
            compare_init(inits=bad)
    with pytest.raises(LenetVizError, match="epochs"):
        compare_init(epochs=0)
