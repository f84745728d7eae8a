"""Tensor conversion and the default device: the one place values become torch tensors.

Conversion follows Keras's torch backend: a Python float becomes a floatx tensor, a Python int an int32 one,
a NumPy array keeps its dtype, a list takes Keras's promoted dtype (ints -> int32, floats -> floatx). Unlike
Keras, a tensor already on a device stays there; new tensors go next to an op's other tensor inputs, or to the
default device (CUDA when available) when there are none.
"""

from __future__ import annotations

import contextlib
import functools
import threading

import numpy as np
import torch

from kerasish import config
from kerasish.backend.common.dtypes import result_type
from kerasish.backend.common.keras_tensor import KerasTensor


def default_device() -> torch.device:
    """Where kerasish computes by default: where ops create tensors that have no tensor input to sit next to, and
    where `fit` puts a model outside distributed training. The innermost `keras.device(...)` scope's device, else
    CUDA when available, else CPU."""
    scope = getattr(_DEVICE_SCOPES, "stack", None)
    return scope[-1] if scope else _available_device()


@functools.lru_cache(maxsize=1)
def _available_device() -> torch.device:
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


_DEVICE_SCOPES = threading.local()


@contextlib.contextmanager
def device(device_name: str):
    """`with keras.device("cpu"):` (or "gpu:0", "cuda:1", a torch.device): new tensors and `fit` use that device."""
    name = str(device_name).lower()
    kind, _, index = name.partition(":")
    kind = "cuda" if kind == "gpu" else kind
    if kind not in ("cpu", "cuda", "mps", "meta") or (index and not index.isdigit()):
        raise ValueError(f"`keras.device`: unknown device {device_name!r}; expected e.g. 'cpu', 'gpu:0' or 'cuda:1'.")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"`keras.device`: {device_name!r} was asked for, but torch sees no CUDA device.")
    stack = getattr(_DEVICE_SCOPES, "stack", None)
    if stack is None:
        stack = _DEVICE_SCOPES.stack = []
    stack.append(torch.device(f"{kind}:{index}" if index else kind))
    try:
        yield
    finally:
        stack.pop()


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None, device=None) -> torch.Tensor:
    """Converts a tensor, NumPy array, Python scalar or (nested) list to a torch tensor.

    Args:
        x: the value.
        dtype: the dtype of the result (a Keras name or a torch dtype); inferred with Keras's rules when None.
        sparse: must be falsy (torch sparse tensors are not supported).
        ragged: must be falsy.
        device: where a value that is not yet a tensor goes; the default device when None. A tensor keeps its
            device.
    """
    if sparse or ragged:
        raise ValueError(f"kerasish supports dense tensors only; received sparse={sparse}, ragged={ragged}.")
    if dtype is not None and not isinstance(dtype, torch.dtype):
        dtype = config.standardize_dtype(dtype)
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    device = device or default_device()
    if isinstance(x, (bool, int, float)):
        if dtype is None:
            if isinstance(x, bool):
                dtype = torch.bool
            elif isinstance(x, int):
                dtype = torch.int32 if -(2**31) <= x < 2**31 else torch.int64
            else:
                dtype = config.standardize_dtype(None)
        return torch.tensor(x, dtype=dtype, device=device)
    if isinstance(x, KerasTensor):
        raise ValueError(
            f"A symbolic KerasTensor cannot be converted to a tensor: {x}. Symbolic tensors stand for "
            f"values that exist only when the model runs."
        )
    if isinstance(x, (list, tuple)) and x and any(isinstance(v, torch.Tensor) for v in x):
        return torch.stack([convert_to_tensor(v, dtype, device=device) for v in x])
    array = np.asarray(x)
    if dtype is None:
        if isinstance(x, (list, tuple)):  # Python values: Keras's promotion of their types
            dtype = config.standardize_dtype(result_type(*{_python_type(v) for v in np.ravel(array).tolist()}))
        elif array.dtype == np.uint32:  # no uint32 in torch
            array = array.astype(np.int64)
    if array.dtype.kind in "OUS":
        raise ValueError(f"Cannot convert {x!r} to a tensor: expected numbers, got dtype {array.dtype}.")
    return torch.as_tensor(array, dtype=dtype, device=device)


def _python_type(value):
    if isinstance(value, bool):
        return "bool"
    return float if isinstance(value, float) else int


def device_of(*values) -> torch.device | None:
    """The device of the first tensor among `values` (searching nested lists and tuples), or None."""
    for value in values:
        if isinstance(value, torch.Tensor):
            return value.device
        if isinstance(value, (list, tuple)):
            device = device_of(*value)
            if device is not None:
                return device
    return None


def convert_to_tensors(*values) -> list[torch.Tensor]:
    """All of `values` as tensors, the converted ones on the device of those that already are tensors."""
    device = device_of(*values)
    return [convert_to_tensor(v, device=device) for v in values]


def ensure_float(x: torch.Tensor) -> torch.Tensor:
    """`x` itself if floating (or complex), else cast to floatx, as Keras's float-valued ops do."""
    if x.is_floating_point() or x.is_complex():
        return x
    return x.to(config.standardize_dtype(None))
