"""Regression metrics: running means of error functions, cosine similarity, and the R2 score."""

from __future__ import annotations

import warnings
from typing import Any

import torch

from kerasish.losses import losses
from kerasish.losses.loss import as_tensor, squeeze_or_expand_to_same_rank
from kerasish.losses.losses import (
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from kerasish.metrics.metric import Metric
from kerasish.metrics.reduction_metrics import Mean, MeanMetricWrapper


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Cosine similarity of `y_true` and `y_pred` along `axis`, in [-1, 1] (the loss of that name negated).

    Example:
        cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])  # [0.0, 1.0]
    """
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


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


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Running mean of `100 * mean(abs((y_true - y_pred) / y_true), axis=-1)`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = MeanAbsolutePercentageError()
        m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
        m.result()  # 250000000.0
    """

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None):
        super().__init__(mean_absolute_percentage_error, name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Running mean of `mean(square(log(y_true + 1) - log(y_pred + 1)), axis=-1)`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = MeanSquaredLogarithmicError()
        m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
        m.result()  # 0.12011322
    """

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None):
        super().__init__(mean_squared_logarithmic_error, name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class CosineSimilarity(MeanMetricWrapper):
    """Running mean of the cosine similarity between `y_true` and `y_pred` along `axis`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.
        axis: the axis the similarity is computed along.

    Example:
        m = CosineSimilarity()
        m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
        m.result()  # 0.49999997
    """

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1):
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class LogCoshError(MeanMetricWrapper):
    """Running mean of `mean(log(cosh(y_pred - y_true)), axis=-1)`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = LogCoshError()
        m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
        m.result()  # 0.10844523
    """

    def __init__(self, name: str = "logcosh", dtype: Any = None):
        super().__init__(log_cosh, name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


R2_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination, `1 - sum((y_true - y_pred)^2) / sum((y_true - mean(y_true))^2)`, per
    output column of `(batch_size, output_dim)` data, over all batches seen.

    Args:
        class_aggregation: how the per-column scores combine: `"uniform_average"` (mean),
            `"variance_weighted_average"` (weighted by the variance of `y_true`) or None (one per column).
        num_regressors: the number of independent regressors, for the adjusted R2 score (0: plain R2).
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = R2Score()
        m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
        m.result()  # 0.57142854
    """

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype: Any = None,
    ):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in R2_CLASS_AGGREGATIONS:
            raise ValueError(
                f"Invalid value for argument `class_aggregation`. Expected one of {R2_CLASS_AGGREGATIONS}. "
                f"Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), dtype=self.dtype, name="num_samples")
        self._built = False

    def _build(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        num_classes = y_pred_shape[-1]
        self.squared_sum = self.add_variable(shape=(num_classes,), dtype=self.dtype, name="squared_sum")
        self.sum = self.add_variable(shape=(num_classes,), dtype=self.dtype, name="sum")
        self.total_mse = self.add_variable(shape=(num_classes,), dtype=self.dtype, name="residual")
        self.count = self.add_variable(shape=(num_classes,), dtype=self.dtype, name="count")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = as_tensor(y_pred, self._torch_dtype)
        y_true = as_tensor(y_true, self._torch_dtype, y_pred.device)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        self._follow_device(y_pred)
        if sample_weight is None:
            sample_weight = torch.ones((), dtype=self._torch_dtype, device=y_pred.device)
        sample_weight = as_tensor(sample_weight, self._torch_dtype, y_pred.device)
        if sample_weight.dim() == 1:
            sample_weight = sample_weight.unsqueeze(1)  # one weight per sample, over its columns
        sample_weight = sample_weight.expand(y_true.shape)
        weighted_y_true = y_true * sample_weight
        self.sum.add_(weighted_y_true.sum(0))
        self.squared_sum.add_((y_true * weighted_y_true).sum(0))
        self.total_mse.add_((torch.square(y_true - y_pred) * sample_weight).sum(0))
        self.count.add_(sample_weight.sum(0))
        self.num_samples.add_(y_true.numel())

    def result(self) -> torch.Tensor:
        if not self._built:
            return torch.zeros((), dtype=self._torch_dtype)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1 - self.total_mse / total
        raw_scores = torch.where(torch.isinf(raw_scores), torch.zeros_like(raw_scores), raw_scores)
        if self.class_aggregation == "uniform_average":
            r2_score = raw_scores.mean()
        elif self.class_aggregation == "variance_weighted_average":
            r2_score = (total * raw_scores).sum() / total.sum()
        else:
            r2_score = raw_scores
        if self.num_regressors != 0:
            # The adjusted score needs the sample count on the host (only with num_regressors set).
            n = float(self.num_samples)
            if self.num_regressors > n - 1:
                warnings.warn(
                    "More independent predictors than datapoints in adjusted R2 score. "
                    "Falling back to standard R2 score.",
                    stacklevel=2,
                )
            elif self.num_regressors == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.", stacklevel=2)
            else:
                r2_score = 1.0 - (1.0 - r2_score) * (n - 1.0) / (n - self.num_regressors - 1.0)
        return r2_score

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }
