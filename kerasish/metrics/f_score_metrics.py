"""F-scores: the (weighted) harmonic mean of precision and recall, per class or averaged."""

from __future__ import annotations

from typing import Any

import torch

from kerasish import config
from kerasish.losses.loss import as_tensor
from kerasish.metrics.metric import Metric

AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """F-beta score, `(1 + beta^2) * precision * recall / (beta^2 * precision + recall)`, for multi-class and
    multi-label data of shape `(batch_size, num_classes)`.

    Args:
        average: `None` (one score per class), `"micro"` (counts pooled over classes), `"macro"` (mean of
            the class scores) or `"weighted"` (class scores weighted by the number of true instances).
        beta: a Python float > 0; how much more recall weighs than precision.
        threshold: predictions above it count as positive; None means the largest prediction of each
            sample (if not 0) is the positive one.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = FBetaScore(beta=2.0, threshold=0.5)
        m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        m.result()  # [0.3846, 0.9091, 0.8333]
    """

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str = "fbeta_score",
        dtype: Any = None,
    ):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in AVERAGES:
            raise ValueError(
                "Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', 'weighted'}. "
                f"Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta} of type "
                f"'{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                    f"Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        # "micro" pools the counts of all classes; the others keep one count per class.
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
            setattr(self, name, self.add_variable(shape=shape, dtype=self.dtype, name=name))
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = as_tensor(y_pred, self._torch_dtype)
        y_true = as_tensor(y_true, self._torch_dtype, y_pred.device)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        self._follow_device(y_pred)
        if self.threshold is None:
            is_max = y_pred >= y_pred.amax(dim=-1, keepdim=True)
            y_pred = is_max & (y_pred.abs() > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.to(self._torch_dtype)
        if sample_weight is not None:
            sample_weight = as_tensor(sample_weight, self._torch_dtype, y_pred.device)
            if sample_weight.dim() <= 1:
                sample_weight = sample_weight.reshape(-1, 1)  # one weight per sample, over its classes

        def weighted_sum(values):
            if sample_weight is not None:
                values = values * sample_weight
            return values.sum() if self.axis is None else values.sum(self.axis)

        self.true_positives.add_(weighted_sum(y_pred * y_true))
        self.false_positives.add_(weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.add_(weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.add_(weighted_sum(y_true))

    def result(self) -> torch.Tensor:
        if not self._built:
            return torch.zeros((), dtype=self._torch_dtype)
        epsilon = config.epsilon()
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        precision = tp / (tp + fp + epsilon)
        recall = tp / (tp + fn + epsilon)
        beta_squared = self.beta**2
        f_score = precision * recall / (beta_squared * precision + recall + epsilon) * (1 + beta_squared)
        if self.average == "weighted":
            weights = self.intermediate_weights / (self.intermediate_weights.sum() + epsilon)
            return (f_score * weights).sum()
        if self.average is not None:  # "micro" (already one value) or "macro"
            return f_score.mean()
        return f_score

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """F-1 score, `2 * precision * recall / (precision + recall)`, for data of shape `(batch_size, num_classes)`.

    Args:
        average: `None` (one score per class), `"micro"`, `"macro"` or `"weighted"`, as in `FBetaScore`.
        threshold: predictions above it count as positive; None means the largest prediction of each
            sample (if not 0) is the positive one.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = F1Score(threshold=0.5)
        m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        m.result()  # [0.5, 0.8, 0.6667]
    """

    def __init__(
        self, average: str | None = None, threshold: float | None = None, name: str = "f1_score", dtype: Any = None
    ):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
