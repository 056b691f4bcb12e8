"""``lenet-viz saturation`` prints what numpy computes from the exported activations of the same digits.

The reference is independent of :mod:`lenet_viz.stats`: the trace of the data folder's held-out digits
is exported to ``.npz`` (what a user gets from ``--export``), and each sigmoid layer's tails are counted
with numpy at the documented thresholds (< 0.05, > 0.95 unless ``--low``/``--high`` say otherwise).
"""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from lenet_viz.cli import cli


def _run(*args):
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 0, r.output + repr(r.exception)
    return r.stdout


@pytest.fixture(scope="module")
def exported(digit_folder, tmp_path_factory):
    """The shipped lenet5's activations of the folder's held-out digits, as a user exports them."""
    from lenet_viz import load_model, trace
    from lenet_viz.data import idx_folder

    t = trace(load_model("lenet5"), idx_folder(digit_folder).test.x)
    path = tmp_path_factory.mktemp("npz") / "t.npz"
    t.to_npz(path)
    sigmoid = [r.name for r in t if r.activation == "sigmoid"]
    with np.load(path) as f:  # (N, channels, positions); a dense layer is one channel of all its units
        arrays = {name: f[name].astype(np.float64) for name in sigmoid}
    return {name: a.reshape(len(a), a.shape[1] if a.ndim == 4 else 1, -1) for name, a in arrays.items()}


def _expected(acts, low=0.05, high=0.95):
    return {name: {"saturated_low": float((a < low).mean()), "saturated_high": float((a > high).mean()),
                   "saturated_fraction": float((a < low).mean() + (a > high).mean()),
                   "mean_dsigmoid": float((a * (1 - a)).mean()),
                   "per_channel_saturated": ((a < low) | (a > high)).mean(axis=(0, 2)).tolist(),
                   "n": a.size} for name, a in acts.items()}


def _table(stdout):
    """``{layer: (saturated, mean dsig)}`` as printed."""
    rows = {}
    for line in stdout.splitlines()[2:]:
        if line.startswith("wrote "):
            continue
        name, act, sat, dsig, dead = line.split()
        rows[name] = (sat, dsig)
    return rows


def _check_json(layers, expected):
    assert {s["name"] for s in layers if s["activation"] == "sigmoid"} == set(expected)
    for s in layers:
        for key, value in expected.get(s["name"], {}).items():
            assert s[key] == pytest.approx(value, abs=1e-9), (s["name"], key)
        assert sum(s["post_counts"]) == sum(s["pre_counts"]) == s["n"]


def _check_table(stdout, expected):
    rows = _table(stdout)
    for name, e in expected.items():
        assert rows[name] == (f"{e['saturated_fraction'] * 100:.1f}%", f"{e['mean_dsigmoid']:.4f}"), name


def test_default_thresholds_text_and_json(digit_folder, exported):
    expected = _expected(exported)
    # the low tail alone, or other thresholds, would print other numbers: the check can tell them apart
    assert any(e["saturated_low"] > 0.01 and e["saturated_high"] > 0.01 for e in expected.values())
    assert _expected(exported, 0.05, 0.9) != expected and _expected(exported, 0.1, 0.95) != expected
    text = _run("saturation", "--dataset", digit_folder, "-q")
    assert text.splitlines()[0].endswith("held-out (60): 60 images")
    _check_table(text, expected)
    data = json.loads(_run("saturation", "--dataset", digit_folder, "-q", "--json"))
    assert data["n_samples"] == 60 and data["model"] == "lenet5" and data["dataset"].endswith("held-out (60)")
    _check_json(data["layers"], expected)
    assert all(s["low"] == 0.05 and s["high"] == 0.95 for s in data["layers"])


def test_thresholds_and_output_folder(digit_folder, exported, tmp_path):
    expected = _expected(exported, 0.1, 0.8)
    out = tmp_path / "sat"
    text = _run("saturation", "--dataset", digit_folder, "--low", "0.1", "--high", "0.8", "-o", out, "-q")
    _check_table(text, expected)
    assert text.splitlines()[-1] == f"wrote {out / 'saturation.png'} and stats.json"
    assert (out / "saturation.png").stat().st_size > 0
    _check_json(json.loads((out / "stats.json").read_text())["layers"], expected)
    data = json.loads(_run("saturation", "--dataset", digit_folder, "--low", "0.1", "--high", "0.8", "-q",
                           "--json"))
    _check_json(data["layers"], expected)
