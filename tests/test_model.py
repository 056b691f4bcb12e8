"""Model registry, shipped weights (re-measured), save/load and its failure modes."""

import json
import shutil

import numpy as np
import pytest

from lenet_viz.errors import ModelError
from lenet_viz.model import (
    SHIPPED,
    VARIANTS,
    build_net,
    count_params,
    lenet_classifier,
    load_model,
    save_model,
    sha256_of,
    shipped_path,
)


def _walk(net, x):
    shapes = []
    for layer in net:
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    return shapes


def test_seed_shape_walk_and_params():
    from lenet_viz._mx import mnp

    net = build_net("lenet5")
    shapes = _walk(net, mnp.zeros((1, 1, 28, 28)))
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120,), (84,), (10,)]
    assert count_params(net) == 61_706
    assert type(net).__name__ == "Sequential"


def test_variants_build_and_give_ten_logits():
    from lenet_viz._mx import mnp

    for name in VARIANTS:
        out = build_net(name)(mnp.zeros((2, 1, 28, 28)))
        assert out.shape == (2, 10), name
    # the modern GAP head replaces the 48,120-parameter dense1 and is much smaller overall
    assert count_params(build_net("modern")) < count_params(build_net("lenet5"))


def test_unknown_variant_and_init():
    with pytest.raises(ModelError, match="lenet5, modern, mlp"):
        build_net("resnet")
    with pytest.raises(ModelError, match="xavier"):
        build_net("lenet5", "ones")


def test_seed_classifier_is_a_d2l_classifier():
    from d2l import mxnet as d2l

    model = lenet_classifier()
    assert isinstance(model, d2l.Classifier)
    assert count_params(model.net) == 61_706


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, lenet_viz, lenet_viz.cli; print('mxnet' in sys.modules, 'd2l' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.slow
@pytest.mark.parametrize("name,target", [("lenet5", 0.96), ("modern", 0.97)])
def test_shipped_accuracy_remeasured(name, target):
    from lenet_viz.data import mnist5k
    from lenet_viz.train import accuracy

    model = load_model(name)
    test = mnist5k().test
    acc = accuracy(model.net, test.x, test.y)
    assert len(test) == 1000
    assert acc >= target, f"{name}: {acc}"
    assert abs(acc - model.card["test_accuracy"]) < 0.002  # the card tells the truth


def test_shipped_cards_are_complete():
    for name in SHIPPED:
        card = json.loads(shipped_path(name).with_name(name + ".json").read_text())
        for key in ("variant", "dataset", "split", "optimizer", "lr", "epochs", "batch_size", "seed",
                    "train_accuracy", "test_accuracy", "history", "sha256", "command", "why"):
            assert key in card, (name, key)
        assert card["command"].startswith("lenet-viz train ")
        assert len(card["history"]) >= card["epochs"]
        assert card["sha256"] == sha256_of(shipped_path(name).with_name(name + ".params"))


@pytest.fixture
def saved(tmp_path):
    net = build_net("lenet5")
    save_model(net, tmp_path / "m", {"variant": "lenet5"})
    return tmp_path / "m.params", tmp_path / "m.json"


def test_save_load_roundtrip(saved):
    params, _ = saved
    a = load_model(params)
    b = load_model(str(params)[:-len(".params")])
    x = np.random.RandomState(0).rand(3, 1, 28, 28).astype("float32")
    np.testing.assert_array_equal(a.predict_proba(x), b.predict_proba(x))
    assert sorted(p.name for p in params.parent.iterdir()) == ["m.json", "m.params"]  # no temp files


def _error(path):
    before = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(ModelError) as e:
        load_model(path)
    assert sorted(p.name for p in path.parent.iterdir()) == before  # nothing written beside it
    assert "Traceback" not in str(e.value) and "\n" not in str(e.value)
    return str(e.value)


def test_truncated_params(saved):
    params, _ = saved
    params.write_bytes(params.read_bytes()[:1000])
    assert "sha256" in _error(params)


def test_tampered_one_byte(saved):
    params, _ = saved
    data = bytearray(params.read_bytes())
    data[len(data) // 2] ^= 0x01  # MXNet itself would load this silently
    params.write_bytes(bytes(data))
    msg = _error(params)
    assert "m.params" in msg and "sha256" in msg


def _recard(card_path, params_path, **changes):
    card = json.loads(card_path.read_text())
    card.update(changes, sha256=sha256_of(params_path))
    card_path.write_text(json.dumps(card))


def test_garbage_params_with_matching_card(saved):
    params, card = saved
    params.write_bytes(b"not a params file at all" * 10)
    _recard(card, params)
    assert "not an MXNet .params file" in _error(params)


def test_wrong_architecture(saved):
    params, card = saved
    _recard(card, params, variant="modern")
    assert "do not fit variant 'modern'" in _error(params)


def test_missing_and_malformed_card(saved):
    params, card = saved
    card.write_text("{not json")
    assert "not valid JSON" in _error(params)
    card.write_text(json.dumps({"foo": 1}))
    assert "lacks 'variant'" in _error(params)
    card.write_text(json.dumps({"variant": "vgg", "sha256": "x"}))
    assert "unknown variant 'vgg'" in _error(params)
    card.unlink()  # a card-less file needs --dataset (tests/test_cardless.py)
    assert "no model card (m.json)" in _error(params) and "--dataset" in _error(params)


def test_missing_model_and_directory(tmp_path):
    with pytest.raises(ModelError, match="not found.*lenet5, modern, mlp"):
        load_model(tmp_path / "nope.params")
    with pytest.raises(ModelError, match="is a directory"):
        load_model(tmp_path)


def test_shipped_copy_loads_from_elsewhere(tmp_path):
    src = shipped_path("lenet5")
    for suffix in (".params", ".json"):
        shutil.copy(src.with_name("lenet5" + suffix), tmp_path / ("copy" + suffix))
    assert load_model(tmp_path / "copy.params").variant == "lenet5"


def test_seed_is_the_chapters_net():
    """`seed`: d2l's LeNet recipe on Fashion-MNIST, compared with d2l.Trainer on the same data."""
    card = load_model("seed").card
    recipe = {k: card[k] for k in ("variant", "dataset", "optimizer", "lr", "batch_size", "epochs", "init")}
    assert recipe == {"variant": "lenet5", "dataset": "fashion-mnist", "optimizer": "sgd", "lr": 0.1,
                      "batch_size": 128, "epochs": 10, "init": "xavier"}
    assert card["split"] == {"train": 60_000, "test": 10_000}
    assert abs(card["test_accuracy"] - card["d2l_trainer"]["test_accuracy"]) < 0.02
