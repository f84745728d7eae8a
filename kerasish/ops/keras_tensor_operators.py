"""Python operators on KerasTensors (`x + 1`, `a @ b`, `x[:, 0]`, `x > 0`, ...), as Keras's KerasTensor has them:
each records the matching op's node in the functional graph. KerasTensor sits on the ground floor, below the ops,
so the ops package attaches these when it is imported."""

from __future__ import annotations

from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.ops import core, numpy


def _binary(op, reflected: bool = False):
    if reflected:
        return lambda self, other: op(other, self)
    return lambda self, other: op(self, other)


_BINARY = {
    "add": numpy.add,
    "sub": numpy.subtract,
    "mul": numpy.multiply,
    "truediv": numpy.true_divide,
    "floordiv": numpy.floor_divide,
    "mod": numpy.mod,
    "pow": numpy.power,
    "matmul": numpy.matmul,
    "and": numpy.logical_and,
    "or": numpy.logical_or,
    "xor": numpy.logical_xor,
}
_COMPARISONS = {
    "lt": numpy.less,
    "le": numpy.less_equal,
    "gt": numpy.greater,
    "ge": numpy.greater_equal,
    "eq": numpy.equal,
    "ne": numpy.not_equal,
}


def attach() -> None:
    for name, op in _BINARY.items():
        setattr(KerasTensor, f"__{name}__", _binary(op))
        setattr(KerasTensor, f"__r{name}__", _binary(op, reflected=True))
    for name, op in _COMPARISONS.items():
        setattr(KerasTensor, f"__{name}__", _binary(op))
    KerasTensor.__hash__ = object.__hash__  # defining __eq__ would drop it; graphs keep KerasTensors in sets
    KerasTensor.__neg__ = lambda self: numpy.negative(self)
    KerasTensor.__pos__ = lambda self: self
    KerasTensor.__abs__ = lambda self: numpy.absolute(self)
    KerasTensor.__invert__ = lambda self: numpy.logical_not(self)
    KerasTensor.__getitem__ = lambda self, key: numpy.get_item(self, key)
    KerasTensor.__round__ = lambda self, ndigits=None: numpy.round(self, decimals=ndigits or 0)
    KerasTensor.numpy = _no_value
    KerasTensor.astype = lambda self, dtype: core.cast(self, dtype)
    KerasTensor.reshape = lambda self, *shape: numpy.reshape(self, shape[0] if len(shape) == 1 else shape)
    KerasTensor.squeeze = lambda self, axis=None: numpy.squeeze(self, axis=axis)


def _no_value(self):
    raise ValueError("A symbolic KerasTensor has no value: it stands for a tensor of a model yet to be called.")
