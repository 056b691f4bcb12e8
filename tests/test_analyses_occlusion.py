"""Occlusion sensitivity."""


import numpy as np
import pytest

from lenet_viz.analyses.occlusion import fast_predictor, occlusion_map
from lenet_viz.capture import trace
from lenet_viz.errors import LenetVizError


def test_occlusion_of_a_blank_region_changes_nothing(trained, half_blank):
    occ = occlusion_map(trained, half_blank, patch=6, stride=2)
    blank_rows = occ.rows >= 14  # patches lying wholly in the erased half
    assert blank_rows.sum() == 5  # rows 14, 16, …, 22
    np.testing.assert_allclose(occ.drop[blank_rows], 0.0, atol=1e-6)
    assert (occ.predicted[blank_rows] == occ.target).all()
    assert np.abs(occ.drop[~blank_rows]).max() > 0.01  # elsewhere the patch does erase ink
    # A gray patch over the same blank region is new ink, and the net reacts to it: why 0 is used.
    gray = occlusion_map(trained, half_blank, patch=6, stride=2, value=0.5)
    assert np.abs(gray.drop[blank_rows]).max() > 0.01


def test_occlusion_equals_a_direct_loop(trained, small):
    x = small[0][5]
    occ = occlusion_map(trained, x, patch=5, stride=4, batch_size=9)
    assert list(occ.rows) == list(occ.cols) == [0, 4, 8, 12, 16, 20, 23]  # last flush with the edge
    p0 = trained.predict_proba(x[None])[0]
    assert occ.target == int(p0.argmax()) and occ.p0 == pytest.approx(float(p0.max()))
    expected = np.zeros((7, 7))
    for a, r in enumerate(occ.rows):
        for b, c in enumerate(occ.cols):
            img = x.copy()
            img[0, r:r + 5, c:c + 5] = 0.0
            expected[a, b] = p0[occ.target] - trained.predict_proba(img[None])[0, occ.target]
    np.testing.assert_allclose(occ.drop, expected, atol=1e-5)
    # the pixel map is the mean over the patches covering each pixel
    covering = [(a, b) for a, r in enumerate(occ.rows) for b, c in enumerate(occ.cols)
                if r <= 22 < r + 5 and c <= 3 < c + 5]
    assert occ.pixel[22, 3] == pytest.approx(np.mean([occ.drop[a, b] for a, b in covering]), abs=1e-6)
    assert occ.pixel.shape == (28, 28) and np.isfinite(occ.pixel).all()


def test_occlusion_with_the_fast_predictor_agrees(small):
    from lenet_viz.model import load_model

    model = load_model("lenet5")  # a private copy: fast_predictor hybridizes the net's layers
    x = small[0][7]
    slow = occlusion_map(model, x)
    fast = occlusion_map(model, x, predict=fast_predictor(model))
    np.testing.assert_allclose(fast.drop, slow.drop, atol=1e-5)
    assert fast.target == slow.target and (fast.predicted == slow.predicted).all()
    assert len(trace(model, x[None]).layers) == 7  # tracing still sees every layer afterwards


def test_occlusion_target_and_input_checks(seeded_net, small):
    x = small[0][0]
    occ = occlusion_map(seeded_net, x, target=3)
    assert occ.target == 3 and occ.drop.shape == (12, 12)
    with pytest.raises(LenetVizError, match="target"):
        occlusion_map(seeded_net, x, target=10)
    with pytest.raises(LenetVizError, match="patch"):
        occlusion_map(seeded_net, x, patch=0)
    with pytest.raises(LenetVizError, match="28×28"):
        occlusion_map(seeded_net, np.zeros((2, 28, 28)))
