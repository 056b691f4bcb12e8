"""The command line through CliRunner: results, JSON shapes, and every bad input as `Error: …`."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lenet_viz.cli import cli
from lenet_viz.model import load_model

DIGIT = str(Path(__file__).parent.parent / "examples" / "digit.png")


def run(*args, ok=True):
    r = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert r.exit_code == 0, r.output + repr(r.exception)
    return r


def bad(*args, code=1):
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    assert "Error:" in r.output
    return r.output


def test_version_and_help():
    assert "lenet-viz, version" in run("--version").output
    out = run("--help").output
    for cmd in ("gallery", "activations", "diagram", "predict", "shapes", "train", "evaluate", "saturation"):
        assert cmd in out
        assert "Example" in run(cmd, "--help").output


def test_shapes_json_matches_the_seed():
    data = json.loads(run("shapes", "--json").stdout)
    assert [tuple(layer["output_shape"]) for layer in data["layers"]] == [
        (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120,), (84,), (10,)]
    assert data["total_params"] == 61_706
    assert [layer["name"] for layer in data["layers"]] == ["conv1", "pool1", "conv2", "pool2",
                                                           "dense1", "dense2", "dense3"]
    assert data["layers"][4]["param_shapes"]["weight"] == [120, 400]
    text = run("shapes").output
    assert "400 x 120 = 48,000 weights" in text and "61,706" in text


def test_predict_json_and_text():
    data = json.loads(run("predict", DIGIT, "--json").stdout)
    assert data[0]["file"] == DIGIT and len(data[0]["probabilities"]) == 10
    assert abs(sum(data[0]["probabilities"]) - 1) < 1e-4
    assert data[0]["label"] == int(np.argmax(data[0]["probabilities"]))
    assert f"{DIGIT}: {data[0]['label']}" in run("predict", DIGIT).output


@pytest.mark.slow
def test_evaluate_json_remeasures():
    data = json.loads(run("evaluate", "--json").stdout)
    assert data["n"] == 1000 and data["accuracy"] >= 0.96


def test_evaluate_seed_remeasures_its_card():
    data = json.loads(run("evaluate", "--model", "seed", "--json").stdout)
    assert data["n"] == 10_000 and data["dataset"] == "fashion-mnist"
    assert data["accuracy"] == data["card_accuracy"]
    # provenance once, at the top level (not also nested)
    assert set(data) == {"accuracy", "n", "model", "variant", "dataset", "split", "card_accuracy",
                         "model_card", "recipe", "sha256"}
    assert data["sha256"] == load_model("seed").card["sha256"] and data["model_card"] == "present"


def test_predict_bad_images_reports_each_and_goes_on(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("hello")
    out = bad("predict", text, DIGIT, tmp_path / "missing.png")
    assert "notes.png" in out and "missing.png" in out and "2 of 3 image(s) failed" in out
    assert f"{DIGIT}:" in out  # the good one was still predicted


def test_bad_model_path(tmp_path):
    assert "not found" in bad("predict", DIGIT, "--model", tmp_path / "nope.params")
    assert "lenet5, modern, mlp" in bad("shapes", "--model", "resnet50")


def test_usage_errors_exit_2():
    out = bad("diagram", "--layout", "XY", code=2)
    assert "LR" in out and "TB" in out
    bad("train", "--epochs", "0", "-o", "x", code=2)
    bad("predict", code=2)


def test_diagram_formats(tmp_path):
    run("diagram", "-o", tmp_path / "d.svg")
    assert (tmp_path / "d.svg").read_text().lstrip().startswith("<?xml")
    run("diagram", "--format", "dot", "-o", tmp_path / "d.gv", "--layout", "TB")
    assert "digraph" in (tmp_path / "d.gv").read_text()
    run("diagram", "--model", "modern", "-o", tmp_path / "m.png")
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"
    assert "is a folder" in bad("diagram", "-o", tmp_path)
    # a standalone drawing has no sections to link to: no href that leads nowhere
    assert "xlink:href" not in (tmp_path / "d.svg").read_text()
    assert "URL=" not in (tmp_path / "d.gv").read_text()


def test_diagram_format_contradicting_the_suffix(tmp_path):
    out = bad("diagram", "-o", tmp_path / "d.svg", "--format", "png", code=2)
    assert "Error: --format png contradicts the suffix of" in out and "d.svg" in out and "*.png" in out
    assert "Traceback" not in out and not (tmp_path / "d.svg").exists()
    assert "*.gv or *.dot" in bad("diagram", "-o", tmp_path / "d.pdf", "--format", "dot", code=2)
    run("diagram", "-o", tmp_path / "d.gv", "--format", "dot")  # .gv is DOT text
    run("diagram", "-o", tmp_path / "d.diagram", "--format", "pdf")  # a suffix of no format: --format decides
    assert (tmp_path / "d.diagram").read_bytes()[:4] == b"%PDF"
    run("diagram", "-o", tmp_path / "w.svg", "--layout", "wrap")


def test_diagram_input_draws_the_pyramid(tmp_path):
    run("diagram", "--input", DIGIT, "-o", tmp_path / "p.svg")
    svg = (tmp_path / "p.svg").read_text()
    hrefs = re.findall(r'<image xlink:href="([^"]{0,22})', svg)
    assert len(hrefs) == 9 and set(hrefs) == {"data:image/png;base64,"}  # self-contained
    assert "<a xlink:href" not in svg  # standalone: no links that lead nowhere
    run("diagram", "--input", DIGIT, "-o", tmp_path / "p.gv", "--layout", "TB")
    gv = (tmp_path / "p.gv").read_text()
    assert '<IMG SRC="conv1.png"' in gv and "URL=" not in gv
    run("diagram", "--input", DIGIT, "-o", tmp_path / "p.png", "--model", "modern")
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_diagram_bad_input(tmp_path):
    missing = tmp_path / "nope.png"
    out = bad("diagram", "--input", missing, "-o", tmp_path / "d.svg")
    assert f"Error: {missing}: no such file" in out
    text = tmp_path / "notes.png"
    text.write_text("hello")
    out = bad("diagram", "--input", text, "-o", tmp_path / "d.svg")
    assert "notes.png" in out and "not a supported image" in out
    out = bad("diagram", "--input", DIGIT, "--dataset", "fashion-mnist", "-o", tmp_path / "d.svg")
    assert "--dataset fashion-mnist contradicts the model card of lenet5, trained on mnist-5k" in out
    assert sorted(os.listdir(tmp_path)) == ["notes.png"]  # nothing written


def test_diagram_without_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    out = bad("diagram", "-o", tmp_path / "d.svg")
    assert "graphviz" in out and not (tmp_path / "d.svg").exists()
    run("diagram", "--format", "dot", "-o", tmp_path / "d.gv")


def test_activations_page_json_and_export(tmp_path):
    out = tmp_path / "act"
    r = run("activations", DIGIT, "-o", out, "--export", tmp_path / "t.npz", "--json", "-q")
    data = json.loads(r.stdout)
    page = out / "digit" / "index.html"
    assert data[0]["page"] == str(page) and page.is_file()
    assert {layer["name"] for layer in data[0]["layers"]} >= {"conv1", "pool2", "dense3"}
    conv1 = next(layer for layer in data[0]["layers"] if layer["name"] == "conv1")
    assert conv1["output_shape"] == [6, 28, 28] and 0 <= conv1["saturated_fraction"] <= 1
    with np.load(tmp_path / "t.npz") as f:
        npz = {k: f[k] for k in f.files}
    assert {"input", "conv1", "conv1.pre", "dense3", "probabilities"} <= set(npz)
    np.testing.assert_allclose(npz["probabilities"][0], data[0]["probabilities"], atol=1e-5)
    # saturated_fraction is both tails of the sigmoid (< 0.05 and > 0.95), recomputed from the export
    sigmoid = [layer for layer in data[0]["layers"] if layer["saturated_fraction"] is not None]
    assert [layer["name"] for layer in sigmoid] == ["conv1", "conv2", "dense1", "dense2"]
    tails = 0
    for layer in sigmoid:
        a = npz[layer["name"]].astype(np.float64)
        low, high = float((a < 0.05).mean()), float((a > 0.95).mean())
        assert layer["saturated_fraction"] == pytest.approx(low + high, abs=1e-6), layer["name"]
        tails += low > 0.01 and high > 0.01
    assert tails  # a layer with both tails: one tail alone would not pass
    html = page.read_text(encoding="utf-8")
    # input, raw, a tile per channel, a kernel beside each conv map
    assert html.count('src="data:image/png;base64,') == 2 + 6 * 3 + 16 * 3 + 6 + 16
    assert html.count('<img class="kernel"') == 6 + 16
    assert html.count("<image xlink:href=\"data:image/png;base64,") == 2 * 9  # the pyramid, wide and narrow
    bars = {"colorbar-viridis.png", "colorbar-RdBu_r.png", "colorbar-gray.png"}
    assert {p.name for p in (out / "digit" / "assets").iterdir()} == bars
    for sid in ("input", "conv1", "pool1", "dense1", "prediction", "saturation"):
        assert f'<section id="{sid}">' in html, sid


def test_activations_bad_outputs(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    assert "is a file" in bad("activations", DIGIT, "-o", f)
    assert "folder" in bad("activations", DIGIT, "-o", tmp_path / "a", "--export", tmp_path)
    bad("activations", tmp_path / "nothing.png", "-o", tmp_path / "b")
    assert not (tmp_path / "b" / "nothing").exists()


def test_unwritable_output(tmp_path, monkeypatch):
    # CI runs as root, where permission bits do not bite: simulate the OS refusing instead.
    import lenet_viz.site.publish as site

    real = os.access
    monkeypatch.setattr(site.os, "access", lambda p, m: False if str(p) == str(tmp_path) else real(p, m))
    out = bad("gallery", "-o", tmp_path / "g")
    assert "permission denied" in out and not (tmp_path / "g").exists()


def test_gallery_output_is_a_file(tmp_path):
    f = tmp_path / "g"
    f.write_text("keep me")
    assert "is a file" in bad("gallery", "-o", f)
    assert f.read_text() == "keep me"


def test_train_cli_writes_card(tmp_path):
    r = run("train", "--epochs", "1", "--batch-size", "256", "--seed", "1", "-q", "-o", tmp_path / "m")
    card = json.loads((tmp_path / "m.json").read_text())
    assert card["variant"] == "lenet5" and card["epochs"] == 1 and "sha256" in card
    assert card["command"].startswith("lenet-viz train --variant lenet5")
    assert "test accuracy" in r.output
    assert json.loads(run("evaluate", "--model", tmp_path / "m.params", "--json").stdout)["n"] == 1000
    assert "does not exist" in bad("train", "--epochs", "1", "-o", tmp_path / "no" / "m")


def test_export_of_several_images_never_overwrites(tmp_path):
    import shutil

    for name in ("a.png", "b.png"):
        shutil.copy(DIGIT, tmp_path / name)
    (tmp_path / "npz").mkdir()
    (tmp_path / "npz" / "a.npz").write_bytes(b"keep")
    r = CliRunner().invoke(cli, ["activations", "-q", str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                                 "-o", str(tmp_path / "act"), "--export", str(tmp_path / "npz" / "t.npz")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "a.npz already exists; not overwriting it" in r.stderr
    assert (tmp_path / "npz" / "a.npz").read_bytes() == b"keep"
    assert not (tmp_path / "act" / "a").exists()  # refused before any work for that image
    with np.load(tmp_path / "npz" / "b.npz") as f:  # the other image goes ahead
        assert "conv1.pre" in f.files
    assert (tmp_path / "act" / "b" / "index.html").is_file()


def test_records_help_and_bad_output(tmp_path):
    assert "lenet-viz records --only init" in run("records", "--help").output
    f = tmp_path / "f"
    f.write_text("x")
    assert "is a file" in bad("records", "-o", f)


@pytest.mark.slow
def test_evaluate_stress_json_and_table():
    data = json.loads(run("evaluate", "--stress", "--json", "-q").stdout)
    assert data["n"] == 1000 and list(data["models"]) == ["lenet5", "modern", "mlp"]
    from lenet_viz.stress import TRANSFORMS

    for name, m in data["models"].items():
        assert list(m["accuracy"]) == list(TRANSFORMS)
        card = json.loads((Path(__file__).parents[1] / "lenet_viz" / "weights" / f"{name}.json").read_text())
        assert m["accuracy"] == card["robustness"]["accuracy"]  # the card tells the truth
    text = run("evaluate", "--stress", "-m", "mlp", "-q").output
    assert text.splitlines()[0].split() == ["transform", "mlp"]
    assert f"{data['models']['mlp']['accuracy']['photo']:.3f}" in text


def test_evaluate_several_models_json():
    data = json.loads(run("evaluate", "-m", "mlp", "-m", "lenet5", "--json").stdout)
    assert [d["model"] for d in data] == ["mlp", "lenet5"]


def test_evaluate_stress_bad_input(tmp_path):
    assert "held-out split only" in bad("evaluate", "--stress", "--split", "train")
    assert "not found" in bad("evaluate", "--stress", "-m", tmp_path / "nope.params")
    said = bad("evaluate", "--stress", "-m", "seed")  # Fashion-MNIST: no handwriting to stress
    assert "needs a digit dataset" in said and "fashion-mnist holds t-shirt" in said


def test_train_bad_augment_and_baseline(tmp_path):
    assert "handwriting" in bad("train", "--augment", "wiggle", "-o", tmp_path / "m", code=2)
    missing = tmp_path / "x.params"
    assert "not found" in bad("train", "--epochs", "1", "--baseline", missing, "-o", tmp_path / "m")
    assert not list(tmp_path.iterdir())  # refused before training: nothing written


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1.5"])
def test_gallery_digits_must_be_a_positive_count_or_all(tmp_path, value):
    out = bad("gallery", "--digits", value, "-o", tmp_path / "g", code=2)
    assert "--digits" in out and repr(value) in out and "'all'" in out
    assert not (tmp_path / "g").exists()
