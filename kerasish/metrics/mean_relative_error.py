"""MeanRelativeError: tf.keras 2's mean of |y_true - y_pred| / normalizer."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from kerasish.losses.loss import as_tensor, divide_no_nan, squeeze_or_expand_to_same_rank
from kerasish.metrics.reduction_metrics import Mean


def weighted_sum_and_count(values: torch.Tensor, sample_weight: Any) -> tuple[torch.Tensor, torch.Tensor | float]:
    """tf.keras 2's `Reduce` weighting: weights broadcast over the values (or, when they cannot, the values
    averaged down to the weights' rank); returns the weighted sum and the summed weights (the element count
    without weights)."""
    if sample_weight is None:
        return values.sum(), float(values.numel())
    weight = as_tensor(sample_weight, values.dtype, values.device)
    if weight.dim() == values.dim() + 1 and weight.shape[-1] == 1:
        weight = weight.squeeze(-1)
    elif weight.dim() == values.dim() - 1:
        weight = weight.unsqueeze(-1)
    try:
        weight = weight.expand(values.shape)
    except RuntimeError:
        values = values.mean(dim=list(range(weight.dim(), values.dim())))
        try:
            weight = weight.expand(values.shape)
        except RuntimeError:
            raise ValueError(
                f"sample_weight of shape {tuple(weight.shape)} cannot be broadcast to the values of shape "
                f"{tuple(values.shape)}."
            ) from None
    return (values * weight).sum(), weight.sum()


class MeanRelativeError(Mean):
    """The mean relative error, `mean(|y_true - y_pred| / normalizer)` (0 where the normalizer is 0), as tf.keras 2.

    Args:
        normalizer: the values to divide the absolute errors by, shaped like (or broadcasting to) the predictions.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = MeanRelativeError(normalizer=[1, 3, 2, 3])
        m.update_state([1, 3, 2, 3], [2, 4, 6, 8])
        m.result()  # mean([1, 1, 4, 5] / [1, 3, 2, 3]) = 1.25
    """

    def __init__(self, normalizer: Any, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.normalizer = as_tensor(np.asarray(normalizer) if not isinstance(normalizer, torch.Tensor) else normalizer)
        self.normalizer = self.normalizer.to(self._torch_dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = as_tensor(y_pred, self._torch_dtype)
        y_true = as_tensor(y_true, self._torch_dtype, y_pred.device)
        y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true, expand_rank_1=False)
        normalizer = self.normalizer.to(y_pred.device)
        y_pred, normalizer = squeeze_or_expand_to_same_rank(y_pred, normalizer, expand_rank_1=False)
        if y_pred.shape != y_true.shape:
            raise ValueError(
                f"MeanRelativeError: y_pred of shape {tuple(y_pred.shape)} is not compatible with y_true of shape "
                f"{tuple(y_true.shape)}."
            )
        relative_errors = divide_no_nan((y_true - y_pred).abs(), normalizer.expand_as(y_pred))
        total, count = weighted_sum_and_count(relative_errors, sample_weight)
        self._follow_device(relative_errors)
        self.total.add_(total)
        self.count.add_(count)

    def result(self) -> torch.Tensor:
        return divide_no_nan(self.total, self.count)

    def get_config(self) -> dict:
        config = super().get_config()
        config["normalizer"] = self.normalizer.cpu().numpy().tolist()
        return config
