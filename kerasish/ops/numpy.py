"""NumPy-style ops (`keras.ops.numpy`) on torch tensors, with Keras's names, arguments and dtype rules.

Dtype rules worth knowing (Keras's, checked against Keras's torch backend): float-valued ops (`exp`, `sqrt`,
`mean`, `divide`, ...) turn integer inputs into floats; `argmax`, `argsort` and the like return int32;
`sum` of bool or small ints is int32; a Python number beside a tensor takes the tensor's precision.
"""

from __future__ import annotations

import builtins
import functools
import re

import numpy as np
import torch

from kerasish import config
from kerasish.backend.common.dtypes import result_type
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.backend.common.tensors import (
    convert_to_tensor,
    convert_to_tensors,
    default_device,
    device_of,
    ensure_float,
)
from kerasish.ops.operation import keras_op

_std = config.standardize_dtype


def _axes(axis):
    """An axis argument as torch takes it: None, an int or a tuple (JSON configs give lists)."""
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _dims(x: torch.Tensor, axis):
    """`axis` as a tuple of dims for reductions (None means every axis)."""
    if axis is None:
        return tuple(range(x.ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _shape(shape) -> tuple:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


def _operands(x1, x2):
    """Two operands of an elementwise op: a Python number beside a tensor stays a number (torch then promotes as
    Keras does: int8 tensor + 2 is int8, int32 tensor + 0.5 is float); anything else becomes a tensor."""
    if isinstance(x1, torch.Tensor):
        if isinstance(x2, torch.Tensor) or _is_weak_scalar(x2, x1):
            return x1, x2
        return x1, convert_to_tensor(x2, device=x1.device)
    if isinstance(x2, torch.Tensor):
        if _is_weak_scalar(x1, x2):
            return x1, x2
        return convert_to_tensor(x1, device=x2.device), x2
    return tuple(convert_to_tensors(x1, x2))


def _is_weak_scalar(value, tensor: torch.Tensor) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        # torch turns int + float into its default float32; Keras into floatx.
        return tensor.is_floating_point() or config.floatx() == "float32"
    return False


def _dtype_or(dtype, default: str) -> torch.dtype:
    return _std(dtype if dtype is not None else default)


def _promoted(*xs):
    """`xs` as tensors cast to their Keras result dtype."""
    tensors = convert_to_tensors(*xs)
    dtype = _std(result_type(*(t.dtype for t in tensors)))
    return [t.to(dtype) for t in tensors]


# ---- creation ----------------------------------------------------------------------------------------------


def zeros(shape, dtype=None):
    """A tensor of zeros of `shape` (floatx by default)."""
    return torch.zeros(_shape(shape), dtype=_dtype_or(dtype, config.floatx()), device=default_device())


def ones(shape, dtype=None):
    """A tensor of ones of `shape` (floatx by default)."""
    return torch.ones(_shape(shape), dtype=_dtype_or(dtype, config.floatx()), device=default_device())


def empty(shape, dtype=None):
    """An uninitialized tensor of `shape` (floatx by default)."""
    return torch.empty(_shape(shape), dtype=_dtype_or(dtype, config.floatx()), device=default_device())


def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value` (floatx unless `dtype` is given)."""
    fill = convert_to_tensor(fill_value, _dtype_or(dtype, config.floatx()))
    return fill.expand(_shape(shape)).clone()


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    """A 2-D tensor with ones on the `k`-th diagonal and zeros elsewhere."""
    M = N if M is None else M  # noqa: N806
    device = default_device()
    rows = torch.arange(int(N), device=device)[:, None]
    cols = torch.arange(int(M), device=device)[None, :]
    return (cols - rows == int(k)).to(_dtype_or(dtype, config.floatx()))


def identity(n, dtype=None):
    """The `n` x `n` identity matrix."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803
    """Ones at and below the `k`-th diagonal."""
    M = N if M is None else M  # noqa: N806
    return torch.ones((int(N), int(M)), dtype=_dtype_or(dtype, config.floatx()), device=default_device()).tril(k)


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in `[start, stop)`; int32 for integer arguments, floatx otherwise."""
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        dtype = result_type(*(float if isinstance(v, float) else int for v in (start, stop, step)))
    return torch.arange(start, stop, step, dtype=_std(dtype), device=default_device())


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (included if `endpoint`); floatx by default.

    Args:
        start, stop: scalars or tensors (the values then run along the new axis `axis`).
        num: how many values.
        endpoint: whether `stop` is the last value.
        retstep: also return the spacing.
        dtype: the result dtype.
        axis: where the new axis goes when `start`/`stop` are tensors.
    """
    start, stop = convert_to_tensors(start, stop)
    out_dtype = _std(dtype if dtype is not None else result_type(start.dtype, stop.dtype, float))
    start, stop = start.double(), stop.double()
    div = (num - 1) if endpoint else num
    step = (stop - start) / div if div > 0 else (stop - start) * float("nan")
    fractions = torch.arange(num, dtype=torch.float64, device=start.device).reshape((-1,) + (1,) * start.ndim)
    values = start + fractions * ((stop - start) / div if div > 0 else 0)
    if endpoint and num > 1:
        values[-1] = stop
    values = torch.moveaxis(values, 0, axis).to(out_dtype)
    return (values, step.to(out_dtype)) if retstep else values


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`base ** linspace(start, stop, ...)`."""
    exponents = linspace(start, stop, num, endpoint=endpoint, dtype="float64", axis=axis)
    out_dtype = dtype if dtype is not None else result_type(*convert_to_tensors(start, stop)[0:1], float)
    return (base**exponents).to(_std(out_dtype))


@keras_op
def zeros_like(x, dtype=None):
    """Zeros of `x`'s shape (and dtype, unless `dtype` is given)."""
    x = convert_to_tensor(x)
    return torch.zeros_like(x, dtype=None if dtype is None else _std(dtype))


@keras_op
def ones_like(x, dtype=None):
    """Ones of `x`'s shape (and dtype, unless `dtype` is given)."""
    x = convert_to_tensor(x)
    return torch.ones_like(x, dtype=None if dtype is None else _std(dtype))


@keras_op
def empty_like(x, dtype=None):
    """An uninitialized tensor of `x`'s shape and dtype."""
    x = convert_to_tensor(x)
    return torch.empty_like(x, dtype=None if dtype is None else _std(dtype))


@keras_op
def full_like(x, fill_value, dtype=None):
    """A tensor of `x`'s shape filled with `fill_value` (in `x`'s dtype unless `dtype` is given)."""
    x = convert_to_tensor(x)
    return torch.full_like(x, fill_value, dtype=None if dtype is None else _std(dtype))


@keras_op
def array(x, dtype=None):
    """`x` as a tensor."""
    return convert_to_tensor(x, None if dtype is None else _std(dtype))


@keras_op
def copy(x):
    """A copy of `x`."""
    return convert_to_tensor(x).clone()


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D coordinate vectors (`indexing="xy"` or `"ij"`)."""
    return list(torch.meshgrid(*convert_to_tensors(*x), indexing=indexing))


# ---- elementwise, one operand ------------------------------------------------------------------------------


def _unary_float(torch_fn, doc: str):
    """An op computing a float function elementwise; integer and bool inputs become floatx first."""

    def op(x):
        return torch_fn(ensure_float(convert_to_tensor(x)))

    op.__doc__ = doc
    return op


def _named(name: str, fn):
    fn.__name__ = fn.__qualname__ = name
    return keras_op(fn)


exp = _named("exp", _unary_float(torch.exp, "`e ** x`, elementwise."))
exp2 = _named("exp2", _unary_float(torch.exp2, "`2 ** x`, elementwise."))
expm1 = _named("expm1", _unary_float(torch.expm1, "`exp(x) - 1`, elementwise."))
log = _named("log", _unary_float(torch.log, "Natural logarithm, elementwise."))
log2 = _named("log2", _unary_float(torch.log2, "Base-2 logarithm, elementwise."))
log10 = _named("log10", _unary_float(torch.log10, "Base-10 logarithm, elementwise."))
log1p = _named("log1p", _unary_float(torch.log1p, "`log(1 + x)`, elementwise."))
sqrt = _named("sqrt", _unary_float(torch.sqrt, "Square root, elementwise."))
sin = _named("sin", _unary_float(torch.sin, "Sine, elementwise."))
cos = _named("cos", _unary_float(torch.cos, "Cosine, elementwise."))
tan = _named("tan", _unary_float(torch.tan, "Tangent, elementwise."))
sinh = _named("sinh", _unary_float(torch.sinh, "Hyperbolic sine, elementwise."))
cosh = _named("cosh", _unary_float(torch.cosh, "Hyperbolic cosine, elementwise."))
tanh = _named("tanh", _unary_float(torch.tanh, "Hyperbolic tangent, elementwise."))
arcsin = _named("arcsin", _unary_float(torch.arcsin, "Inverse sine, elementwise."))
arccos = _named("arccos", _unary_float(torch.arccos, "Inverse cosine, elementwise."))
arctan = _named("arctan", _unary_float(torch.arctan, "Inverse tangent, elementwise."))
arcsinh = _named("arcsinh", _unary_float(torch.arcsinh, "Inverse hyperbolic sine, elementwise."))
arccosh = _named("arccosh", _unary_float(torch.arccosh, "Inverse hyperbolic cosine, elementwise."))
arctanh = _named("arctanh", _unary_float(torch.arctanh, "Inverse hyperbolic tangent, elementwise."))
deg2rad = _named("deg2rad", _unary_float(torch.deg2rad, "Degrees to radians, elementwise."))
rad2deg = _named("rad2deg", _unary_float(torch.rad2deg, "Radians to degrees, elementwise."))
sinc = _named("sinc", _unary_float(torch.sinc, "`sin(pi x) / (pi x)`, elementwise."))
i0 = _named("i0", _unary_float(torch.i0, "Modified Bessel function of the first kind, order 0."))
reciprocal = _named("reciprocal", _unary_float(torch.reciprocal, "`1 / x`, elementwise."))
floor = _named("floor", _unary_float(torch.floor, "Floor, elementwise (floats; integers become floatx)."))
ceil = _named("ceil", _unary_float(torch.ceil, "Ceiling, elementwise (floats; integers become floatx)."))
cbrt = _named("cbrt", _unary_float(lambda x: torch.sign(x) * torch.abs(x) ** (1.0 / 3.0), "Cube root."))


@keras_op
def abs(x):  # noqa: A001 (Keras's name)
    """Absolute value, elementwise."""
    x = convert_to_tensor(x)
    return x if x.dtype == torch.bool else torch.abs(x)


absolute = abs


@keras_op
def fabs(x):
    """Absolute value as a float, elementwise."""
    return torch.abs(ensure_float(convert_to_tensor(x)))


@keras_op
def negative(x):
    """`-x`, elementwise."""
    return torch.negative(convert_to_tensor(x))


@keras_op
def square(x):
    """`x * x`, elementwise (bool becomes int32)."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.int()
    return torch.square(x)


@keras_op
def sign(x):
    """-1, 0 or 1 by the sign of `x`, elementwise."""
    return torch.sign(convert_to_tensor(x))


@keras_op
def signbit(x):
    """Whether the sign bit of `x` is set, elementwise."""
    return torch.signbit(convert_to_tensor(x))


@keras_op
def round(x, decimals=0):  # noqa: A001
    """Rounds half to even to `decimals` decimals; integers are rounded at negative `decimals` only."""
    x = convert_to_tensor(x)
    if x.is_floating_point():
        return torch.round(x, decimals=decimals)
    if decimals >= 0:
        return x
    factor = 10 ** (-decimals)
    return (torch.round(x.double() / factor) * factor).to(x.dtype)


@keras_op
def trunc(x):
    """Rounds toward zero, elementwise."""
    x = convert_to_tensor(x)
    return torch.trunc(x) if x.is_floating_point() else x


@keras_op
def isnan(x):
    """Whether `x` is NaN, elementwise."""
    return torch.isnan(convert_to_tensor(x))


@keras_op
def isinf(x):
    """Whether `x` is infinite, elementwise."""
    return torch.isinf(convert_to_tensor(x))


@keras_op
def isfinite(x):
    """Whether `x` is finite, elementwise."""
    return torch.isfinite(convert_to_tensor(x))


@keras_op
def isneginf(x):
    """Whether `x` is -inf, elementwise."""
    return torch.isneginf(convert_to_tensor(x))


@keras_op
def isposinf(x):
    """Whether `x` is +inf, elementwise."""
    return torch.isposinf(convert_to_tensor(x))


@keras_op
def isreal(x):
    """Whether `x` has no imaginary part, elementwise."""
    return torch.isreal(convert_to_tensor(x))


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replaces NaN with `nan` and infinities with `posinf`/`neginf` (the dtype's extremes by default)."""
    return torch.nan_to_num(convert_to_tensor(x), nan=nan, posinf=posinf, neginf=neginf)


@keras_op
def logical_not(x):
    """Logical NOT, elementwise."""
    return torch.logical_not(convert_to_tensor(x))


@keras_op
def bitwise_not(x):
    """Bitwise NOT, elementwise."""
    return torch.bitwise_not(convert_to_tensor(x))


bitwise_invert = bitwise_not


@keras_op
def real(x):
    """Real part."""
    x = convert_to_tensor(x)
    return torch.real(x) if x.is_complex() else x


@keras_op
def imag(x):
    """Imaginary part (zeros for real inputs)."""
    x = convert_to_tensor(x)
    return torch.imag(x) if x.is_complex() else torch.zeros_like(x)


@keras_op
def conjugate(x):
    """Complex conjugate."""
    return torch.conj(convert_to_tensor(x)).resolve_conj()


conj = conjugate


@keras_op
def angle(x):
    """Complex argument, elementwise."""
    return torch.angle(ensure_float(convert_to_tensor(x)))


# ---- elementwise, two operands -----------------------------------------------------------------------------


@keras_op
def add(x1, x2):
    """`x1 + x2`, with broadcasting."""
    x1, x2 = _operands(x1, x2)
    return torch.add(x1, x2) if isinstance(x1, torch.Tensor) else torch.add(x2, x1)


@keras_op
def subtract(x1, x2):
    """`x1 - x2`, with broadcasting (bool operands take the other's dtype)."""
    x1, x2 = _operands(x1, x2)
    if isinstance(x1, torch.Tensor) and x1.dtype == torch.bool:
        x1 = x1.to(x2.dtype if isinstance(x2, torch.Tensor) else torch.int32)
    if isinstance(x2, torch.Tensor) and x2.dtype == torch.bool:
        x2 = x2.to(x1.dtype if isinstance(x1, torch.Tensor) else torch.int32)
    if not isinstance(x1, torch.Tensor):
        return torch.rsub(x2, x1)
    return torch.subtract(x1, x2)


@keras_op
def multiply(x1, x2):
    """`x1 * x2`, with broadcasting."""
    x1, x2 = _operands(x1, x2)
    return torch.multiply(x1, x2) if isinstance(x1, torch.Tensor) else torch.multiply(x2, x1)


@keras_op
def divide(x1, x2):
    """`x1 / x2` (true division: integers give floats), with broadcasting."""
    x1, x2 = _operands(x1, x2)
    if not isinstance(x1, torch.Tensor):
        x1 = convert_to_tensor(x1, device=x2.device)
    return torch.true_divide(x1, x2)


true_divide = divide


@keras_op
def divide_no_nan(x1, x2):
    """`x1 / x2`, with 0 where `x2` is 0."""
    x1, x2 = convert_to_tensors(x1, x2)
    quotient = torch.true_divide(x1, x2)
    return torch.where(x2 == 0, torch.zeros((), dtype=quotient.dtype, device=quotient.device), quotient)


@keras_op
def floor_divide(x1, x2):
    """`x1 // x2`, with broadcasting."""
    x1, x2 = convert_to_tensors(x1, x2)
    return torch.floor_divide(x1, x2)


@keras_op
def mod(x1, x2):
    """`x1 % x2`, with the sign of `x2` (as NumPy)."""
    x1, x2 = convert_to_tensors(x1, x2)
    if x1.dtype == torch.bool and x2.dtype == torch.bool:
        x1, x2 = x1.int(), x2.int()
    return torch.remainder(x1, x2)


@keras_op
def fmod(x1, x2):
    """Remainder of `x1 / x2` with the sign of `x1` (C's fmod)."""
    x1, x2 = convert_to_tensors(x1, x2)
    return torch.fmod(x1, x2)


@keras_op
def power(x1, x2):
    """`x1 ** x2`, with broadcasting."""
    x1, x2 = _operands(x1, x2)
    return torch.pow(x1, x2)


def _weak_promoted(x1, x2):
    """`x1`, `x2` as tensors of Keras's result dtype, Python numbers counting as weak types."""
    dtype = _std(
        result_type(
            *(
                v.dtype
                if isinstance(v, (torch.Tensor, np.ndarray))
                else float
                if isinstance(v, float)
                else int
                if isinstance(v, int) and not isinstance(v, bool)
                else convert_to_tensor(v).dtype
                for v in (x1, x2)
            )
        )
    )
    device = device_of(x1, x2)
    return convert_to_tensor(x1, device=device).to(dtype), convert_to_tensor(x2, device=device).to(dtype)


@keras_op
def maximum(x1, x2):
    """Elementwise maximum (NaN propagates), with broadcasting."""
    return torch.maximum(*_weak_promoted(x1, x2))


@keras_op
def minimum(x1, x2):
    """Elementwise minimum (NaN propagates), with broadcasting."""
    return torch.minimum(*_weak_promoted(x1, x2))


@keras_op
def fmax(x1, x2):
    """Elementwise maximum ignoring NaN."""
    x1, x2 = convert_to_tensors(x1, x2)
    return torch.fmax(x1, x2)


@keras_op
def fmin(x1, x2):
    """Elementwise minimum ignoring NaN."""
    x1, x2 = convert_to_tensors(x1, x2)
    return torch.fmin(x1, x2)


def _float_pair(torch_fn, name: str, doc: str):
    def op(x1, x2):
        x1, x2 = _promoted(x1, x2)
        return torch_fn(ensure_float(x1), ensure_float(x2))

    op.__doc__ = doc
    return _named(name, op)


arctan2 = _float_pair(torch.arctan2, "arctan2", "Angle of the point `(x2, x1)`, elementwise.")
hypot = _float_pair(torch.hypot, "hypot", "`sqrt(x1**2 + x2**2)`, elementwise.")
logaddexp = _float_pair(torch.logaddexp, "logaddexp", "`log(exp(x1) + exp(x2))`, elementwise.")
logaddexp2 = _float_pair(torch.logaddexp2, "logaddexp2", "`log2(2**x1 + 2**x2)`, elementwise.")
nextafter = _float_pair(torch.nextafter, "nextafter", "The next float after `x1` towards `x2`.")


@keras_op
def heaviside(x1, x2):
    """Heaviside step: 0 where `x1 < 0`, `x2` where `x1 == 0`, 1 where `x1 > 0`."""
    x1, x2 = _promoted(x1, x2)
    return torch.heaviside(ensure_float(x1), ensure_float(x2))


@keras_op
def ldexp(x1, x2):
    """`x1 * 2 ** x2`."""
    x1, x2 = convert_to_tensors(x1, x2)
    return torch.ldexp(ensure_float(x1), x2)


def _compare(torch_fn, name: str, doc: str):
    def op(x1, x2):
        x1, x2 = _operands(x1, x2)
        if not isinstance(x1, torch.Tensor):
            x1 = convert_to_tensor(x1, device=x2.device)
        return torch_fn(x1, x2)

    op.__doc__ = doc
    return _named(name, op)


equal = _compare(torch.eq, "equal", "`x1 == x2`, elementwise.")
not_equal = _compare(torch.ne, "not_equal", "`x1 != x2`, elementwise.")
greater = _compare(torch.gt, "greater", "`x1 > x2`, elementwise.")
greater_equal = _compare(torch.ge, "greater_equal", "`x1 >= x2`, elementwise.")
less = _compare(torch.lt, "less", "`x1 < x2`, elementwise.")
less_equal = _compare(torch.le, "less_equal", "`x1 <= x2`, elementwise.")
logical_and = _compare(torch.logical_and, "logical_and", "Logical AND, elementwise.")
logical_or = _compare(torch.logical_or, "logical_or", "Logical OR, elementwise.")
logical_xor = _compare(torch.logical_xor, "logical_xor", "Logical XOR, elementwise.")


def _bitwise(torch_fn, name: str, doc: str):
    # Keras names the bitwise ops' operands `x` and `y` (the comparisons': `x1`, `x2`).
    def op(x, y):
        x, y = _operands(x, y)
        if not isinstance(x, torch.Tensor):
            x = convert_to_tensor(x, device=y.device)
        return torch_fn(x, y)

    op.__doc__ = doc
    return _named(name, op)


bitwise_and = _bitwise(torch.bitwise_and, "bitwise_and", "Bitwise AND, elementwise.")
bitwise_or = _bitwise(torch.bitwise_or, "bitwise_or", "Bitwise OR, elementwise.")
bitwise_xor = _bitwise(torch.bitwise_xor, "bitwise_xor", "Bitwise XOR, elementwise.")
bitwise_left_shift = _bitwise(torch.bitwise_left_shift, "bitwise_left_shift", "`x << y`, elementwise.")
bitwise_right_shift = _bitwise(torch.bitwise_right_shift, "bitwise_right_shift", "`x >> y`, elementwise.")
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift
gcd = _compare(torch.gcd, "gcd", "Greatest common divisor, elementwise.")
lcm = _compare(torch.lcm, "lcm", "Least common multiple, elementwise.")


@keras_op
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `|x1 - x2| <= atol + rtol * |x2|`, elementwise."""
    x1, x2 = _promoted(x1, x2)
    return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


@keras_op
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `isclose` holds everywhere (a bool tensor)."""
    return torch.all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


@keras_op
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of `x1` occurs in `x2`."""
    x1, x2 = convert_to_tensors(x1, x2)
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


@keras_op
def clip(x, x_min, x_max):
    """`x` limited to `[x_min, x_max]` (bool becomes int32)."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.int()
    return torch.clip(x, x_min, x_max)


@keras_op
def where(condition, x1=None, x2=None):
    """`x1` where `condition` holds, else `x2`; with only `condition`, the indices where it holds."""
    if x1 is None and x2 is None:  # the indices where `condition` holds, int64 as in Keras on torch
        return torch.nonzero(convert_to_tensor(condition)).T
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` must both be given, or both be None.")
    device = device_of(condition, x1, x2)
    condition = convert_to_tensor(condition, device=device).bool()
    if not isinstance(x1, torch.Tensor) and not isinstance(x2, torch.Tensor):
        x1, x2 = convert_to_tensors(x1, x2)
    x1, x2 = _operands(x1, x2)
    return torch.where(condition, x1, x2)


# ---- reductions --------------------------------------------------------------------------------------------


@keras_op
def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over `axis` (all axes if None); bool and small ints sum to int32."""
    x = convert_to_tensor(x)
    axis = _axes(axis)
    if axis == ():
        return x
    out_dtype = torch.int32 if x.dtype in (torch.bool, torch.int8, torch.int16, torch.uint8) else x.dtype
    if axis is None and not keepdims:
        return torch.sum(x, dtype=out_dtype)
    return torch.sum(x, dim=_dims(x, axis), keepdim=keepdims, dtype=out_dtype)


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over `axis` (all axes if None)."""
    x = convert_to_tensor(x)
    if dtype is None:
        small = (torch.bool, torch.int8, torch.int16, torch.uint8)
        out = torch.int32 if x.dtype in small else _std(result_type(x.dtype))
    else:
        out = _std(dtype)
    x = x.to(out)
    for dim in sorted((d % x.ndim for d in _dims(x, _axes(axis))), reverse=True):
        x = torch.prod(x, dim=dim, keepdim=keepdims, dtype=out)
    return x


@keras_op
def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (all axes if None); integer and bool inputs give float32."""
    x = convert_to_tensor(x)
    axis = _axes(axis)
    if axis == ():
        return x
    if x.is_floating_point() and x.dtype not in (torch.float16, torch.bfloat16):
        return torch.mean(x, dim=_dims(x, axis), keepdim=keepdims)
    out_dtype = x.dtype if x.is_floating_point() else torch.float32
    return torch.mean(x.float(), dim=_dims(x, axis), keepdim=keepdims).to(out_dtype)


@keras_op
def var(x, axis=None, keepdims=False):
    """Population variance over `axis` (all axes if None); integer inputs give floats."""
    x = convert_to_tensor(x)
    out_dtype = x.dtype if x.is_floating_point() else _std(config.floatx())
    compute = x.float() if x.dtype in (torch.float16, torch.bfloat16) or not x.is_floating_point() else x
    return torch.var(compute, dim=_dims(x, _axes(axis)), correction=0, keepdim=keepdims).to(out_dtype)


@keras_op
def std(x, axis=None, keepdims=False):
    """Population standard deviation over `axis` (all axes if None)."""
    return torch.sqrt(var(x, axis=axis, keepdims=keepdims))


@keras_op
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Maximum over `axis` (all axes if None), and at least `initial` if given."""
    x = convert_to_tensor(x)
    out = torch.amax(x, dim=_dims(x, _axes(axis)), keepdim=keepdims)
    return out if initial is None else torch.clamp(out, min=initial)


@keras_op
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Minimum over `axis` (all axes if None), and at most `initial` if given."""
    x = convert_to_tensor(x)
    out = torch.amin(x, dim=_dims(x, _axes(axis)), keepdim=keepdims)
    return out if initial is None else torch.clamp(out, max=initial)


amax = max
amin = min


@keras_op
def ptp(x, axis=None, keepdims=False):
    """Range (max - min) over `axis`."""
    return subtract(max(x, axis, keepdims), min(x, axis, keepdims))


@keras_op
def all(x, axis=None, keepdims=False):  # noqa: A001
    """Whether every element over `axis` is true."""
    x = convert_to_tensor(x)
    return torch.all(x, dim=_dims(x, _axes(axis)), keepdim=keepdims)


@keras_op
def any(x, axis=None, keepdims=False):  # noqa: A001
    """Whether any element over `axis` is true."""
    x = convert_to_tensor(x)
    return torch.any(x, dim=_dims(x, _axes(axis)), keepdim=keepdims)


@keras_op
def count_nonzero(x, axis=None):
    """How many elements over `axis` are non-zero (int32)."""
    x = convert_to_tensor(x)
    return torch.count_nonzero(x, dim=_dims(x, _axes(axis))).int()


def _arg_reduce(torch_fn, x, axis, keepdims):
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None and keepdims:
        return torch_fn(x.reshape(-1)).reshape((1,) * x.ndim).int()
    return torch_fn(x, dim=axis, keepdim=keepdims).int()


@keras_op
def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along `axis` (of the flattened tensor if None), int32."""
    return _arg_reduce(torch.argmax, x, axis, keepdims)


@keras_op
def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along `axis` (of the flattened tensor if None), int32."""
    return _arg_reduce(torch.argmin, x, axis, keepdims)


@keras_op
def argsort(x, axis=-1):
    """Indices that sort `x` along `axis` (stable; of the flattened tensor if None), int32."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.argsort(x, dim=axis, stable=True).int()


@keras_op
def sort(x, axis=-1):
    """`x` sorted along `axis` (of the flattened tensor if None)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.sort(x, dim=axis, stable=True).values


@keras_op
def argpartition(x, kth, axis=-1):
    """Indices that partition `x` around its `kth` smallest element along `axis` (int32)."""
    return argsort(x, axis=axis)


def _cumulative(torch_fn, x, axis, dtype):
    x = convert_to_tensor(x)
    if dtype is None:
        out = torch.int32 if x.dtype == torch.bool else _std(result_type(x.dtype))
    else:
        out = _std(dtype)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch_fn(x, dim=axis, dtype=out)


@keras_op
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened tensor if None)."""
    return _cumulative(torch.cumsum, x, axis, dtype)


@keras_op
def cumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis` (of the flattened tensor if None)."""
    return _cumulative(torch.cumprod, x, axis, dtype)


@keras_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles (`q` in [0, 1]) over `axis`.

    Args:
        x: the tensor.
        q: a quantile or a 1-D tensor of them.
        axis: the axes to reduce (all if None).
        method: `"linear"`, `"lower"`, `"higher"`, `"midpoint"` or `"nearest"`.
        keepdims: keep reduced axes as size 1.
    """
    return _quantile(torch.quantile, x, q, axis, method, keepdims)


def _quantile(torch_fn, x, q, axis, method, keepdims):
    x = convert_to_tensor(x)
    out_dtype = x.dtype if x.is_floating_point() else _std(config.floatx())
    compute = x.double() if x.dtype == torch.float64 else x.float()
    q = convert_to_tensor(q, dtype=compute.dtype, device=x.device)
    dims = [d % x.ndim for d in _dims(x, _axes(axis))]
    kept = [d for d in range(x.ndim) if d not in dims]
    flat = compute.permute(kept + dims).reshape([x.shape[d] for d in kept] + [-1])
    out = torch_fn(flat, q, dim=-1, interpolation=method)
    if keepdims:
        shape = [1 if d in dims else x.shape[d] for d in range(x.ndim)]
        out = out.reshape(tuple(q.shape) + tuple(shape))
    return out.to(out_dtype)


@keras_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (`q` in [0, 100]) over `axis`."""
    return quantile(x, divide(q, 100.0), axis=axis, method=method, keepdims=keepdims)


@keras_op
def median(x, axis=None, keepdims=False):
    """Median over `axis` (the mean of the two middle values for an even count)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


@keras_op
def average(x, axis=None, weights=None):
    """Weighted mean over `axis` (plain mean when `weights` is None)."""
    if weights is None:
        return mean(x, axis=axis)
    x, weights = convert_to_tensors(x, weights)
    dtype = _std(result_type(x.dtype, weights.dtype, float))
    x, weights = x.to(dtype), weights.to(dtype)
    if axis is not None and weights.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        weights = weights.reshape(shape)
    dims = _dims(x, _axes(axis))
    return torch.sum(x * weights, dim=dims) / torch.sum(weights.expand_as(x), dim=dims)


@keras_op
def nansum(x, axis=None, keepdims=False):
    """Sum over `axis` treating NaN as zero."""
    x = convert_to_tensor(x)
    if x.is_floating_point():
        x = torch.where(torch.isnan(x), torch.zeros((), dtype=x.dtype, device=x.device), x)
    return sum(x, axis=axis, keepdims=keepdims)


@keras_op
def nanmean(x, axis=None, keepdims=False):
    """Mean over `axis` ignoring NaN."""
    x = ensure_float(convert_to_tensor(x))
    return torch.nanmean(x, dim=_dims(x, _axes(axis)), keepdim=keepdims)


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along a diagonal of `x`."""
    return sum(diagonal(x, offset=offset, axis1=axis1, axis2=axis2), axis=-1)


@keras_op
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative int in `x` (per row for 2-D `x`), weighted by `weights` if given."""
    x = convert_to_tensor(x)
    if weights is not None:
        weights = convert_to_tensor(weights, device=x.device)
    out_dtype = torch.int32 if weights is None else _std(result_type(weights.dtype))
    if x.ndim == 1:
        return torch.bincount(x, weights, minlength).to(out_dtype)
    length = builtins.max(int(x.max()) + 1, minlength)
    rows = [
        torch.bincount(row, None if weights is None else w, length)
        for row, w in zip(x, weights if weights is not None else [None] * len(x))
    ]
    return torch.stack(rows).to(out_dtype)


# ---- products ----------------------------------------------------------------------------------------------


def _product_dtypes(x1: torch.Tensor, x2: torch.Tensor):
    """(result dtype, compute dtype) of a product: int8 @ int8 is int32; integers multiply exactly in float64."""
    if x1.dtype == torch.int8 and x2.dtype == torch.int8:
        result = torch.int32
    else:
        result = _std(result_type(x1.dtype, x2.dtype))
    compute = result if result.is_floating_point or result.is_complex else torch.float64
    if compute in (torch.float16, torch.bfloat16) and x1.device.type == "cpu":
        compute = torch.float32
    return result, compute


@keras_op
def matmul(x1, x2):
    """Matrix product with NumPy's broadcasting over leading axes."""
    x1, x2 = convert_to_tensors(x1, x2)
    result, compute = _product_dtypes(x1, x2)
    return torch.matmul(x1.to(compute), x2.to(compute)).to(result)


@keras_op
def dot(x1, x2):
    """NumPy's dot: product of scalars, inner product of vectors, matrix product, or sum over the last axis of
    `x1` and the second-to-last of `x2`."""
    x1, x2 = convert_to_tensors(x1, x2)
    result, compute = _product_dtypes(x1, x2)
    x1, x2 = x1.to(compute), x2.to(compute)
    if x1.ndim == 0 or x2.ndim == 0:
        return torch.multiply(x1, x2).to(result)
    if x2.ndim <= 2:
        return torch.matmul(x1, x2).to(result)
    return torch.tensordot(x1, x2, dims=([-1], [-2])).to(result)


@keras_op
def tensordot(x1, x2, axes=2):
    """Sum of products over `axes` (an int: the last/first `axes` axes; or a pair of axis lists)."""
    x1, x2 = convert_to_tensors(x1, x2)
    result, compute = _product_dtypes(x1, x2)
    if not isinstance(axes, int):
        axes = [list(a) if isinstance(a, (list, tuple)) else [a] for a in axes]
    return torch.tensordot(x1.to(compute), x2.to(compute), dims=axes).to(result)


@keras_op
def inner(x1, x2):
    """Inner product over the last axes."""
    x1, x2 = convert_to_tensors(x1, x2)
    result, compute = _product_dtypes(x1, x2)
    return torch.inner(x1.to(compute), x2.to(compute)).to(result)


@keras_op
def vdot(x1, x2):
    """Dot product of the flattened inputs (conjugating `x1`)."""
    x1, x2 = convert_to_tensors(x1, x2)
    result, compute = _product_dtypes(x1, x2)
    return torch.vdot(x1.reshape(-1).to(compute), x2.reshape(-1).to(compute)).to(result)


@keras_op
def outer(x1, x2):
    """Outer product of the flattened inputs."""
    x1, x2 = _promoted(x1, x2)
    return torch.outer(x1.reshape(-1), x2.reshape(-1))


@keras_op
def kron(x1, x2):
    """Kronecker product."""
    x1, x2 = _promoted(x1, x2)
    return torch.kron(x1, x2)


@keras_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors along the given axes."""
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = _promoted(x1, x2)
    x1, x2 = torch.moveaxis(x1, axisa, -1), torch.moveaxis(x2, axisb, -1)
    x1, x2 = torch.broadcast_tensors(x1, x2)
    return torch.moveaxis(torch.linalg.cross(x1, x2, dim=-1), -1, axisc)


@keras_op
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over `operands` as described by `subscripts` (`"ij,jk->ik"`)."""
    operands = convert_to_tensors(*operands)
    if builtins.all(o.dtype == torch.int8 for o in operands):
        result = torch.int32
    else:
        result = _std(result_type(*(o.dtype for o in operands)))
    compute = result if result.is_floating_point else torch.float64
    return torch.einsum(subscripts, *(o.to(compute) for o in operands)).to(result)


# ---- shapes ------------------------------------------------------------------------------------------------


@keras_op
def reshape(x, newshape):
    """`x` with shape `newshape` (one entry may be -1)."""
    return convert_to_tensor(x).reshape(_shape(newshape))


@keras_op
def ravel(x):
    """`x` flattened to 1-D."""
    return convert_to_tensor(x).reshape(-1)


@keras_op
def expand_dims(x, axis):
    """`x` with new size-1 axes at `axis` (an int or a tuple, positions in the result)."""
    x = convert_to_tensor(x)
    if isinstance(axis, int):
        return torch.unsqueeze(x, axis)
    out_ndim = x.ndim + len(axis)
    for a in sorted(a % out_ndim for a in axis):
        x = torch.unsqueeze(x, a)
    return x


@keras_op
def squeeze(x, axis=None):
    """`x` without its size-1 axes (only those in `axis` if given)."""
    x = convert_to_tensor(x)
    if axis is None:
        return torch.squeeze(x)
    for a in _dims(x, _axes(axis)):
        if x.shape[a] != 1:
            raise ValueError(f"Cannot squeeze axis {a} of a tensor of shape {tuple(x.shape)}: its size is not 1.")
    return torch.squeeze(x, dim=_dims(x, _axes(axis)))


@keras_op
def transpose(x, axes=None):
    """`x` with its axes permuted (reversed if `axes` is None)."""
    x = convert_to_tensor(x)
    if axes is None:
        return x.permute(tuple(reversed(range(x.ndim))))
    return x.permute(tuple(axes))


@keras_op
def moveaxis(x, source, destination):
    """`x` with axes moved from `source` to `destination`."""
    return torch.moveaxis(convert_to_tensor(x), _axes(source), _axes(destination))


@keras_op
def swapaxes(x, axis1, axis2):
    """`x` with two axes swapped."""
    return torch.swapaxes(convert_to_tensor(x), axis1, axis2)


@keras_op
def broadcast_to(x, shape):
    """`x` broadcast to `shape`."""
    return torch.broadcast_to(convert_to_tensor(x), _shape(shape))


@keras_op
def flip(x, axis=None):
    """`x` reversed along `axis` (all axes if None)."""
    x = convert_to_tensor(x)
    return torch.flip(x, dims=_dims(x, _axes(axis)))


@keras_op
def fliplr(x):
    """`x` reversed along axis 1."""
    return flip(x, axis=1)


@keras_op
def flipud(x):
    """`x` reversed along axis 0."""
    return flip(x, axis=0)


@keras_op
def rot90(array, k=1, axes=(0, 1)):
    """`array` rotated by 90 degrees `k` times in the plane of `axes`."""
    return torch.rot90(convert_to_tensor(array), k=k, dims=list(axes))


@keras_op
def roll(x, shift, axis=None):
    """`x` rolled by `shift` along `axis` (the flattened tensor if None)."""
    return torch.roll(convert_to_tensor(x), shifts=_axes(shift), dims=_axes(axis))


@keras_op
def tile(x, repeats):
    """`x` repeated `repeats` times along each axis (NumPy's tile)."""
    return torch.tile(convert_to_tensor(x), (repeats,) if isinstance(repeats, int) else tuple(repeats))


@keras_op
def repeat(x, repeats, axis=None):
    """Each element of `x` repeated `repeats` times along `axis` (of the flattened tensor if None)."""
    x = convert_to_tensor(x)
    if not isinstance(repeats, int):
        repeats = convert_to_tensor(repeats, device=x.device)
    return torch.repeat_interleave(x, repeats, dim=axis)


@keras_op
def concatenate(xs, axis=0):
    """The tensors `xs` joined along `axis` (flattened first if `axis` is None)."""
    xs = convert_to_tensors(*xs)
    if axis is None:
        xs, axis = [x.reshape(-1) for x in xs], 0
    return torch.cat(xs, dim=axis)


@keras_op
def append(x1, x2, axis=None):
    """`x2` appended to `x1` along `axis` (both flattened if None)."""
    return concatenate([x1, x2], axis=axis)


@keras_op
def stack(x, axis=0):
    """The tensors `x` stacked along a new axis `axis`."""
    xs = _promoted(*x)
    return torch.stack(xs, dim=axis)


@keras_op
def hstack(xs):
    """The tensors stacked horizontally (along axis 1, axis 0 for 1-D)."""
    return torch.hstack(_promoted(*xs))


@keras_op
def vstack(xs):
    """The tensors stacked vertically (along axis 0, as rows for 1-D)."""
    return torch.vstack(_promoted(*xs))


@keras_op
def dstack(xs):
    """The tensors stacked along axis 2."""
    return torch.dstack(_promoted(*xs))


def _split_points(x, indices_or_sections, axis, even: bool):
    size = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if even and size % indices_or_sections:
            raise ValueError(f"Cannot split an axis of size {size} into {indices_or_sections} equal sections.")
        return indices_or_sections
    return list(indices_or_sections)


@keras_op
def split(x, indices_or_sections, axis=0):
    """`x` split along `axis` into equal sections (an int) or at the given indices (a list)."""
    x = convert_to_tensor(x)
    return list(torch.tensor_split(x, _split_points(x, indices_or_sections, axis, True), dim=axis))


@keras_op
def array_split(x, indices_or_sections, axis=0):
    """`x` split along `axis` into nearly equal sections (an int) or at the given indices (a list)."""
    x = convert_to_tensor(x)
    return list(torch.tensor_split(x, _split_points(x, indices_or_sections, axis, False), dim=axis))


@keras_op
def hsplit(x, indices_or_sections):
    """`split` along axis 1 (axis 0 for 1-D)."""
    x = convert_to_tensor(x)
    return split(x, indices_or_sections, axis=1 if x.ndim > 1 else 0)


@keras_op
def vsplit(x, indices_or_sections):
    """`split` along axis 0."""
    return split(x, indices_or_sections, axis=0)


@keras_op
def dsplit(x, indices_or_sections):
    """`split` along axis 2."""
    return split(x, indices_or_sections, axis=2)


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """`x` padded as NumPy pads: `pad_width` is `((before, after),)` per axis (or one pair, or one int).

    Args:
        x: the tensor.
        pad_width: the padding, NumPy style.
        mode: `"constant"`, `"reflect"`, `"symmetric"` or `"edge"`.
        constant_values: the fill value for `"constant"` (0 by default).
    """
    x = convert_to_tensor(x)
    widths = np.broadcast_to(
        np.asarray(pad_width, dtype=np.int64).reshape(-1, 2)
        if np.ndim(pad_width)
        else np.asarray([[pad_width, pad_width]]),
        (x.ndim, 2),
    ).tolist()
    if mode == "constant":
        flat = [w for before, after in reversed(widths) for w in (before, after)]
        return torch.nn.functional.pad(x, flat, value=0 if constant_values is None else constant_values)
    if constant_values is not None:
        raise ValueError(f"`constant_values` is only used with mode='constant'; received mode={mode!r}.")
    for axis, (before, after) in enumerate(widths):
        n = x.shape[axis]
        if mode == "edge":
            parts = [
                x.narrow(axis, 0, 1).repeat_interleave(before, axis),
                x,
                x.narrow(axis, n - 1, 1).repeat_interleave(after, axis),
            ]
        elif mode == "reflect":
            parts = [x.narrow(axis, 1, before).flip(axis), x, x.narrow(axis, n - 1 - after, after).flip(axis)]
        elif mode == "symmetric":
            parts = [x.narrow(axis, 0, before).flip(axis), x, x.narrow(axis, n - after, after).flip(axis)]
        else:
            raise ValueError(
                f"Unsupported pad mode: expected 'constant', 'reflect', 'symmetric' or 'edge'; got {mode!r}."
            )
        x = torch.cat(parts, dim=axis)
    return x


# ---- indexing ----------------------------------------------------------------------------------------------


@keras_op
def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened tensor if None); negative indices count
    from the end."""
    x = convert_to_tensor(x)
    indices = convert_to_tensor(indices, device=x.device).long()
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis % x.ndim
    size = x.shape[axis]
    indices = torch.where(indices < 0, indices + size, indices)
    picked = torch.index_select(x, axis, indices.reshape(-1))
    return picked.reshape(x.shape[:axis] + indices.shape + x.shape[axis + 1 :])


@keras_op
def take_along_axis(x, indices, axis=None):
    """Elements of `x` at `indices` matched along `axis` (NumPy's take_along_axis, with broadcasting)."""
    x = convert_to_tensor(x)
    indices = convert_to_tensor(indices, device=x.device).long()
    if axis is None:
        x, axis = x.reshape(-1), 0
    size = x.shape[axis]
    indices = torch.where(indices < 0, indices + size, indices)
    return torch.take_along_dim(x, indices, dim=axis)


@keras_op
def get_item(x, key):
    """`x[key]`. A list key is a tuple of indices, as a saved graph stores one (Keras reads it so too)."""
    return convert_to_tensor(x)[tuple(key) if isinstance(key, list) else key]


@keras_op
def nonzero(x):
    """The indices of the non-zero elements of `x`: an int32 tensor of shape `(x.ndim, count)`, whose rows
    unpack as NumPy's tuple does (`rows, cols = ops.nonzero(x)`)."""
    return torch.nonzero(convert_to_tensor(x)).T.int()


@keras_op
def tril(x, k=0):
    """`x` with the elements above the `k`-th diagonal zeroed."""
    return torch.tril(convert_to_tensor(x), diagonal=k)


@keras_op
def triu(x, k=0):
    """`x` with the elements below the `k`-th diagonal zeroed."""
    return torch.triu(convert_to_tensor(x), diagonal=k)


@keras_op
def diag(x, k=0):
    """The `k`-th diagonal of a matrix, or a matrix with vector `x` on its `k`-th diagonal."""
    x = convert_to_tensor(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"`diag` takes a 1-D or 2-D tensor; received shape {tuple(x.shape)}.")
    return torch.diag(x, k)


@keras_op
def diagflat(x, k=0):
    """A matrix with the flattened `x` on its `k`-th diagonal."""
    return torch.diagflat(convert_to_tensor(x), k)


@keras_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal over `axis1`/`axis2`, as the last axis."""
    return torch.diagonal(convert_to_tensor(x), offset=offset, dim1=axis1, dim2=axis2)


@keras_op
def diff(a, n=1, axis=-1):
    """The `n`-th discrete difference along `axis`."""
    return torch.diff(convert_to_tensor(a), n=n, dim=axis)


@keras_op
def digitize(x, bins):
    """The index of the bin of each element of `x` (int32)."""
    x, bins = convert_to_tensors(x, bins)
    return torch.bucketize(x, bins, right=True).int()


@keras_op
def searchsorted(sorted_sequence, values, side="left"):
    """Where `values` would be inserted into the 1-D `sorted_sequence` to keep it sorted (int32)."""
    sorted_sequence, values = convert_to_tensors(sorted_sequence, values)
    return torch.searchsorted(sorted_sequence, values, side=side, out_int32=True)


@keras_op
def unravel_index(indices, shape):
    """Flat `indices` as a tuple of coordinate tensors into `shape`."""
    indices = convert_to_tensor(indices)
    return tuple(torch.unravel_index(indices.long(), _shape(shape)))


@keras_op
def vander(x, N=None, increasing=False):  # noqa: N803
    """The Vandermonde matrix of the 1-D `x`."""
    return torch.vander(convert_to_tensor(x), N=N, increasing=increasing)


@keras_op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule."""
    y = ensure_float(convert_to_tensor(y))
    if x is None:
        return torch.trapezoid(y, dx=dx, dim=axis)
    return torch.trapezoid(y, convert_to_tensor(x, device=y.device), dim=axis)


@keras_op
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors (`mode` `"valid"`, `"same"` or `"full"`)."""
    x1, x2 = _promoted(x1, x2)
    x1, x2 = ensure_float(x1), ensure_float(x2)
    n, m = x1.shape[0], x2.shape[0]
    padding = {"valid": 0, "full": m - 1, "same": m // 2}[mode]
    out = torch.nn.functional.conv1d(x1.reshape(1, 1, -1), x2.conj().reshape(1, 1, -1), padding=padding)
    out = out.reshape(-1)
    if mode == "same":
        out = out[: builtins.max(n, m)]
    return out


@keras_op
def corrcoef(x):
    """Pearson correlation coefficients of the rows of `x`."""
    return torch.corrcoef(ensure_float(convert_to_tensor(x)))


@keras_op
def select(condlist, choicelist, default=0):
    """Elements from `choicelist[i]` where `condlist[i]` first holds, else `default`."""
    out = convert_to_tensor(default, device=device_of(*choicelist))
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        out = where(condition, choice, out)
    return out


@keras_op
def size(x):
    """The number of elements of `x`."""
    return convert_to_tensor(x).numel()


def ndim(x) -> int:
    """The number of axes of `x`."""
    return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


def _window(torch_fn, name: str, doc: str):
    def op(x):
        return torch_fn(int(x), periodic=False, dtype=_std(config.floatx()), device=default_device())

    op.__doc__ = doc
    op.__name__ = op.__qualname__ = name
    return op


bartlett = _window(torch.bartlett_window, "bartlett", "The Bartlett window of `x` points.")
blackman = _window(torch.blackman_window, "blackman", "The Blackman window of `x` points.")
hamming = _window(torch.hamming_window, "hamming", "The Hamming window of `x` points.")
hanning = _window(torch.hann_window, "hanning", "The Hann window of `x` points.")


def kaiser(x, beta):
    """The Kaiser window of `x` points."""
    return torch.kaiser_window(int(x), periodic=False, beta=beta, dtype=_std(config.floatx()), device=default_device())


@keras_op
def slogdet(x):
    """`(sign, log|det|)` of the square matrices `x`."""
    return tuple(torch.linalg.slogdet(ensure_float(convert_to_tensor(x))))


# NaN-aware reductions: NaN entries are skipped; a reduction over only NaNs gives NaN (an index of -1).


def _nan_filled(x: torch.Tensor, value: float) -> torch.Tensor:
    """`x` with its NaNs replaced by `value` (integer and bool tensors hold no NaN and come back as they are)."""
    if not (x.is_floating_point() or x.is_complex()):
        return x
    return torch.where(torch.isnan(x), torch.full((), value, dtype=x.dtype, device=x.device), x)


def _all_nan(x: torch.Tensor, axis, keepdims: bool) -> torch.Tensor:
    nan = torch.isnan(x)
    if axis is None:
        out = nan.all()
        return out.reshape((1,) * x.ndim) if keepdims else out
    return nan.all(dim=_dims(x, axis), keepdim=keepdims)


def _nan_arg_reduce(torch_fn, fill: float, x, axis, keepdims):
    x = convert_to_tensor(x)
    if not x.is_floating_point():
        return _arg_reduce(torch_fn, x, axis, keepdims)
    out = _arg_reduce(torch_fn, _nan_filled(x, fill), axis, keepdims)
    return torch.where(_all_nan(x, axis, keepdims), torch.full((), -1, dtype=out.dtype, device=out.device), out)


@keras_op
def nanargmax(x, axis=None, keepdims=False):
    """Index of the maximum along `axis` (of the flattened tensor if None) ignoring NaNs; -1 where all are NaN."""
    return _nan_arg_reduce(torch.argmax, float("-inf"), x, axis, keepdims)


@keras_op
def nanargmin(x, axis=None, keepdims=False):
    """Index of the minimum along `axis` (of the flattened tensor if None) ignoring NaNs; -1 where all are NaN."""
    return _nan_arg_reduce(torch.argmin, float("inf"), x, axis, keepdims)


@keras_op
def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened tensor if None), NaNs counting as zero."""
    return _cumulative(torch.cumsum, _nan_filled(convert_to_tensor(x), 0.0), axis, dtype)


@keras_op
def nancumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis` (of the flattened tensor if None), NaNs counting as one."""
    return _cumulative(torch.cumprod, _nan_filled(convert_to_tensor(x), 1.0), axis, dtype)


def _nan_extreme(torch_fn, fill: float, x, axis, keepdims):
    x = convert_to_tensor(x)
    axis = _axes(axis)
    if axis == ():
        return x
    out = torch_fn(_nan_filled(x, fill), dim=_dims(x, axis), keepdim=keepdims)
    if not x.is_floating_point():
        return out
    return torch.where(_all_nan(x, axis, keepdims), torch.full((), float("nan"), dtype=x.dtype, device=x.device), out)


@keras_op
def nanmax(x, axis=None, keepdims=False):
    """Maximum over `axis` (all axes if None) ignoring NaNs; NaN where all are NaN."""
    return _nan_extreme(torch.amax, float("-inf"), x, axis, keepdims)


@keras_op
def nanmin(x, axis=None, keepdims=False):
    """Minimum over `axis` (all axes if None) ignoring NaNs; NaN where all are NaN."""
    return _nan_extreme(torch.amin, float("inf"), x, axis, keepdims)


@keras_op
def nanprod(x, axis=None, keepdims=False):
    """Product over `axis` (all axes if None), NaNs counting as one (bool and small ints give int32)."""
    return prod(_nan_filled(convert_to_tensor(x), 1.0), axis=axis, keepdims=keepdims)


@keras_op
def nanvar(x, axis=None, keepdims=False):
    """Population variance over `axis` (all axes if None) of the non-NaN entries; NaN where all are NaN."""
    x = ensure_float(convert_to_tensor(x))
    out_dtype = x.dtype
    if x.dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    axis = _axes(axis)
    if axis == ():
        return torch.where(torch.isnan(x), x, torch.zeros((), dtype=x.dtype, device=x.device)).to(out_dtype)
    dims = _dims(x, axis)
    valid = ~torch.isnan(x)
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    centered = torch.where(valid, x - torch.nanmean(x, dim=dims, keepdim=True), zero)
    squares = centered.real**2 + centered.imag**2 if x.is_complex() else centered**2
    return (squares.sum(dim=dims, keepdim=keepdims) / valid.sum(dim=dims, keepdim=keepdims)).to(out_dtype)


@keras_op
def nanstd(x, axis=None, keepdims=False):
    """Population standard deviation over `axis` (all axes if None) of the non-NaN entries."""
    return torch.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


@keras_op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles (`q` in [0, 1]) over `axis`, ignoring NaNs; `method` as in `quantile`."""
    return _quantile(torch.nanquantile, x, q, axis, method, keepdims)


@keras_op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (`q` in [0, 100]) over `axis`, ignoring NaNs."""
    return nanquantile(x, divide(q, 100.0), axis=axis, method=method, keepdims=keepdims)


@keras_op
def nanmedian(x, axis=None, keepdims=False):
    """Median over `axis` ignoring NaNs (the mean of the two middle values for an even count)."""
    x = convert_to_tensor(x)
    if _axes(axis) == ():
        return x
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values from `start` to `stop` (included if `endpoint`) in geometric progression.

    Args:
        start, stop: the first and last values (of one sign, not zero); scalars or tensors, whose values then run
            along the new axis `axis`.
        num: how many values.
        endpoint: whether `stop` is the last value.
        dtype: the result dtype (floatx, or the inputs' float dtype, by default).
        axis: where the new axis goes when `start`/`stop` are tensors.
    """
    start, stop = convert_to_tensors(start, stop)
    out_dtype = _std(dtype if dtype is not None else result_type(start.dtype, stop.dtype, float))
    start, stop = start.double(), stop.double()
    exponents = linspace(
        torch.log10(torch.abs(start)), torch.log10(torch.abs(stop)), num, endpoint=endpoint, dtype="float64", axis=0
    )
    values = torch.sign(start) * 10.0**exponents
    if num > 0:  # the ends exactly, as NumPy gives them
        values[0] = start
        if endpoint and num > 1:
            values[-1] = stop
    return torch.moveaxis(values, 0, axis).to(out_dtype)


@keras_op
def histogram(x, bins=10, range=None):  # noqa: A002 (Keras's name)
    """Counts of the 1-D `x` in `bins` equal bins over `range` (`(min, max)` of `x` by default), and the bin edges.

    The last bin includes its right edge; values outside `range` are not counted. Counts and edges take `x`'s dtype.
    """
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"Argument `bins` must be of type `int`. Received: bins={bins}")
    if bins < 0:
        raise ValueError(f"Argument `bins` should be a non-negative integer. Received: bins={bins}")
    if range:
        if not isinstance(range, tuple) or len(range) < 2:
            raise ValueError(f"Argument `range` must be a tuple of two elements. Received: range={range}")
        if range[1] < range[0]:
            raise ValueError(f"The second element of `range` must be greater than the first. Received: range={range}")
    x = convert_to_tensor(x)
    if x.ndim > 1:
        raise ValueError(f"histogram: `x` must be 1-dimensional. Received: x.shape={tuple(x.shape)}")
    low, high = (x.min(), x.max()) if not range else (range[0], range[1])
    low, high = (torch.as_tensor(v, dtype=torch.float64, device=x.device) for v in (low, high))
    edges = torch.linspace(0, 1, bins + 1, dtype=torch.float64, device=x.device) * (high - low) + low
    edges = edges.to(x.dtype)
    inside = (x >= edges[0]) & (x <= edges[-1])
    index = torch.searchsorted(edges[1:-1].contiguous(), x.contiguous(), right=True)
    counts = torch.zeros(bins, dtype=torch.float64, device=x.device).index_add_(0, index, inside.double())
    return counts.to(x.dtype), edges


def _unique_spec(
    x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None, size=None, **_
):  # noqa: A002
    """`unique`'s outputs on a KerasTensor: the number of unique values is unknown (None) unless `size` is given."""
    shape = (size,) if axis is None else tuple(size if i == axis % len(x.shape) else d for i, d in enumerate(x.shape))
    outputs = [KerasTensor(shape, dtype=x.dtype)]
    if return_index:
        outputs.append(KerasTensor((size,), dtype="int32"))
    if return_inverse:
        outputs.append(KerasTensor(x.shape if axis is None else (x.shape[axis],), dtype="int32"))
    if return_counts:
        outputs.append(KerasTensor((size,), dtype="int32"))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


@keras_op(output_spec=_unique_spec)
def unique(
    x,
    sorted=True,  # noqa: A002 (Keras's name)
    return_index=False,
    return_inverse=False,
    return_counts=False,
    axis=None,
    size=None,
    fill_value=None,
):
    """The unique elements of `x` (its unique slices along `axis` if given), sorted or in order of first occurrence.

    Args:
        x: the tensor (flattened when `axis` is None).
        sorted: ascending order if True, else the order in which they first occur.
        return_index: also return the index of each unique element's first occurrence (int32).
        return_inverse: also return, for each element of `x`, its index in the unique values (int32).
        return_counts: also return how often each unique element occurs (int32).
        axis: the axis whose slices are the elements, or None.
        size: a fixed number of unique values: fewer are padded with `fill_value` (counts and indices with 0),
            more are truncated.
        fill_value: the padding value (0 by default).

    Returns:
        The unique values, or a tuple of them and the requested index, inverse and counts tensors, in that order.
    """
    x = convert_to_tensor(x)
    dim = 0 if axis is None else axis % x.ndim
    values, inverse, counts = torch.unique(x, sorted=True, return_inverse=True, return_counts=True, dim=axis)
    n = values.shape[dim]
    flat_inverse = inverse.reshape(-1)
    positions = torch.arange(flat_inverse.numel(), device=x.device)
    first = torch.full((n,), flat_inverse.numel(), dtype=positions.dtype, device=x.device)
    first = first.scatter_reduce(0, flat_inverse, positions, reduce="amin")
    if not sorted:  # first-occurrence order: rank the sorted uniques by where they first occur
        order = torch.argsort(first)
        values, counts, first = values.index_select(dim, order), counts[order], first[order]
        inverse = torch.argsort(order)[inverse]
    if size is not None:
        values = _fixed_size(values, dim, size, 0 if fill_value is None else fill_value)
        counts, first = _fixed_size(counts, 0, size, 0), _fixed_size(first, 0, size, 0)
    outputs = [values]
    if return_index:
        outputs.append(first.int())
    if return_inverse:
        outputs.append(inverse.int())
    if return_counts:
        outputs.append(counts.int())
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fixed_size(x: torch.Tensor, dim: int, size: int, fill) -> torch.Tensor:
    """`x` truncated or padded with `fill` to `size` entries along `dim`."""
    n = x.shape[dim]
    if n >= size:
        return x.narrow(dim, 0, size)
    pad_shape = list(x.shape)
    pad_shape[dim] = size - n
    return torch.cat([x, torch.full(pad_shape, fill, dtype=x.dtype, device=x.device)], dim=dim)


@keras_op
def view(x, dtype=None):
    """The bits of `x` read as `dtype` (a new view of the same memory); a change of item size rescales the last
    axis."""
    x = convert_to_tensor(x)
    if dtype is None:
        return x.view(x.dtype)
    new = _std(dtype)
    old_size, new_size = x.element_size(), torch.empty((), dtype=new).element_size()
    if old_size != new_size:
        if x.ndim == 0:
            raise ValueError("Cannot view a scalar as a different dtype if item sizes are different.")
        if (x.shape[-1] * old_size) % new_size:
            raise ValueError(
                f"Cannot view array of shape {tuple(x.shape)} and dtype {config.dtype_name(x.dtype)} as dtype "
                f"{config.dtype_name(new)} because the total number of bytes is not divisible by the new itemsize."
            )
    return x.contiguous().view(new)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` made to map over the leading (broadcast) axes of its tensor arguments, with `torch.vmap`.

    Args:
        pyfunc: a function of tensors.
        excluded: positions (ints) or names (strs) of arguments passed to `pyfunc` unchanged.
        signature: a generalized-ufunc signature such as `"(m,n),(n)->(m)"` giving the core axes `pyfunc` sees for
            each argument; by default it sees scalars.

    Example:
        `ops.vectorize(lambda a, b: a + b)([1, 2, 3, 4], 2)` is `[3, 4, 5, 6]`.
    """
    if not callable(pyfunc):
        raise ValueError(f"Expected argument `pyfunc` to be a callable. Received: pyfunc={pyfunc}")
    excluded = set(excluded or ())
    input_cores, _ = _parse_gufunc_signature(signature) if signature else (None, None)

    @functools.wraps(pyfunc)
    def vectorized(*args, **kwargs):
        fixed_kwargs = {k: v for k, v in kwargs.items() if k in excluded}
        mapped_positions = [i for i in builtins.range(len(args)) if i not in excluded]
        mapped_names = [k for k in kwargs if k not in excluded]
        tensors = convert_to_tensors(*(args[i] for i in mapped_positions), *(kwargs[k] for k in mapped_names))
        cores = input_cores or [()] * len(tensors)
        if len(cores) != len(tensors):
            raise ValueError(
                f"vectorize: the signature {signature!r} has {len(cores)} inputs; received {len(tensors)} "
                f"vectorized arguments."
            )
        core_ranks = [len(c) for c in cores]
        batch_shape = torch.broadcast_shapes(*(t.shape[: t.ndim - r] for t, r in zip(tensors, core_ranks)))
        flat = [
            t.expand(batch_shape + t.shape[t.ndim - r :]).reshape((-1,) + t.shape[t.ndim - r :])
            for t, r in zip(tensors, core_ranks)
        ]

        def call(*mapped):
            call_args = list(args)
            for i, value in zip(mapped_positions, mapped):
                call_args[i] = value
            call_kwargs = dict(fixed_kwargs, **dict(zip(mapped_names, mapped[len(mapped_positions) :])))
            return pyfunc(*call_args, **call_kwargs)

        outputs = torch.vmap(call)(*flat)
        return _map_outputs(lambda t: t.reshape(batch_shape + t.shape[1:]), outputs)

    return vectorized


def _map_outputs(fn, outputs):
    if isinstance(outputs, (tuple, list)):
        return type(outputs)(_map_outputs(fn, o) for o in outputs)
    return fn(outputs)


def _parse_gufunc_signature(signature: str):
    """`"(m,n),(n)->(m)"` as `([("m", "n"), ("n",)], [("m",)])`."""
    match = re.fullmatch(r"\s*(\(.*?\)(?:\s*,\s*\(.*?\))*)\s*->\s*(\(.*?\)(?:\s*,\s*\(.*?\))*)\s*", signature)
    if match is None:
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")

    def groups(part):
        return [tuple(d.strip() for d in g.split(",") if d.strip()) for g in re.findall(r"\((.*?)\)", part)]

    return groups(match.group(1)), groups(match.group(2))


__all__ = [
    name
    for name, value in list(globals().items())
    if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__
]
__all__ = sorted(__all__)
