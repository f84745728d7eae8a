"""Keras 2's `K` settings and state: floatx, epsilon, image data format, session reset, shapes and variables."""

from __future__ import annotations

import gc

import numpy as np
import torch

from kerasish import config
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.backend.common.tensors import convert_to_tensor
from kerasish.backend.common.variable import Variable
from kerasish.config import epsilon, floatx, image_data_format, set_epsilon, set_floatx
from kerasish.utils import naming
from kerasish.utils.naming import get_uid, reset_uids

__all__ = [
    "backend",
    "batch_get_value",
    "batch_set_value",
    "cast_to_floatx",
    "clear_session",
    "constant",
    "count_params",
    "epsilon",
    "eval",
    "floatx",
    "get_uid",
    "get_value",
    "image_data_format",
    "int_shape",
    "is_keras_tensor",
    "is_tensor",
    "ndim",
    "reset_uids",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_value",
    "variable",
]


def set_image_data_format(data_format: str) -> None:
    """Sets the default image layout: `"channels_last"` or `"channels_first"`."""
    config.set_image_data_format(data_format)


def backend() -> str:
    """The name of the backend: `"torch"`."""
    return "torch"


def clear_session(free_memory: bool = True) -> None:
    """Resets Keras's automatic names (`dense`, `dense_1`, ... start over) and, if `free_memory`, collects
    garbage and releases cached CUDA memory."""
    naming.reset_names()
    if free_memory:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def is_keras_tensor(x) -> bool:
    """Whether `x` is a symbolic KerasTensor (an `Input` or a layer output in a functional graph)."""
    return isinstance(x, KerasTensor)


def is_tensor(x) -> bool:
    """Whether `x` is a tensor, concrete or symbolic."""
    return isinstance(x, (torch.Tensor, KerasTensor))


def int_shape(x) -> tuple | None:
    """The shape of `x` as a tuple of ints (None for unknown dims)."""
    if isinstance(x, KerasTensor):
        return x.shape
    if hasattr(x, "shape"):
        return tuple(int(d) for d in x.shape)
    return None


def ndim(x) -> int:
    """The number of axes of `x`."""
    return len(x.shape)


def count_params(x) -> int:
    """The number of elements of `x`."""
    return int(np.prod(int_shape(x)))


def variable(value, dtype=None, name: str | None = None, constraint=None) -> Variable:
    """A trainable `Variable` holding `value` (floatx by default for float values)."""
    tensor = convert_to_tensor(value, dtype)
    if dtype is None and tensor.is_floating_point():
        tensor = tensor.to(config.standardize_dtype(None))
    return Variable(tensor.clone(), requires_grad=tensor.is_floating_point(), path=name, constraint=constraint)


def constant(value, dtype=None, shape=None, name: str | None = None) -> torch.Tensor:
    """A tensor of `value` (floatx by default), broadcast to `shape` if given."""
    tensor = convert_to_tensor(value, config.standardize_dtype(dtype))
    return tensor.expand(tuple(shape)).clone() if shape is not None else tensor


def cast_to_floatx(x) -> np.ndarray:
    """`x` as a NumPy array of floatx."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy().astype(floatx())
    return np.asarray(x, dtype=floatx())


def get_value(x) -> np.ndarray:
    """The value of `x` as a NumPy array."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return (x.float() if x.dtype == torch.bfloat16 else x).cpu().numpy()
    return np.asarray(x)


eval = get_value  # noqa: A001 (Keras 2's name)


def batch_get_value(tensors) -> list[np.ndarray]:
    """The values of `tensors` as NumPy arrays."""
    return [get_value(t) for t in tensors]


def set_value(x: torch.Tensor, value) -> None:
    """Assigns `value` to the variable `x` in place."""
    with torch.no_grad():
        x.copy_(torch.as_tensor(np.asarray(value), dtype=x.dtype))


def batch_set_value(tuples) -> None:
    """`set_value(x, value)` for each `(x, value)` pair."""
    for x, value in tuples:
        set_value(x, value)
