"""Ops, as `keras.ops`: Keras 3's backend-agnostic tensor functions, on torch tensors.

Everything is importable from here (`ops.mean`, `ops.softmax`, `ops.norm`) and from the sub-namespaces Keras
has (`ops.numpy`, `ops.nn`, `ops.linalg`, `ops.math`, `ops.core`). Each op called on a symbolic KerasTensor
records a node of the functional graph (see `operation.py`).
"""

from __future__ import annotations

from kerasish.ops import core, einops, image, keras_tensor_operators, linalg, math, nn, numpy
from kerasish.ops.core import (
    associative_scan,
    cast,
    cond,
    convert_to_numpy,
    convert_to_tensor,
    custom_gradient,
    dtype,
    fori_loop,
    is_tensor,
    map,
    saturate_cast,
    scan,
    scatter,
    scatter_update,
    shape,
    slice,
    slice_update,
    stop_gradient,
    switch,
    unstack,
    vectorized_map,
    while_loop,
)
from kerasish.ops.einops import rearrange
from kerasish.ops.linalg import *  # noqa: F401,F403
from kerasish.ops.math import *  # noqa: F401,F403
from kerasish.ops.nn import *  # noqa: F401,F403
from kerasish.ops.numpy import *  # noqa: F401,F403

keras_tensor_operators.attach()

__all__ = sorted(
    set(linalg.__all__)
    | set(math.__all__)
    | set(nn.__all__)
    | set(numpy.__all__)
    | {
        "associative_scan",
        "cast",
        "rearrange",
        "cond",
        "convert_to_numpy",
        "convert_to_tensor",
        "custom_gradient",
        "dtype",
        "fori_loop",
        "is_tensor",
        "map",
        "saturate_cast",
        "scan",
        "scatter",
        "scatter_update",
        "shape",
        "slice",
        "slice_update",
        "stop_gradient",
        "switch",
        "unstack",
        "vectorized_map",
        "while_loop",
        "core",
        "image",
        "linalg",
        "math",
        "nn",
        "numpy",
    }
)
