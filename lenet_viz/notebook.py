"""From a d2l notebook to lenet-viz: the chapter's data for ``d2l.Trainer``, in-memory models.

``d2l.FashionMNIST`` downloads (and fails offline: Debian's files have other SHA-1s than Gluon
expects), so :func:`d2l_data` hands ``d2l.Trainer`` the same images lenet-viz reads.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .errors import ModelError, mxnet_message


def d2l_data(data: Any, batch_size: int = 128, train_limit: int | None = None) -> Any:
    """A ``d2l.DataModule`` over a :class:`~lenet_viz.data.Dataset` (train shuffled, test as validation).

    Args:
        data: the dataset, e.g. ``load_dataset("fashion-mnist")``.
        batch_size: the chapter's 128 by default.
        train_limit: only the first N training images (tests).
    """
    from d2l import mxnet as d2l

    n = train_limit or len(data.train)

    class Arrays(d2l.DataModule):
        """The dataset's arrays as Gluon DataLoaders, as d2l.FashionMNIST would give them."""

        def __init__(self) -> None:
            super().__init__()
            self.batch_size = batch_size
            self.arrays = {True: (data.train.x[:n], data.train.y[:n]),
                           False: (data.test.x, data.test.y)}

        def get_dataloader(self, train: bool) -> Any:
            return self.get_tensorloader(self.arrays[train], train)

    return Arrays()


def net_of(obj: Any) -> Any:
    """The Gluon net inside a d2l ``Classifier`` (its ``.net``), or ``obj`` if it is a net."""
    from ._mx import gluon

    net = getattr(obj, "net", obj)
    if not isinstance(net, gluon.Block):
        raise ModelError(f"expected a d2l Classifier or a Gluon net, got {type(obj).__name__}")
    return net


def as_model(obj: Any, dataset: str, variant: str | None = None, label: str = "in-memory net") -> Any:
    """A card-less :class:`~lenet_viz.model.Model` for an in-memory d2l ``Classifier`` or Gluon net.

    The parameters are copied into a fresh net of the recognised variant, so a hybridized net
    (whose hooks would not fire) is shown exactly as an imperative one.
    """
    from ._mx import mnp
    from .data import dataset_classes
    from .model import Model, build_net
    from .params import cardless_card, recognise

    dataset_classes(dataset)
    net = net_of(obj)
    try:
        arrays = {k: p.data() for k, p in net._collect_params_with_prefix().items()}
    except Exception:  # deferred init: one forward finishes it
        try:
            net(mnp.zeros((1, 1, 28, 28)))
            arrays = {k: p.data() for k, p in net._collect_params_with_prefix().items()}
        except Exception as e:
            raise ModelError(f"the {type(net).__name__} has no usable parameters ({mxnet_message(e)}); "
                             f"initialize and train it first") from None
    variant = recognise({k: tuple(v.shape) for k, v in arrays.items()}, label, variant)
    fresh = build_net(variant)
    h = hashlib.sha256()
    for name, p in fresh._collect_params_with_prefix().items():
        value = arrays[name].astype(p.dtype)
        p.set_data(value)
        h.update(name.encode() + value.asnumpy().tobytes())
    card = cardless_card(variant, dataset, h.hexdigest(), label)
    card["sha256_of"] = "parameter values (in memory, no file)"
    return Model(net=fresh, variant=variant, card=card, source=label)


def _model(model: Any, dataset: str | None) -> Any:
    """A :class:`~lenet_viz.model.Model` from a name, a path, a Model, a d2l Classifier or a Gluon net."""
    import os

    from .model import DATASET_HINT, Model, load_model

    if isinstance(model, Model):
        return model
    if isinstance(model, (str, os.PathLike)):
        return load_model(model, dataset=dataset)
    if dataset is None:
        raise ModelError(f"an in-memory {type(model).__name__} has no model card, so the images it "
                         f"reads are unknown: {DATASET_HINT}")
    return as_model(model, dataset)


def gallery(model: Any, out: Any = "gallery", dataset: str | None = None, images: Any = ()) -> Any:
    """Build the static gallery for a model, straight from a notebook.

    Args:
        model: an in-memory d2l ``Classifier`` or Gluon net (hybridized or not), a loaded
            :class:`~lenet_viz.model.Model`, a shipped name or a ``.params`` path.
        out: the gallery folder (replaced atomically; only folders made by lenet-viz are replaced).
        dataset: ``mnist-5k``, ``fashion-mnist`` or a folder of IDX files; required when the model
            has no card (in-memory nets, card-less files).
        images: paths of your own images to add a page for.
    Returns:
        the ``Path`` of the gallery's ``index.html``.
    """
    from pathlib import Path

    from .data import load_dataset
    from .garments import image_loader
    from .site import Digit, build_gallery, check_output
    from .site.pages import pages_for

    target = check_output(Path(out))
    m = _model(model, dataset)
    data = load_dataset(dataset or m.card.get("dataset", "mnist-5k"))
    user = []
    for p in images:
        info = image_loader(data.classes)(p)
        user.append(Digit("", Path(p).name, info.array[0], info.raw, None, info.notes))
    result = build_gallery(target, m, data, user, pages=pages_for(data))
    return result.index


def show(model: Any, x: Any, dataset: str | None = None) -> Any:
    """Display one input's layers inline in Jupyter: the ``Trace`` table, the diagram, the feature maps.

    Args:
        model: as for :func:`gallery`.
        x: an image path, or an array (28×28, (1,28,28) or (1,1,28,28)) already in dataset form.
        dataset: as for :func:`gallery` (only needed for models without a card).
    Returns:
        the :class:`~lenet_viz.tracedata.Trace` (outside Jupyter nothing is drawn).
    """
    import os

    from .capture import trace
    from .data import dataset_classes
    from .garments import image_loader
    from .images import from_array
    from .render.diagram import diagram
    from .render.maps import feature_maps

    m = _model(model, dataset)
    if isinstance(x, (str, os.PathLike)):
        arr = image_loader(dataset_classes(dataset or m.card.get("dataset", "mnist-5k")))(x).array
    else:
        arr = from_array(x, preprocess=False)
    t = trace(m, arr)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with d2l
        return t
    if get_ipython() is None:
        return t
    display(t)
    display(diagram(t, links=lambda name: None))  # no sections in a notebook for a layer to link to
    for rec in t:
        if rec.output.ndim == 4 and rec.kind in ("conv", "pool"):
            display(feature_maps(t, rec.name))
    return t
