"""The base class of every kerasish initializer."""

from __future__ import annotations

import abc

import torch


class Initializer(abc.ABC):
    """Base class for initializers: a callable `(shape, dtype=None) -> torch.Tensor`.

    Subclasses implement `__call__` and, when their `__init__` takes arguments, `get_config` returning
    exactly those arguments; the default `from_config` then rebuilds them.

    Example:
        class Halves(Initializer):
            def __call__(self, shape, dtype=None):
                return torch.full(shape, 0.5, dtype=standardize_dtype(dtype))
    """

    @abc.abstractmethod
    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Returns a new CPU tensor of `shape` and `dtype` (default `floatx()`) filled by this initializer.

        Args:
            shape: Shape of the tensor, a tuple of ints.
            dtype: A dtype name or `torch.dtype`; None means `floatx()`.
        """

    def get_config(self) -> dict:
        """The arguments of `__init__`, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        """Builds an initializer from the output of `get_config`."""
        return cls(**config)

    def clone(self) -> Initializer:
        """A new initializer with the same config."""
        return self.__class__.from_config(self.get_config())


def standardize_shape(shape) -> tuple[int, ...]:
    """`shape` as a tuple of non-negative ints; raises ValueError for unknown (None) or negative sizes."""
    if isinstance(shape, int):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"Expected a shape (a tuple of ints), got {shape!r}.") from None
    if any(d is None or int(d) < 0 for d in dims):
        raise ValueError(f"Cannot initialize a tensor of shape {dims}: every size must be a known non-negative int.")
    return tuple(int(d) for d in dims)
