"""Weight constraints: projections applied to a weight after each optimizer update."""

from __future__ import annotations

import torch

from kerasish import config as kconfig


class Constraint:
    """Base class for constraints: `__call__(w)` returns the projected weight (the base returns `w`).

    Subclasses override `__call__` and `get_config` (the arguments of `__init__`).

    Example:
        class Clip(Constraint):
            def __init__(self, limit=1.0):
                self.limit = limit

            def __call__(self, w):
                return torch.clamp(w, -self.limit, self.limit)

            def get_config(self):
                return {"limit": self.limit}
    """

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        """The projection of `w`, a tensor of the same shape on the same device."""
        return w

    def get_config(self) -> dict:
        """The arguments of `__init__`, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        """Builds a constraint from the output of `get_config`."""
        return cls(**config)


def _norms(w: torch.Tensor, axis) -> torch.Tensor:
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.sqrt(torch.sum(torch.square(w), dim=dims, keepdim=True))


class MaxNorm(Constraint):
    """Rescales each weight vector along `axis` whose L2 norm exceeds `max_value` down to `max_value`.

    Args:
        max_value: Largest allowed norm.
        axis: Axis (or list of axes) the norms are taken over: 0 for a Dense kernel `(in, out)`,
            `[0, 1, 2]` for a Conv2D kernel `(kh, kw, in, out)`.

    Example:
        >>> MaxNorm(max_value=1.0)(torch.tensor([[3.0], [4.0]]))
        tensor([[0.6000],
                [0.8000]])
    """

    def __init__(self, max_value: float = 2, axis: int | list[int] = 0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (kconfig.epsilon() + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to 0.

    Example:
        >>> NonNeg()(torch.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        return torch.clamp(w, min=0)


class UnitNorm(Constraint):
    """Rescales each weight vector along `axis` to unit L2 norm.

    Args:
        axis: Axis (or list of axes) the norms are taken over.

    Example:
        >>> UnitNorm()(torch.tensor([[3.0], [4.0]]))
        tensor([[0.6000],
                [0.8000]])
    """

    def __init__(self, axis: int | list[int] = 0):
        self.axis = axis

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        return w / (kconfig.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each weight vector's L2 norm along `axis` into `[min_value, max_value]`.

    The new norm is `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`: `rate=1` enforces the
    bounds at once, a smaller rate moves towards them step by step.

    Args:
        min_value: Smallest allowed norm.
        max_value: Largest allowed norm.
        rate: How far to move towards the bounds at each call.
        axis: Axis (or list of axes) the norms are taken over.

    Example:
        >>> MinMaxNorm(min_value=1.0, max_value=2.0)(torch.tensor([[0.3], [0.4]]))
        tensor([[0.6000],
                [0.8000]])
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int | list[int] = 0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        norms = _norms(w, self.axis)
        desired = self.rate * torch.clamp(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (kconfig.epsilon() + norms))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}
