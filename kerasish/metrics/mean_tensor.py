"""MeanTensor: tf.keras 2's element-wise (weighted) mean of same-shaped tensors."""

from __future__ import annotations

from typing import Any

import torch

from kerasish.losses.loss import as_tensor, divide_no_nan
from kerasish.metrics.metric import Metric


class MeanTensor(Metric):
    """The element-wise (weighted) mean of the tensors it is given; the result has their shape.

    The state (`total`, the weighted sum, and `count`, the summed weights, both of the values' shape) is created
    from `shape`, or from the first values; every later update must have that shape.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.
        shape: the values' shape, if known in advance.

    Example:
        m = MeanTensor()
        m.update_state([0, 1, 2, 3])
        m.update_state([4, 5, 6, 7])
        m.result()  # [2., 3., 4., 5.]
    """

    def __init__(self, name: str = "mean_tensor", dtype: Any = None, shape: Any = None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        self._total = None
        self._count = None
        if shape is not None:
            self._build(tuple(int(d) for d in shape))

    def _build(self, shape: tuple[int, ...]) -> None:
        self._shape = shape
        self._total = self.add_variable(shape=shape, initializer="zeros", dtype=self.dtype, name="total")
        self._count = self.add_variable(shape=shape, initializer="zeros", dtype=self.dtype, name="count")

    @property
    def total(self) -> torch.Tensor | None:
        return self._total

    @property
    def count(self) -> torch.Tensor | None:
        return self._count

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = as_tensor(values, self._torch_dtype)
        if self._shape is None:
            self._build(tuple(values.shape))
        elif tuple(values.shape) != self._shape:
            raise ValueError(
                "MeanTensor input values must always have the same shape. Expected shape (set during the first "
                f"call): {self._shape}. Got: {tuple(values.shape)}."
            )
        counts = torch.ones_like(values)
        if sample_weight is not None:
            weight = as_tensor(sample_weight, self._torch_dtype, values.device)
            if weight.dim() == values.dim() + 1 and weight.shape[-1] == 1:
                weight = weight.squeeze(-1)
            elif weight.dim() == values.dim() - 1:
                weight = weight.unsqueeze(-1)
            try:
                weight = weight.expand(values.shape)
            except RuntimeError:
                raise ValueError(
                    f"MeanTensor: sample_weight of shape {tuple(weight.shape)} cannot be broadcast to the values of "
                    f"shape {tuple(values.shape)}."
                ) from None
            counts = counts * weight
            values = values * weight
        self._follow_device(values)
        self._total.add_(values)
        self._count.add_(counts)

    def result(self) -> torch.Tensor:
        if self._shape is None:
            raise ValueError(
                "MeanTensor does not have any value yet. Please call the MeanTensor instance or use "
                "`.update_state(value)` before retrieving the result."
            )
        return divide_no_nan(self._total, self._count)

    def reset_state(self) -> None:
        for variable in self.variables:
            variable.zero_()
