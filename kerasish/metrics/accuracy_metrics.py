"""Accuracy metrics: how often predictions match labels, exactly, after a threshold, by argmax or in the top k."""

from __future__ import annotations

from typing import Any

import torch

from kerasish import config
from kerasish.losses.loss import as_tensor, squeeze_or_expand_to_same_rank
from kerasish.metrics.reduction_metrics import MeanMetricWrapper


def _as_pred(y_pred: Any) -> torch.Tensor:
    y_pred = as_tensor(y_pred)
    return y_pred if y_pred.is_floating_point() else y_pred.to(config.standardize_dtype(None))


def _matches(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a == b).to(config.standardize_dtype(None))


def accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """1.0 where `y_pred` equals `y_true` exactly, else 0.0 (elementwise)."""
    y_pred = _as_pred(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype, y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true, y_pred)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> torch.Tensor:
    """1.0 where `y_pred > threshold` agrees with the binary label `y_true`, else 0.0 (elementwise)."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true, (y_pred > threshold).to(y_true.dtype))


def categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """1.0 where the argmax of `y_pred` equals the argmax of the one-hot `y_true`, else 0.0."""
    y_pred = _as_pred(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_true.dtype == torch.bool:  # boolean one-hot targets: torch has no argmax for bool
        y_true = y_true.to(torch.uint8)
    y_true = y_true.argmax(dim=-1).to(y_pred.dtype)
    true_shape = y_true.shape
    reshape_matches = y_true.dim() == y_pred.dim()
    if reshape_matches:
        y_true = y_true.squeeze(-1)
    matches = _matches(y_true, y_pred.argmax(dim=-1).to(y_true.dtype))
    return matches.reshape(true_shape) if reshape_matches else matches


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """1.0 where the argmax of `y_pred` equals the integer label `y_true`, else 0.0."""
    y_pred = _as_pred(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype, y_pred.device)
    true_shape = y_true.shape
    reshape_matches = y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1
    if reshape_matches:
        y_true = y_true.squeeze(-1)
    matches = _matches(y_true, y_pred.argmax(dim=-1).to(y_true.dtype))
    if reshape_matches:
        matches = matches.reshape(true_shape)
    if matches.dim() > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


def _in_top_k(targets: torch.Tensor, predictions: torch.Tensor, k: int) -> torch.Tensor:
    # A target is in the top k when fewer than k scores beat it (ties count in its favour; NaN never wins).
    at_label = predictions.gather(-1, targets.long().unsqueeze(-1))
    at_label = torch.where(at_label.isnan(), torch.full_like(at_label, -torch.inf), at_label)
    rank = 1 + (predictions > at_label).sum(dim=-1)
    return rank <= k


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> torch.Tensor:
    """1.0 where the argmax of the one-hot `y_true` is among the `k` highest scores of `y_pred`, else 0.0."""
    y_pred = _as_pred(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype, y_pred.device).argmax(dim=-1)
    true_shape = y_true.shape
    matches = _in_top_k(y_true.reshape(-1), y_pred.reshape(-1, y_pred.shape[-1]), k)
    return matches.to(config.standardize_dtype(None)).reshape(true_shape)


def sparse_top_k_categorical_accuracy(
    y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False
) -> torch.Tensor:
    """1.0 where the integer label `y_true` is among the `k` highest scores of `y_pred`, else 0.0.

    Args:
        y_true: integer labels.
        y_pred: class scores, or, with `from_sorted_ids`, class ids sorted by descending score.
        k: how many top entries count as a hit.
        from_sorted_ids: whether `y_pred` holds sorted class ids rather than scores.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype if from_sorted_ids else torch.int32, y_pred.device)
    true_shape = y_true.shape
    y_true = y_true.reshape(-1)
    y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if from_sorted_ids:
        matches = (y_true.unsqueeze(1) == y_pred[:, :k]).any(dim=1)
    else:
        matches = _in_top_k(y_true, y_pred, k)
    return matches.to(config.standardize_dtype(None)).reshape(true_shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = Accuracy()
        m.update_state(torch.tensor([[1], [2], [3], [4]]), torch.tensor([[0], [2], [3], [4]]))
        m.result()  # 0.75
    """

    def __init__(self, name: str = "accuracy", dtype: Any = None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches binary labels.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.
        threshold: predictions above it count as 1.

    Example:
        m = BinaryAccuracy()
        m.update_state(torch.tensor([[1.0], [1.0], [0.0], [0.0]]), torch.tensor([[0.98], [1.0], [0.0], [0.6]]))
        m.result()  # 0.75
    """

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the one-hot label's class.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = CategoricalAccuracy()
        m.update_state(torch.tensor([[0, 0, 1], [0, 1, 0]]), torch.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        m.result()  # 0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the integer label.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = SparseCategoricalAccuracy()
        m.update_state(torch.tensor([[2], [1]]), torch.tensor([[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
        m.result()  # 0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the `k` highest predictions.

    Args:
        k: how many top predictions count as a hit.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = TopKCategoricalAccuracy(k=1)
        m.update_state(torch.tensor([[0, 0, 1], [0, 1, 0]]), torch.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        m.result()  # 0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` highest predictions.

    Args:
        k: how many top predictions count as a hit.
        name: name of the metric instance.
        dtype: dtype of the metric's result.
        from_sorted_ids: whether `y_pred` holds class ids sorted by descending score rather than scores.

    Example:
        m = SparseTopKCategoricalAccuracy(k=1)
        m.update_state(torch.tensor([2, 1]), torch.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        m.result()  # 0.5
    """

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype: Any = None,
        from_sorted_ids: bool = False,
    ):
        super().__init__(
            fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k, from_sorted_ids=from_sorted_ids
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
