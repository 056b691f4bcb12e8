"""User images for Fashion-MNIST models: trimmed, longest side 28 px, centred — not digit-shrunk."""

import numpy as np
import pytest
from PIL import Image

from lenet_viz.data import DIGIT_CLASSES, FASHION_CLASSES, FASHION_DIR
from lenet_viz.errors import ImageError
from lenet_viz.garments import image_loader, load_garment_info
from lenet_viz.images import load_digit_info

pytestmark = pytest.mark.skipif(not FASHION_DIR.is_dir(), reason="needs Debian's dataset-fashion-mnist")


@pytest.fixture(scope="module")
def boot():
    from lenet_viz.data import read_idx

    x = read_idx(FASHION_DIR / "t10k-images-idx3-ubyte.gz", 2051)[0]  # test image 0: an ankle boot
    return x


def test_a_dataset_image_comes_back_nearly_unchanged(boot, tmp_path):
    Image.fromarray(boot, "L").save(tmp_path / "boot.png")
    info = load_garment_info(tmp_path / "boot.png")
    assert info.array.shape == (1, 1, 28, 28) and info.notes == []
    assert np.abs(info.array[0, 0] - boot / 255).mean() < 0.08
    digit = load_digit_info(tmp_path / "boot.png").array[0, 0]  # the digit pipeline shrinks it to 20 px
    assert np.abs(digit - boot / 255).mean() > np.abs(info.array[0, 0] - boot / 255).mean()


def test_a_large_dark_on_light_photo_fills_the_field(boot, tmp_path):
    big = Image.fromarray(255 - boot, "L").resize((280, 280), Image.Resampling.BICUBIC)
    canvas = Image.new("L", (500, 400), 255)
    canvas.paste(big, (37, 61))
    canvas.save(tmp_path / "photo.png")
    info = load_garment_info(tmp_path / "photo.png")
    assert any(n.startswith("inverted: light background") for n in info.notes)
    lit = np.argwhere(info.array[0, 0] > 0.05)
    extent = lit.max(axis=0) - lit.min(axis=0) + 1
    assert extent.max() >= 27  # longest side scaled to the field, as Fashion-MNIST was made


def test_blank_and_missing(tmp_path):
    Image.new("L", (40, 40), 200).save(tmp_path / "blank.png")
    with pytest.raises(ImageError, match="blank.png: nothing found"):
        load_garment_info(tmp_path / "blank.png")
    with pytest.raises(ImageError, match="nope.png"):
        load_garment_info(tmp_path / "nope.png")


def test_loader_follows_the_classes():
    assert image_loader(FASHION_CLASSES) is load_garment_info
    assert image_loader(DIGIT_CLASSES) is load_digit_info
