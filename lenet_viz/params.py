"""Weights files without a model card: read them, recognise the architecture from the parameter shapes.

A d2l reader's ``model.net.save_parameters("lenet.params")`` writes positional names (``0.weight``,
``2.bias``…) and no card; :func:`recognise` finds the variant whose names and shapes match, or names
the first parameter that differs and the shape expected.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from .errors import ModelError, mxnet_message
from .model import NO_CARD, VARIANTS, build_net


def read_params(params: Path) -> dict:
    """The arrays of a ``.params`` file by name; ModelError if it cannot be read."""
    from ._mx import npx

    try:
        arrays = npx.load(str(params))
    except OSError as e:
        raise ModelError(f"cannot read weights {params}: {e.strerror or e}") from None
    except Exception as e:  # MXNetError "Invalid NDArray file format" with a C++ trace
        raise ModelError(f"weights {params} are truncated or not an MXNet .params file "
                         f"({mxnet_message(e)}); save them with net.save_parameters(PATH)") from None
    if not isinstance(arrays, dict) or not arrays:
        raise ModelError(f"weights {params} hold no named parameters; save them with "
                         f"net.save_parameters(PATH)")
    # `model.save_parameters(...)` on a d2l Classifier prefixes every name with its `net` child
    if all(k.startswith("net.") for k in arrays):
        arrays = {k[4:]: v for k, v in arrays.items()}
    return arrays


@functools.cache
def expected_shapes(variant: str) -> dict[str, tuple]:
    """Parameter names (as ``save_parameters`` writes them) and shapes of a variant."""
    net = build_net(variant)
    return {k: tuple(p.shape) for k, p in net._collect_params_with_prefix().items()}


def shape_mismatch(shapes: dict, expected: dict) -> str | None:
    """The first parameter that differs between ``shapes`` and ``expected``, in words; None if none."""
    for name, shape in expected.items():
        if name not in shapes:
            return f"parameter {name!r} is missing (expected shape {shape})"
        if tuple(shapes[name]) != shape:
            return f"parameter {name!r} has shape {tuple(shapes[name])}, expected {shape}"
    extra = [k for k in shapes if k not in expected]
    return f"parameter {extra[0]!r} is not part of it" if extra else None


def recognise(shapes: dict, params: Path, variant: str | None = None) -> str:
    """The variant whose parameter shapes are ``shapes`` (or check the one named).

    Raises:
        ModelError: naming the first parameter that differs and the shape expected.
    """
    if variant is not None:
        if variant not in VARIANTS:
            raise ModelError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
        diff = shape_mismatch(shapes, expected_shapes(variant))
        if diff:
            raise ModelError(f"weights {params} do not fit variant {variant!r}: {diff}")
        return variant
    diffs = {}
    for name in VARIANTS:
        expected = expected_shapes(name)
        diff = shape_mismatch(shapes, expected)
        if diff is None:
            return name
        same = sum(tuple(shapes.get(k, ())) == v for k, v in expected.items())
        same_rank = sum(len(shapes.get(k, ())) == len(v) for k, v in expected.items())
        diffs[name] = ((same, same_rank), diff)
    closest = max(diffs, key=lambda n: diffs[n][0])  # most equal shapes, then most of equal rank
    raise ModelError(f"weights {params} match no known architecture ({', '.join(VARIANTS)}; "
                     f"lenet5 is the d2l chapter's LeNet): closest is {closest!r}, but its "
                     f"{diffs[closest][1]}")


def fill(net: Any, arrays: dict, params: Path, variant: str) -> None:
    """Set ``net``'s parameters from ``arrays`` after checking every name and shape."""
    diff = shape_mismatch({k: tuple(v.shape) for k, v in arrays.items()},
                          expected_shapes(variant))
    if diff:
        raise ModelError(f"weights {params} do not fit variant {variant!r}: {diff}")
    for name, p in net._collect_params_with_prefix().items():
        p.set_data(arrays[name].astype(p.dtype))


def cardless_card(variant: str, dataset: str, sha256: str, source: str) -> dict:
    """The stand-in card of a model that came without one: what is known, and that the rest is not."""
    return {"variant": variant, "description": VARIANTS[variant].description, "dataset": dataset,
            "sha256": sha256, "no_card": NO_CARD, "params_file": source}
