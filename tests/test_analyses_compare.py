"""lenet5 vs modern vs mlp."""


import numpy as np

from lenet_viz.analyses.compare import compare_models, stage_layers
from lenet_viz.capture import trace


def test_stage_layers(seeded_net, seeded_modern, small):
    x, _ = small
    assert stage_layers(trace(seeded_net, x[:1])) == ["conv1", "pool1", "conv2", "pool2"]
    assert stage_layers(trace(seeded_modern, x[:1])) == ["act1", "pool1", "act2", "pool2"]


def test_compare_models_small(seeded_net, seeded_modern, small):
    from lenet_viz.data import Dataset, Split
    from lenet_viz.train import accuracy, fused

    x, y = small
    data = Dataset("tiny", Split(x, y), Split(x, y), tuple("0123456789"), "tiny")
    out = compare_models({"a": seeded_net, "b": seeded_modern}, data, batch_size=7)  # ragged batches
    assert [s.name for s in out] == ["a", "b"]
    assert out[0].accuracy == accuracy(fused(seeded_net.net), x, y)
    assert sum(p[2] for p in out[0].params) == out[0].total_params == 61706
    assert {r["activation"] for r in out[1].stats} == {"relu"}
    assert all(np.isnan(r["saturated"]) and 0 <= r["zero"] <= 1 for r in out[1].stats)
