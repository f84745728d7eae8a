"""Correlation metrics: per-sample Pearson and concordance correlation along an axis, averaged over batches."""

from __future__ import annotations

from typing import Any

import torch

from kerasish import config
from kerasish.losses.loss import as_float_tensors, squeeze_or_expand_to_same_rank
from kerasish.metrics.reduction_metrics import MeanMetricWrapper


def _pred_and_true(y_true: Any, y_pred: Any) -> tuple[torch.Tensor, torch.Tensor]:
    return squeeze_or_expand_to_same_rank(*as_float_tensors(y_true, y_pred))


def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Pearson correlation coefficient between `y_true` and `y_pred` along `axis`.

    Example:
        pearson_correlation([[0.0, 1.0, 2.0]], [[0.0, 2.0, 4.0]])  # [1.0]
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true_norm = y_true - y_true.mean(dim=axis, keepdim=True)
    y_pred_norm = y_pred - y_pred.mean(dim=axis, keepdim=True)
    # Population standard deviations, as numpy's (and Keras's) `std`.
    y_true_norm = y_true_norm / y_true_norm.std(dim=axis, keepdim=True, correction=0)
    y_pred_norm = y_pred_norm / y_pred_norm.std(dim=axis, keepdim=True, correction=0)
    return (y_true_norm * y_pred_norm).mean(dim=axis)


def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Lin's concordance correlation coefficient between `y_true` and `y_pred` along `axis`, computed as Keras
    computes it.

    Example:
        concordance_correlation([[0.0, 1.0, 2.0]], [[0.0, 1.0, 2.0]])  # [~1.0]
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true_mean = y_true.mean(dim=axis, keepdim=True)
    y_pred_mean = y_pred.mean(dim=axis, keepdim=True)
    y_true_var = (y_true - y_true_mean).var(dim=axis, keepdim=True, correction=0)
    y_pred_var = (y_pred - y_pred_mean).var(dim=axis, keepdim=True, correction=0)
    # Keras centres both factors of the covariance on the mean of `y_pred`; kept so the numbers match.
    covar = (y_true - y_pred_mean) * (y_pred - y_pred_mean)
    norm = y_true_var + y_pred_var + torch.square(y_true_mean - y_pred_mean)
    return (2 * covar / (norm + config.epsilon())).mean(dim=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """Running mean of the per-sample Pearson correlation along `axis`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.
        axis: the axis the correlation runs along.

    Example:
        m = PearsonCorrelation()
        m.update_state([[0.0, 1.0, 2.0]], [[0.0, 2.0, 4.0]])
        m.result()  # 1.0
    """

    def __init__(self, name: str = "pearson_correlation", dtype: Any = None, axis: int = -1):
        super().__init__(fn=pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    """Running mean of the per-sample concordance correlation along `axis`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.
        axis: the axis the correlation runs along.

    Example:
        m = ConcordanceCorrelation()
        m.update_state([[0.0, 1.0, 2.0]], [[0.0, 1.0, 2.0]])
        m.result()  # 0.99999994
    """

    def __init__(self, name: str = "concordance_correlation", dtype: Any = None, axis: int = -1):
        super().__init__(fn=concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
