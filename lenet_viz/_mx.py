"""The one place that imports MXNet, so the cost is paid only by commands that need it."""

import os
import warnings

# MXNet 1.9.1 warns about numpy aliases on import; the message is not ours to fix.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"mxnet(\..*)?")
os.environ.setdefault("MXNET_SUBGRAPH_VERBOSE", "0")
os.environ.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon, init, npx  # noqa: E402
from mxnet import np as mnp  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

# d2l's MXNet chapters run in NumPy mode; nets built here must behave the same in a notebook.
npx.set_np()


def seed_all(seed: int) -> None:
    """Seed every generator a training run touches (DataLoader shuffles with numpy.random)."""
    import random

    import numpy

    random.seed(seed)
    numpy.random.seed(seed)
    mx.random.seed(seed)


__all__ = ["mx", "autograd", "gluon", "init", "npx", "mnp", "nn", "seed_all"]
