"""Weight and activity penalties: callables mapping a tensor to a scalar loss tensor."""

from __future__ import annotations

import math

import torch

from kerasish import config as kconfig


class Regularizer:
    """Base class for regularizers: `__call__(x)` returns a scalar penalty added to the model's loss.

    The base penalty is 0. Subclasses override `__call__` and `get_config` (the arguments of `__init__`).

    Example:
        class L2Sum(Regularizer):
            def __init__(self, l2=0.0):
                self.l2 = l2

            def __call__(self, x):
                return self.l2 * torch.sum(x * x)

            def get_config(self):
                return {"l2": self.l2}
    """

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The penalty for tensor `x`, a scalar tensor of `x`'s dtype on `x`'s device."""
        return torch.zeros((), dtype=x.dtype, device=x.device)

    def get_config(self) -> dict:
        """The arguments of `__init__`, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        """Builds a regularizer from the output of `get_config`."""
        return cls(**config)


def _validate_factor(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value!r}"
        )
    return float(value)


class L1L2(Regularizer):
    """L1 and L2 penalties: `l1 * sum(abs(x)) + l2 * sum(square(x))`.

    Args:
        l1: L1 factor (None means 0).
        l2: L2 factor (None means 0).

    Example:
        >>> L1L2(l1=0.1, l2=0.01)(torch.tensor([1.0, -2.0]))
        tensor(0.3500)
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _validate_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1:
            penalty = penalty + self.l1 * torch.sum(torch.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * torch.sum(torch.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """L1 penalty: `l1 * sum(abs(x))`.

    Args:
        l1: L1 factor (None means the default 0.01).

    Example:
        >>> L1(0.1)(torch.tensor([1.0, -2.0]))
        tensor(0.3000)
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = _validate_factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.l1 * torch.sum(torch.abs(x))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """L2 penalty: `l2 * sum(square(x))` (no factor 1/2).

    Args:
        l2: L2 factor (None means the default 0.01).

    Example:
        >>> L2(0.1)(torch.tensor([1.0, -2.0]))
        tensor(0.5000)
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = _validate_factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.l2 * torch.sum(torch.square(x))

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards being mutually orthogonal.

    The penalty is `factor` times the mean, over pairs of distinct rows (`mode="rows"`) or columns
    (`mode="columns"`), of the absolute dot product of the two L2-normalized vectors.

    Args:
        factor: Penalty factor.
        mode: `"rows"` or `"columns"`.

    Example:
        >>> OrthogonalRegularizer(factor=1.0)(torch.tensor([[1.0, 0.0], [1.0, 1.0]]))
        tensor(0.7071)
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _validate_factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(
                f"Invalid value for argument `mode`. Expected one of 'rows', 'columns'. Received: mode={mode!r}"
            )
        self.mode = mode

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={tuple(x.shape)}"
            )
        vectors = x if self.mode == "rows" else x.T
        # Keras normalizes with x * min(rsqrt(sum x^2), 1 / epsilon), so an all-zero vector stays zero.
        inv_norm = torch.rsqrt(torch.sum(torch.square(vectors), dim=1, keepdim=True))
        vectors = vectors * torch.clamp(inv_norm, max=1.0 / kconfig.epsilon())
        product = vectors @ vectors.T
        size = product.shape[0]
        off_diagonal = product * (1.0 - torch.eye(size, dtype=x.dtype, device=x.device))
        # The sum counts each pair twice, hence the 0.5.
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) / num_pairs

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}
