"""Keras 3's `keras.backend` dtype helpers: `standardize_dtype`, `result_type`, `is_float_dtype`, `is_int_dtype`."""

from __future__ import annotations

from kerasish.backend.common.dtypes import result_type, standardize_dtype

__all__ = ["is_float_dtype", "is_int_dtype", "result_type", "standardize_dtype"]


def is_float_dtype(dtype) -> bool:
    """Whether `dtype` (a name, a torch or NumPy dtype, a Python type) is a float dtype, bfloat16 included."""
    name = standardize_dtype(dtype)
    return name.startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    """Whether `dtype` is a signed or unsigned integer dtype (bool is not)."""
    name = standardize_dtype(dtype)
    return name.startswith(("int", "uint"))
