"""Regression metrics: running means of squared and absolute errors."""

from __future__ import annotations

from typing import Any

import torch

from kerasish.losses.loss import as_tensor, squeeze_or_expand_to_same_rank
from kerasish.losses.losses import mean_absolute_error, mean_squared_error
from kerasish.metrics.reduction_metrics import Mean, MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of `mean(square(y_true - y_pred), axis=-1)`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = MeanSquaredError()
        m.update_state(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[1.0, 1.0], [0.0, 0.0]]))
        m.result()  # 0.25
    """

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of `mean(abs(y_true - y_pred), axis=-1)`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = MeanAbsoluteError()
        m.update_state(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[1.0, 1.0], [0.0, 0.0]]))
        m.result()  # 0.25
    """

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None):
        super().__init__(fn=mean_absolute_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """Square root of the running mean of squared errors, `sqrt(mean(square(y_true - y_pred)))`.

    The mean runs over every element (not per sample first), as in Keras.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = RootMeanSquaredError()
        m.update_state(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[1.0, 1.0], [0.0, 0.0]]))
        m.result()  # 0.5
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = as_tensor(y_pred, self._torch_dtype)
        y_true = as_tensor(y_true, self._torch_dtype, y_pred.device)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state(torch.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self) -> torch.Tensor:
        return torch.sqrt(super().result())
