"""``lenet-viz compare-init`` runs end to end on a tiny budget: it prints its record, and the record
repeats the shipped one (same seed and recipe) for the epochs it covers."""

import json

from click.testing import CliRunner

from lenet_viz.analyses.records import epoch_numbers, load_record
from lenet_viz.cli import cli


def test_compare_init_one_epoch(tmp_path):
    out = tmp_path / "init.json"
    r = CliRunner().invoke(cli, ["compare-init", "--epochs", "1", "--inits", "xavier,normal", "-o", str(out),
                                 "-q"])
    assert r.exit_code == 0, r.output + repr(r.exception)
    rec = json.loads(out.read_text())
    assert rec["inits"] == ["xavier", "normal"] and rec["epochs"] == 1
    lines = r.stdout.splitlines()
    assert lines[-1] == f"wrote {out}"
    layers = list(rec["runs"]["xavier"][0]["layers"])
    for name, line in zip(rec["inits"], lines[2:4]):
        s = rec["summary"][name]
        cells = line.split()
        assert cells[0] == name
        assert cells[1:1 + len(layers)] == [f"{s['saturated_epoch1'][n] * 100:.1f}%" for n in layers]
        assert cells[-1] == f"{s['final_test_acc'] * 100:.1f}%"
    shipped = load_record("init")
    for name in rec["inits"]:
        ours, theirs = rec["runs"][name], shipped["runs"][name][:2]
        assert [epoch_numbers(h) for h in ours] == [epoch_numbers(h) for h in theirs], name
