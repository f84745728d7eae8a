"""Intersection-over-union metrics, from a confusion matrix accumulated over all batches.

For class `c`, `IoU = TP / (TP + FP + FN)`: the diagonal cell over the sum of its row and column minus the
diagonal. The state is one `(num_classes, num_classes)` matrix, integer by default as in Keras (so float
sample weights are truncated unless `dtype` is a float type).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import torch

from kerasish import config
from kerasish.losses.loss import as_tensor
from kerasish.metrics.metric import Metric
from kerasish.metrics.metrics_utils import confusion_matrix


class _IoUBase(Metric):
    """Accumulates the confusion matrix of class ids; subclasses compute IoU values from it.

    Args:
        num_classes: the number of classes; labels and predictions outside `[0, num_classes)` are ignored.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix (`"int32"` by default).
        ignore_class: a label whose entries are ignored.
        sparse_y_true: whether labels are class ids (else one-hot or scores, reduced by argmax).
        sparse_y_pred: whether predictions are class ids (else scores, reduced by argmax).
        axis: the class axis for the argmax.
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        super().__init__(name=name, dtype=dtype or "int")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(
            shape=(num_classes, num_classes), dtype=self.dtype, name="total_confusion_matrix"
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = torch.as_tensor(y_pred)
        y_true = as_tensor(y_true, device=y_pred.device)
        if not self.sparse_y_true:
            y_true = y_true.argmax(dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = y_pred.argmax(dim=self.axis)
        # Class ids go through the metric's dtype first, as in Keras (float ids truncate).
        y_true = y_true.to(self._torch_dtype).reshape(-1)
        y_pred = y_pred.to(self._torch_dtype).reshape(-1)
        self._follow_device(y_pred)
        if sample_weight is None:
            sample_weight = torch.ones((), dtype=self._torch_dtype, device=y_pred.device)
        else:
            sample_weight = as_tensor(sample_weight, device=y_pred.device)
            if sample_weight.is_floating_point() and not self._torch_dtype.is_floating_point:
                warnings.warn(
                    "You are passing weight as `float`, but dtype is `int`. This may result in an incorrect "
                    "weight due to type casting Consider using integer weights.",
                    stacklevel=2,
                )
            sample_weight = sample_weight.to(self._torch_dtype).reshape(-1)
        sample_weight = sample_weight.expand(y_true.shape)

        in_bounds = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            in_bounds = in_bounds & (y_true != self.ignore_class)
        zero = torch.zeros((), dtype=self._torch_dtype, device=y_pred.device)
        y_true = torch.where(in_bounds, y_true, zero)
        y_pred = torch.where(in_bounds, y_pred, zero)
        sample_weight = torch.where(in_bounds, sample_weight, zero)
        self.total_cm.add_(confusion_matrix(y_true, y_pred, self.num_classes, sample_weight, self._torch_dtype))


class IoU(_IoUBase):
    """The mean intersection-over-union over the classes `target_class_ids`.

    A class never seen in labels or predictions is left out of the mean.

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes whose IoU is averaged.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix (`"int32"` by default).
        ignore_class: a label whose entries are ignored.
        sparse_y_true: whether labels are class ids (else one-hot, reduced by argmax over `axis`).
        sparse_y_pred: whether predictions are class ids (else scores, reduced by argmax over `axis`).
        axis: the class axis.

    Example:
        m = IoU(num_classes=2, target_class_ids=[0])
        m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        m.result()  # 0.33333
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Sequence[int],
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)
        self._target_ids_cache = None

    def result(self) -> torch.Tensor:
        cm = self.total_cm
        true_positives = cm.diagonal()
        denominator = cm.sum(0) + cm.sum(1) - true_positives
        target = self._target_ids_on(cm.device)
        true_positives = true_positives[target].to(torch.float32)
        denominator = denominator[target].to(torch.float32)
        valid = denominator > 1e-9
        iou = true_positives / (denominator + config.epsilon())
        iou = torch.where(valid, iou, torch.zeros_like(iou))
        return iou.sum(dim=self.axis) / (valid.to(torch.float32).sum() + config.epsilon())

    def _target_ids_on(self, device: torch.device) -> torch.Tensor:
        # Cached per device: a fresh host list would be copied to the accelerator on every call.
        cached = self._target_ids_cache
        if cached is None or cached.device != device:
            cached = torch.tensor(self.target_class_ids, device=device)
            self._target_ids_cache = cached
        return cached

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU for binary labels, predictions counting as 1 when `y_pred >= threshold`.

    Args:
        target_class_ids: which of the classes 0 and 1 to average over.
        threshold: predictions at or above it count as class 1.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix (`"int32"` by default).

    Example:
        m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
        m.result()  # 0.33333
    """

    def __init__(
        self,
        target_class_ids: Sequence[int] = (0, 1),
        threshold: float = 0.5,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = as_tensor(y_pred, torch.float32)
        y_true = as_tensor(y_true, self._torch_dtype, y_pred.device)
        super().update_state(y_true, (y_pred >= self.threshold).to(self._torch_dtype), sample_weight)

    def get_config(self) -> dict:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """The mean intersection-over-union over all classes.

    Args:
        num_classes: the number of classes.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix (`"int32"` by default).
        ignore_class: a label whose entries are ignored.
        sparse_y_true: whether labels are class ids (else one-hot, reduced by argmax over `axis`).
        sparse_y_pred: whether predictions are class ids (else scores, reduced by argmax over `axis`).
        axis: the class axis.

    Example:
        m = MeanIoU(num_classes=2)
        m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        m.result()  # 0.33333
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            target_class_ids=list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotIoU(IoU):
    """`IoU` for one-hot labels and per-class scores (both reduced by argmax over `axis`).

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes whose IoU is averaged.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix (`"int32"` by default).
        ignore_class: a label whose entries are ignored.
        sparse_y_pred: whether predictions are class ids rather than scores.
        axis: the class axis.

    Example:
        m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
                       [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
        m.result()  # 0.16666667
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Sequence[int],
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            target_class_ids=target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels and per-class scores (both reduced by argmax over `axis`).

    Args:
        num_classes: the number of classes.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix (`"int32"` by default).
        ignore_class: a label whose entries are ignored.
        sparse_y_pred: whether predictions are class ids rather than scores.
        axis: the class axis.

    Example:
        m = OneHotMeanIoU(num_classes=3)
        m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
                       [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
        m.result()  # 0.11111111
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }
