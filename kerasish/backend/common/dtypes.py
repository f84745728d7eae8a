"""Keras's dtype promotion: the result dtype of an op on inputs of mixed dtypes.

Keras promotes along a lattice (the one JAX uses): bool < ints < floats < complex, where a Python `int` or `float`
is "weak" and takes the precision of the tensor it meets (int8 tensor + 2 stays int8, float16 + 0.5 stays
float16, int32 + 0.5 becomes floatx). On torch, 64-bit results come back as 32-bit ones (`int64 + int64` is
int32), as in Keras's non-TensorFlow backends.
"""

from __future__ import annotations

import functools

import torch

from kerasish import config

_WEAK_INT, _WEAK_FLOAT = "int", "float"
# Each dtype's immediate successors on the lattice.
_LATTICE = {
    "bool": [_WEAK_INT],
    _WEAK_INT: ["uint8", "int8", "complex64"],
    "uint8": ["int16", "uint16"],
    "uint16": ["int32", "uint32"],
    "uint32": ["int64", "uint64"],
    "uint64": [_WEAK_FLOAT],
    "int8": ["int16"],
    "int16": ["int32"],
    "int32": ["int64"],
    "int64": [_WEAK_FLOAT],
    _WEAK_FLOAT: ["bfloat16", "float16"],
    "bfloat16": ["float32"],
    "float16": ["float32"],
    "float32": ["float64", "complex64"],
    "float64": ["complex128"],
    "complex64": ["complex128"],
    "complex128": [],
}
_TO_32_BITS = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def _upper_bounds() -> dict[str, frozenset]:
    bounds = {}
    for node in _LATTICE:
        seen, stack = {node}, [node]
        while stack:
            for successor in _LATTICE[stack.pop()]:
                if successor not in seen:
                    seen.add(successor)
                    stack.append(successor)
        bounds[node] = frozenset(seen)
    return bounds


_UPPER_BOUNDS = _upper_bounds()


@functools.lru_cache(maxsize=1024)
def _least_upper_bound(nodes: frozenset) -> str:
    common = frozenset.intersection(*(_UPPER_BOUNDS[n] for n in nodes))
    least = [c for c in common if common <= _UPPER_BOUNDS[c]]
    if len(least) != 1:
        raise ValueError(f"Input dtypes {sorted(nodes)} have no implicit promotion path; cast them explicitly.")
    return least[0]


def _name(dtype) -> str:
    if isinstance(dtype, torch.dtype):
        return config.dtype_name(dtype)
    if dtype is bool:
        return "bool"
    if hasattr(dtype, "name") and not isinstance(dtype, str):  # numpy dtype
        return dtype.name
    return str(dtype)


# Keras's dtype names (`keras.src.backend.common.dtypes.ALLOWED_DTYPES`) and the Python types it maps to them.
_KERAS_DTYPES = frozenset(
    ("float16", "float32", "float64", "bfloat16", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32")
    + ("int64", "bool", "string", "float8_e4m3fn", "float8_e5m2", "complex64", "complex128")
)
_PYTHON_DTYPES = {bool: "bool", int: "int32", "int": "int32", float: "float32", str: "string", complex: "complex64"}


def standardize_dtype(dtype) -> str:
    """Keras's name for `dtype` (a name, a torch or numpy dtype, a Python type; None gives floatx).

    Example:
        >>> standardize_dtype(torch.float16), standardize_dtype(int), standardize_dtype(None)
        ('float16', 'int32', 'float32')
    """
    if dtype is None:
        return config.floatx()
    if isinstance(dtype, (str, type)):
        dtype = _PYTHON_DTYPES.get(dtype, dtype)
    name = getattr(dtype, "__name__", None) if isinstance(dtype, type) else dtype  # numpy scalar types
    name = _name(name)
    if name not in _KERAS_DTYPES:
        raise ValueError(f"Invalid dtype: expected one of Keras's dtypes {sorted(_KERAS_DTYPES)}; got {dtype!r}.")
    return name


def result_type(*dtypes) -> str:
    """The Keras dtype name of an op's result on inputs of `dtypes`.

    Args:
        *dtypes: dtype names, torch or numpy dtypes, or the Python types `int`/`float` for Python scalars (weak).

    Example:
        >>> result_type("int32", float)
        'float32'
    """
    if not dtypes:
        return config.floatx()
    names, weak = [], []
    for dtype in dtypes:
        if dtype is int or dtype is float:
            names.append(_WEAK_INT if dtype is int else _WEAK_FLOAT)
            weak.append(True)
        else:
            name = config.floatx() if dtype is None else _name(dtype)
            if name not in _LATTICE:
                raise ValueError(f"Unknown dtype for promotion: {dtype!r}.")
            names.append(name)
            weak.append(False)
    if all(weak):  # only Python scalars: int -> int32, float -> floatx
        out = _least_upper_bound(frozenset(names))
    elif len(set(names)) == 1:
        out = names[0]
    else:
        out = _least_upper_bound(frozenset(names))
    if out == _WEAK_INT:
        out = "int" + config.floatx()[-2:]
    elif out == _WEAK_FLOAT:
        out = config.floatx()
    return _TO_32_BITS.get(out, out)
