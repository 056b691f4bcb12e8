"""LeNet-5 as the seed builds it, its variants, and save/load with a checked model card.

Nets are plain Gluon ``nn.Sequential`` objects. The seed's ``class LeNet(d2l.Classifier)`` is
available as :func:`lenet_classifier`; it is built on demand because importing d2l costs
~2.3 s (IPython, pandas, pyplot) and most commands never need it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ModelError

#: The shipped digit models (mnist-5k), one per variant; ``seed`` is the chapter's Fashion-MNIST net.
DIGIT_MODELS = ("lenet5", "modern", "mlp")
SHIPPED = (*DIGIT_MODELS, "seed")
CARD_VERSION = 1
NO_CARD = "no model card: recipe unknown"
DATASET_HINT = ("pass --dataset (dataset= in Python): mnist-5k, fashion-mnist or a folder holding "
                "the four IDX .gz files")


def _lenet5(nn: Any) -> Any:
    net = nn.Sequential()
    net.add(
        nn.Conv2D(6, kernel_size=5, padding=2, activation="sigmoid"),
        nn.AvgPool2D(pool_size=2, strides=2),
        nn.Conv2D(16, kernel_size=5, activation="sigmoid"),
        nn.AvgPool2D(pool_size=2, strides=2),
        nn.Dense(120, activation="sigmoid"),
        nn.Dense(84, activation="sigmoid"),
        nn.Dense(10),
    )
    return net


def _modern(nn: Any) -> Any:
    # The seed's "modern" column: ReLU, max-pool, BatchNorm, He init and a global-average-pool
    # head instead of the 400x120 dense layer. A GAP head over only 16 channels is weak, so the
    # encoder is widened (16/32 channels) and a 3x3 conv with 64 channels feeds the head.
    net = nn.Sequential()
    net.add(
        nn.Conv2D(16, kernel_size=5, padding=2),
        nn.BatchNorm(),
        nn.Activation("relu"),
        nn.MaxPool2D(pool_size=2, strides=2),
        nn.Conv2D(32, kernel_size=5),
        nn.BatchNorm(),
        nn.Activation("relu"),
        nn.MaxPool2D(pool_size=2, strides=2),
        nn.Conv2D(64, kernel_size=3, padding=1),
        nn.BatchNorm(),
        nn.Activation("relu"),
        nn.GlobalAvgPool2D(),
        nn.Flatten(),
        nn.Dense(10),
    )
    return net


def _mlp(nn: Any) -> Any:
    # The dense baseline of d2l's MLP chapter: one hidden layer of 256 ReLU units.
    net = nn.Sequential()
    net.add(nn.Dense(256, activation="relu"), nn.Dense(10))
    return net


@dataclass(frozen=True)
class Variant:
    """One architecture of the registry."""

    name: str
    build: Callable[[Any], Any]
    init: str  # "xavier" or "he"
    description: str


VARIANTS: dict[str, Variant] = {
    "lenet5": Variant("lenet5", _lenet5, "xavier",
                      "LeNet-5 as in d2l: sigmoid, average pooling, dense head 400-120-84-10, Xavier init"),
    "modern": Variant("modern", _modern, "he",
                      "modern LeNet: ReLU, max pooling, BatchNorm, He init, global-average-pool head"),
    "mlp": Variant("mlp", _mlp, "xavier", "dense baseline: 784-256(ReLU)-10"),
}

INITS = ("xavier", "he", "default", "normal")


def _initializer(name: str) -> Any:
    from ._mx import init

    if name == "xavier":
        return init.Xavier()
    if name == "he":
        return init.MSRAPrelu(factor_type="in", slope=0.0)
    if name == "default":  # MXNet's own default: uniform(-0.07, 0.07)
        return init.Uniform(0.07)
    if name == "normal":  # a wide normal init, to show what saturation looks like
        return init.Normal(1.0)
    raise ModelError(f"unknown init {name!r}; choose one of {', '.join(INITS)}")


def build_net(variant: str = "lenet5", initializer: str | None = None) -> Any:
    """Build and initialise a net of the registry on the CPU.

    Args:
        variant: a key of :data:`VARIANTS`.
        initializer: ``xavier``, ``he``, ``default`` or ``normal``; the variant's own by default.
    Returns:
        an initialised ``gluon.nn.Sequential`` (shapes are inferred on the first forward).
    Raises:
        ModelError: for an unknown variant or init.
    """
    from ._mx import mnp, nn

    if variant not in VARIANTS:
        raise ModelError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    spec = VARIANTS[variant]
    net = spec.build(nn)
    net.initialize(_initializer(initializer or spec.init))
    net(mnp.zeros((1, 1, 28, 28)))  # finish deferred init so parameter shapes are known
    return net


def count_params(net: Any) -> int:
    """Number of learnable parameters (BatchNorm running statistics excluded)."""
    return int(sum(p.data().size for p in net.collect_params().values() if p.grad_req != "null"))


@dataclass
class Model:
    """A net with its model card. ``card`` holds the training record (see :func:`save_model`)."""

    net: Any
    variant: str
    card: dict = field(default_factory=dict)
    source: str = ""

    @property
    def has_card(self) -> bool:
        """False for a bare ``.params`` file (or an in-memory net): its recipe is unknown."""
        return not self.card.get("no_card")

    def predict_proba(self, x: Any, batch_size: int = 1000) -> Any:
        """Class probabilities for images ``x`` of shape (N,1,28,28) as a numpy array."""
        import numpy as np

        from ._mx import mnp, npx

        out = []
        for i in range(0, len(x), batch_size):
            logits = self.net(mnp.array(np.asarray(x[i:i + batch_size], dtype="float32")))
            out.append(npx.softmax(logits).asnumpy())
        return np.concatenate(out) if out else np.zeros((0, 10), "float32")

    @property
    def n_params(self) -> int:
        return count_params(self.net)


def lenet_classifier(lr: float = 0.1) -> Any:
    """The seed's ``class LeNet(d2l.Classifier)``, with our ``lenet5`` net as ``.net``.

    Imports d2l (slow), so it is only built when asked for.
    """
    from d2l import mxnet as d2l

    class LeNet(d2l.Classifier):
        """The LeNet-5 model (d2l 7.6)."""

        def __init__(self, lr: float = 0.1, num_classes: int = 10) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = build_net("lenet5")

    return LeNet(lr=lr)


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _paths(path: str | os.PathLike) -> tuple[Path, Path]:
    p = Path(path)
    stem = p.with_suffix("") if p.suffix in (".params", ".json") else p
    return stem.with_name(stem.name + ".params"), stem.with_name(stem.name + ".json")


def save_model(net: Any, path: str | os.PathLike, card: dict) -> tuple[Path, Path]:
    """Write ``PATH.params`` and the model card ``PATH.json`` (with the params' sha256).

    Both files are written to temporary names and renamed, so a failure leaves no half file.

    Returns:
        the two paths written.
    """
    params_path, card_path = _paths(path)
    params_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_params = params_path.with_name(params_path.name + ".tmp")
    tmp_card = card_path.with_name(card_path.name + ".tmp")
    try:
        net.save_parameters(str(tmp_params))
        card = dict(card, card_version=CARD_VERSION, sha256=sha256_of(tmp_params),
                    params_file=params_path.name)
        tmp_card.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
        os.replace(tmp_params, params_path)
        os.replace(tmp_card, card_path)
    finally:
        for tmp in (tmp_params, tmp_card):
            if tmp.exists():
                tmp.unlink()
    return params_path, card_path


def shipped_path(name: str) -> Path:
    """Path (without suffix) of a shipped model's files."""
    return Path(str(resources.files("lenet_viz") / "weights" / name))


def _checkpoint(name_or_path: str | os.PathLike) -> tuple[str, str] | None:
    """``(run, epoch)`` if the argument is a checkpoint id ``<run>@<epoch>`` (see
    :mod:`lenet_viz.snapshots`); a local ``x@2.params`` of an unknown run stays a path."""
    from .snapshots import RUNS, parse_id

    ident = parse_id(str(name_or_path))
    if ident is None or (ident[0] not in RUNS and _paths(name_or_path)[0].exists()):
        return None
    return ident


def resolve(name_or_path: str | os.PathLike) -> tuple[Path, Path, str]:
    """Map a shipped name, a checkpoint id (``seed-xavier@44``) or a path to (params, card, label);
    raises ModelError if none. A checkpoint's params are its run's ``.npz`` (or the shipped model
    whose weights it is) and its card the run card."""
    s = str(name_or_path)
    ident = _checkpoint(s)
    if ident is not None:
        from .snapshots import checkpoints_dir, find

        run_card, ck = find(*ident)
        if "model" in ck:
            return resolve(ck["model"])[0], checkpoints_dir() / f"{ident[0]}.json", s
        return checkpoints_dir() / run_card["npz"]["file"], checkpoints_dir() / f"{ident[0]}.json", s
    # A bare shipped name always means the shipped model: a folder called `lenet5` in the current
    # directory (e.g. made by `activations -o lenet5`) must not break every default command.
    # A local file of that name is reached as ./lenet5.params.
    if s in SHIPPED:
        params, card = _paths(shipped_path(s))
        if not params.exists():
            raise ModelError(f"shipped model {s!r} has no weights in this install ({params}); "
                             f"reinstall lenet-viz")
        return params, card, s
    params, card = _paths(s)
    if Path(s).is_dir():
        raise ModelError(f"model {s!r} is a directory; give a shipped name "
                         f"({', '.join(SHIPPED)}) or a .params file")
    if not params.exists() and params.is_symlink():
        raise ModelError(f"model {s!r}: {params} is a broken symlink or a symlink loop; give a "
                         f"shipped name ({', '.join(SHIPPED)}) or a path to a real .params file")
    if not params.exists():
        raise ModelError(f"model {s!r} not found: give a shipped name ({', '.join(SHIPPED)}) "
                         f"or a path to a .params file (with its .json model card beside it, "
                         f"or with --dataset)")
    return params, card, s


def read_card(card_path: Path) -> dict:
    """Read and check a model card; raises ModelError naming the file."""
    if not card_path.exists():
        raise ModelError(f"model card {card_path} is missing: a .params file needs the .json "
                         f"that `lenet-viz train` writes beside it")
    try:
        text = card_path.read_text()
    except OSError as e:
        raise ModelError(f"cannot read model card {card_path}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise ModelError(f"model card {card_path} is not valid JSON ({e})") from None
    try:
        card = json.loads(text)
    except (ValueError, RecursionError) as e:  # RecursionError: hostile nesting like [[[[…]]]]
        msg = "nested too deeply" if isinstance(e, RecursionError) else str(e)
        raise ModelError(f"model card {card_path} is not valid JSON ({msg})") from None
    if not isinstance(card, dict) or not isinstance(card.get("variant"), str) \
            or not isinstance(card.get("sha256"), str):
        raise ModelError(f"model card {card_path} lacks 'variant' or 'sha256'; "
                         f"it must be a card written by `lenet-viz train`")
    if card["variant"] not in VARIANTS:
        raise ModelError(f"model card {card_path} names unknown variant {card['variant']!r}; "
                         f"known: {', '.join(VARIANTS)}")
    # Fields the commands compute with or format as numbers: checked here, before any work, so a
    # hand-edited card is a clear error rather than a crash half-way through a gallery.
    for key, types, what in (("dataset", (str,), "a dataset name or folder"),
                             ("test_accuracy", (int, float), "a number"),
                             ("train_accuracy", (int, float), "a number")):
        value = card.get(key)
        if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
            raise ModelError(f"model card {card_path}: {key!r} must be {what}, got {value!r:.60}")
    return card


def load_model(name_or_path: str | os.PathLike = "lenet5", variant: str | None = None,
               dataset: str | None = None) -> Model:
    """Load a shipped model by name or a trained one by path, checking its sha256.

    A ``.params`` file without its ``.json`` card (e.g. ``model.net.save_parameters(...)`` in a
    d2l notebook) opens too: its architecture is recognised from the parameter shapes (or named
    by ``variant``) and ``dataset`` must say which images it reads.

    Args:
        name_or_path: ``lenet5``, ``modern``, ``mlp``, ``seed`` or a path to ``X.params``.
        variant: the architecture of a card-less file (default: recognised from its shapes).
        dataset: the dataset of a card-less file (``mnist-5k``, ``fashion-mnist`` or a folder).
    Returns:
        a :class:`Model`.
    Raises:
        ModelError: missing files, malformed card, checksum mismatch or wrong architecture.
    """
    from .data import dataset_classes
    from .params import cardless_card, fill, read_params, recognise

    ident = _checkpoint(name_or_path)
    if ident is not None:
        return _load_checkpoint(*ident, variant)
    params, card_path, label = resolve(name_or_path)
    has_card = card_path.exists() or label in SHIPPED
    if not has_card and dataset is None:
        raise ModelError(f"weights {params} have no model card ({card_path.name}), so the images "
                         f"they were trained on are unknown: {DATASET_HINT}")
    if not has_card:
        dataset_classes(dataset)  # an unknown dataset fails now, not after loading
    card = read_card(card_path) if has_card else None
    try:
        digest = sha256_of(params)
    except OSError as e:
        raise ModelError(f"cannot read weights {params}: {e.strerror}") from None
    if card is not None and digest != card["sha256"]:
        raise ModelError(f"weights {params} do not match their model card {card_path.name} "
                         f"(sha256 differs): the file is damaged or was changed after training")
    if card is not None and variant is not None and variant != card["variant"]:
        raise ModelError(f"--variant {variant} contradicts the model card {card_path.name} "
                         f"(variant {card['variant']!r}); leave --variant out")
    arrays = read_params(params)
    if card is None:
        variant = recognise({k: tuple(v.shape) for k, v in arrays.items()}, params, variant)
        card = cardless_card(variant, dataset, digest, params.name)
    net = build_net(card["variant"])
    fill(net, arrays, params, card["variant"])
    return Model(net=net, variant=card["variant"], card=card, source=label)


def _load_checkpoint(run: str, epoch: str, variant: str | None) -> Model:
    """A shipped training checkpoint as a Model whose card is that checkpoint's."""
    from ._mx import mnp
    from .params import fill
    from .snapshots import checkpoint_id, checkpoints_dir, find, npz_arrays, unflatten

    run_card, ck = find(run, epoch)
    ident = checkpoint_id(run, ck["epoch"])
    if variant is not None and variant != run_card["variant"]:
        raise ModelError(f"--variant {variant} contradicts checkpoint {ident} (variant "
                         f"{run_card['variant']!r}); leave --variant out")
    keys = ("dataset", "init", "augment", "optimizer", "lr", "batch_size", "seed", "about", "command")
    card = {**{k: run_card[k] for k in keys if k in run_card}, "variant": run_card["variant"],
            "checkpoint": ident, "run": run, "epoch": ck["epoch"], "run_epochs": run_card["epochs"],
            "test_accuracy": ck["test_accuracy"], "saturated": ck["saturated"], "dtype": ck["dtype"],
            "fp16_effect": ck["fp16_effect"]}
    if "model" in ck:  # this checkpoint is a shipped model's file, float32
        shipped = load_model(ck["model"])
        card.update(sha256=shipped.card["sha256"], params_file=shipped.card["params_file"])
        return Model(net=shipped.net, variant=shipped.variant, card=card, source=ident)
    path = checkpoints_dir() / run_card["npz"]["file"]
    flat = npz_arrays(path, run_card["npz"]["sha256"])[ck["key"]]
    arrays = {k: mnp.array(v) for k, v in unflatten(flat, run_card["params"]).items()}
    net = build_net(run_card["variant"])
    fill(net, arrays, path, run_card["variant"])
    card.update(sha256=run_card["npz"]["sha256"], params_file=f"{path.name}:{ck['key']}")
    return Model(net=net, variant=run_card["variant"], card=card, source=ident)
