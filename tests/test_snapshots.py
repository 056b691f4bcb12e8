"""The shipped training checkpoints: ids ``<run>@<epoch>`` wherever a model name goes, a clear error
for each bad id, byte-for-byte regeneration (on a tiny budget), and the run cards' claims re-derived."""

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from lenet_viz.cli import cli
from lenet_viz.errors import ModelError
from lenet_viz.model import load_model, resolve
from lenet_viz.snapshots import RUNS, checkpoints_dir, epochs_of, npz_arrays, parse_id, read_run_card


def test_parse_id_tells_ids_from_paths():
    assert parse_id("seed-xavier@44") == ("seed-xavier", "44")
    assert parse_id("lenet5@x") == ("lenet5", "x")
    assert parse_id("runs/lenet5@4") is None
    assert parse_id("lenet5@4.params") is None
    assert parse_id("lenet5") is None


@pytest.mark.parametrize("bad, words", [
    ("nosuch@12", ["unknown checkpoint run 'nosuch'", "seed-xavier, seed-default, lenet5"]),
    ("seed-xavier@3", ["no checkpoint at epoch 3", "0, 1, 2, 4, 8, 16, 28, 40, 44, 48, 51, 55, 60"]),
    ("lenet5@7", ["no checkpoint at epoch 7", "0, 1, 2, 3, 5, 8, 12, 20, 30, 45, 60, 90, 120"]),
    ("seed-default@ten", ["the epoch must be a whole number", "seed-default has checkpoints at epochs 0,"]),
    ("seed-default@", ["the epoch must be a whole number"]),
])
def test_each_bad_id_is_a_clear_error(bad, words):
    for call in (resolve, load_model):
        with pytest.raises(ModelError) as e:
            call(bad)
        for w in words:
            assert w in str(e.value)


def test_a_bad_id_on_the_command_line_is_an_error_without_traceback():
    r = CliRunner().invoke(cli, ["predict", "--model", "seed-xavier@3", "examples/digit.png"])
    assert r.exit_code == 1
    assert r.output.startswith("Error: run 'seed-xavier' has no checkpoint at epoch 3; choose one of 0, 1,")
    assert "Traceback" not in r.output


def test_a_local_params_file_with_an_at_sign_stays_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(resolve("lenet5")[0], tmp_path / "mine@2.params")
    with pytest.raises(ModelError, match="have no model card"):  # a path, not an unknown run
        load_model("mine@2")


def test_a_checkpoint_loads_with_its_card_and_its_accuracy(data):
    from lenet_viz.train import accuracy

    card = read_run_card("seed-xavier")
    m = load_model("seed-xavier@51")
    assert (m.source, m.card["epoch"], m.card["checkpoint"], m.card["dtype"]) == \
        ("seed-xavier@51", 51, "seed-xavier@51", "float16")
    ck = card["checkpoints"][epochs_of(card).index(51)]
    assert m.card["test_accuracy"] == ck["test_accuracy"]
    assert accuracy(m.net, data.test.x, data.test.y) == ck["test_accuracy"]
    assert m.card["sha256"] == card["npz"]["sha256"]


def test_the_lenet5_run_ends_on_the_shipped_file_byte_for_byte():
    card = read_run_card("lenet5")
    assert card["shipped"]["equal"] is True
    assert card["shipped"]["replay_sha256"] == load_model("lenet5").card["sha256"]
    m = load_model("lenet5@120")
    assert m.card["dtype"] == "float32" and m.card["params_file"] == "lenet5.params"
    assert resolve("lenet5@120")[0] == resolve("lenet5")[0]


def test_a_damaged_npz_is_refused(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_bytes((checkpoints_dir() / "seed-xavier.npz").read_bytes()[:-10])
    with pytest.raises(ModelError, match="damaged"):
        npz_arrays(bad, read_run_card("seed-xavier")["npz"]["sha256"])


def test_the_checkpoints_fit_the_budget_and_float16_is_measured():
    total = sum(p.stat().st_size for p in checkpoints_dir().iterdir())
    assert total < 5e6
    for run in RUNS:
        card = read_run_card(run)
        assert 12 <= len(card["checkpoints"]) <= 16 and card["checkpoints"][0]["epoch"] == 0
        assert all(c["fp16_effect"] <= 5e-3 for c in card["checkpoints"])
        assert card["fp16_effect_max"] == max(c["fp16_effect"] for c in card["checkpoints"])
    seed = epochs_of(read_run_card("seed-xavier"))
    assert sum(40 <= e <= 55 for e in seed) >= 5  # the plateau's end and the take-off are covered


def test_seed_xavier_replays_the_dynamics_record_epoch_for_epoch():
    from lenet_viz.analyses.records import load_record

    dyn = load_record("dynamics")["history"]
    ours = read_run_card("seed-xavier")["history"]
    assert [h["test_acc"] for h in ours[1:]] == [h["test_acc"] for h in dyn[1:]]
    want = [{n: s["saturated"] for n, s in h["layers"].items()} for h in dyn]
    assert [h["saturated"] for h in ours] == want


def _marks_again(history):
    """The slider's marks, re-derived here without the analysis code."""
    accs = [(h["epoch"], h["test_acc"]) for h in history if h["epoch"] >= 1]
    out = []
    n = 0
    while n < len(accs) and abs(accs[n][1] - accs[0][1]) <= 0.05:
        n += 1
    if n < len(accs):
        out.append((accs[n - 1][0], "plateau", None, [f"{accs[0][1] * 100:.1f} %", f"for {n} epochs",
                                                      f"{accs[n][1] * 100:.1f} % at epoch {accs[n][0]}"]))
    for layer in history[0]["saturated"]:
        for h in history:
            if (h["saturated"][layer] or 0) > 0.5:
                out.append((h["epoch"], "saturated", layer, [f"{h['saturated'][layer] * 100:.1f} %"]))
                break
    return sorted(out, key=lambda m: (m[0], m[1], m[2] or ""))


@pytest.mark.parametrize("run", RUNS)
def test_the_marks_are_re_derived_from_the_history(run):
    card = read_run_card(run)
    again = _marks_again(card["history"])
    assert [(m["epoch"], m["kind"], m.get("layer")) for m in card["marks"]] == [a[:3] for a in again]
    for m, a in zip(card["marks"], again):
        for words in a[3]:
            assert words in m["text"]
    if run == "seed-xavier":  # the Training-dynamics page's plateau: 41 epochs
        assert [m["epoch"] for m in card["marks"] if m["kind"] == "plateau"] == [41]
    # and the analysis code, run again on the shipped history, writes exactly the shipped marks
    from lenet_viz.analyses.checkpoints import marks

    assert marks(card["history"]) == card["marks"]


def test_regeneration_is_byte_for_byte_on_a_tiny_budget(tmp_path, data):
    from lenet_viz.analyses.checkpoints import write_checkpoints

    budget = {"epochs": 1, "saved": (0, 1), "train_limit": 128, "probe_n": 16}
    a = write_checkpoints(tmp_path / "a", ("seed-default",), data=data, **budget)
    b = write_checkpoints(tmp_path / "b", ("seed-default",), data=data, **budget)
    assert [p.name for p in a] == ["seed-default.npz", "seed-default.json"]
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    card = json.loads(a[1].read_text())
    assert epochs_of(card) == [0, 1] and card["shipped"] is None
    arrays = np.load(a[0])
    assert arrays["epoch_1"].dtype == np.float16 and arrays["epoch_1"].size == 61706


def test_the_readme_states_what_the_cards_hold():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    cards = [read_run_card(r) for r in RUNS]
    for card in cards:
        assert f"| `{card['run']}` |" in readme
        assert " ".join(str(e) for e in epochs_of(card)) in readme or card["run"] == "seed-default"
    total = sum(p.stat().st_size for p in checkpoints_dir().glob("*.npz"))
    assert f"{total / 1e6:.1f} MB for all three runs" in readme
    assert f"at most {max(c['fp16_effect_max'] for c in cards):.1e} relative" in readme
    assert epochs_of(cards[0]) == epochs_of(cards[1])  # "the same" in the README's table
