"""What ``--export`` writes: every array of a trace under its documented key, nothing else."""

import numpy as np

from lenet_viz.capture import trace


def test_npz_holds_every_array_under_its_key(seeded_net, digits, tmp_path):
    t = trace(seeded_net, digits[0][:2])
    t.to_npz(tmp_path / "t.npz")
    expected = {"input": t.input, "probabilities": t.probabilities}
    for r in t:
        expected[r.name] = r.output
        if r.pre is not None:
            expected[f"{r.name}.pre"] = r.pre
    assert "conv1.pre" in expected and "pool1.pre" not in expected
    with np.load(tmp_path / "t.npz") as f:
        assert sorted(f.files) == sorted(expected)
        for key, value in expected.items():
            np.testing.assert_array_equal(f[key], value, err_msg=key)
