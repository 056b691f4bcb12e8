"""A .params file without its model card: recognised from its shapes, --dataset required, clear errors."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from lenet_viz.cli import cli
from lenet_viz.errors import ModelError
from lenet_viz.model import NO_CARD, load_model, sha256_of


def run(*args):
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 0, r.output + repr(r.exception)
    return r


def bad(*args):
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and "Error:" in r.output
    return r.output


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """Card-less files as `net.save_parameters` writes them: every variant, and a d2l Classifier's."""
    from lenet_viz._mx import seed_all
    from lenet_viz.model import build_net

    folder = tmp_path_factory.mktemp("bare")
    nets = {}
    for variant in ("lenet5", "modern", "mlp"):
        seed_all(1)
        nets[variant] = build_net(variant)
        nets[variant].save_parameters(str(folder / f"{variant}.params"))
    return folder, nets


@pytest.mark.parametrize("variant", ["lenet5", "modern", "mlp"])
def test_variant_recognised_from_shapes(bare, variant):
    folder, nets = bare
    path = folder / f"{variant}.params"
    model = load_model(path, dataset="mnist-5k")
    assert model.variant == variant and not model.has_card
    assert model.card["no_card"] == NO_CARD and model.card["sha256"] == sha256_of(path)
    x = np.random.RandomState(0).rand(4, 1, 28, 28).astype("float32")
    from lenet_viz._mx import mnp

    np.testing.assert_allclose(model.net(mnp.array(x)).asnumpy(), nets[variant](mnp.array(x)).asnumpy(),
                               rtol=0, atol=0)


def test_d2l_classifier_prefix_is_understood(bare, tmp_path):
    """`model.save_parameters(...)` on a d2l Classifier writes `net.0.weight`: same weights."""
    from lenet_viz._mx import npx

    folder, _ = bare
    arrays = npx.load(str(folder / "lenet5.params"))
    npx.save(str(tmp_path / "whole.params"), {f"net.{k}": v for k, v in arrays.items()})
    assert load_model(tmp_path / "whole.params", dataset="fashion-mnist").variant == "lenet5"


def test_missing_dataset_is_asked_for(bare):
    folder, _ = bare
    with pytest.raises(ModelError, match=r"no model card \(lenet5.json\).*pass --dataset"):
        load_model(folder / "lenet5.params")
    out = bad("predict", "examples/digit.png", "--model", folder / "lenet5.params")
    assert "--dataset" in out and "fashion-mnist" in out


def test_unknown_dataset(bare):
    out = bad("shapes", "--model", bare[0] / "lenet5.params", "--dataset", "cifar")
    assert "unknown dataset 'cifar'" in out


def test_other_architecture_names_first_differing_parameter(tmp_path):
    from lenet_viz._mx import mnp, nn

    net = nn.Sequential()
    net.add(nn.Conv2D(6, kernel_size=3, padding=1, activation="sigmoid"), nn.AvgPool2D(2, 2),
            nn.Conv2D(16, kernel_size=5, activation="sigmoid"), nn.AvgPool2D(2, 2),
            nn.Dense(120, activation="sigmoid"), nn.Dense(84, activation="sigmoid"), nn.Dense(10))
    net.initialize()
    net(mnp.zeros((1, 1, 28, 28)))
    net.save_parameters(str(tmp_path / "other.params"))
    out = bad("shapes", "--model", tmp_path / "other.params", "--dataset", "mnist-5k")
    assert "match no known architecture" in out and "closest is 'lenet5'" in out
    assert "parameter '0.weight' has shape (6, 1, 3, 3), expected (6, 1, 5, 5)" in out


def test_named_variant_that_does_not_fit(bare):
    out = bad("shapes", "--model", bare[0] / "lenet5.params", "--dataset", "mnist-5k", "--variant", "modern")
    assert "do not fit variant 'modern'" in out
    assert "parameter '0.weight' has shape (6, 1, 5, 5), expected (16, 1, 5, 5)" in out
    ok = json.loads(run("shapes", "--model", bare[0] / "mlp.params", "--dataset", "mnist-5k",
                        "--variant", "mlp", "--json").stdout)
    assert ok["variant"] == "mlp"


@pytest.mark.parametrize("keep", [0, 10, 2000])
def test_truncated_file(bare, tmp_path, keep):
    data = (bare[0] / "lenet5.params").read_bytes()
    (tmp_path / "cut.params").write_bytes(data[:keep])
    out = bad("shapes", "--model", tmp_path / "cut.params", "--dataset", "mnist-5k")
    assert "cut.params are truncated or not an MXNet .params file" in out


def test_variant_contradicting_the_card():
    with pytest.raises(ModelError, match="contradicts the model card"):
        load_model("lenet5", variant="mlp")


def test_json_says_recipe_unknown_and_sha256(bare):
    path = bare[0] / "lenet5.params"
    data = json.loads(run("shapes", "--model", path, "--dataset", "mnist-5k", "--json").stdout)
    assert data["model_card"] is None and data["recipe"] == NO_CARD
    assert data["sha256"] == sha256_of(path)
    shipped = json.loads(run("shapes", "--json").stdout)
    assert shipped["model_card"] == "present" and shipped["recipe"].startswith("lenet-viz train")
