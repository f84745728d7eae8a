"""Built-in losses: each a function returning per-sample losses and a `Loss` class wrapping it.

Numerics follow Keras 3: probabilities are clipped to `[epsilon, 1 - epsilon]` (epsilon = 1e-7) before the
log, categorical probabilities are renormalised to sum to one along the class axis, and logits go through
log-softmax / log-sigmoid. Where torch has a fused kernel with the same math (`binary_cross_entropy_with_logits`,
`cross_entropy`, `nll_loss`) it is used.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import torch
import torch.nn.functional as F

from kerasish import config
from kerasish.losses.loss import Loss, as_tensor, squeeze_or_expand_to_same_rank
from kerasish.saving.object_registry import deserialize_keras_object, serialize_keras_object


class LossFunctionWrapper(Loss):
    """Turns a function `fn(y_true, y_pred, **kwargs)` returning per-sample losses into a `Loss`.

    Args:
        fn: the loss function.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.
        **kwargs: keyword arguments passed to `fn` on every call.

    Example:
        loss = LossFunctionWrapper(binary_crossentropy, from_logits=True)
    """

    def __init__(
        self,
        fn: Callable,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["fn"] = serialize_keras_object(self.fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config: dict) -> "LossFunctionWrapper":
        from kerasish.losses import ALL_OBJECTS_DICT  # the package table, built after this module

        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize_keras_object(
                config["fn"], module_objects=ALL_OBJECTS_DICT, printable_module_name="loss function"
            )
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors over the last axis: `mean(square(y_true - y_pred), axis=-1)`.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        MeanSquaredError()(torch.tensor([1.0, 0.0, 1.0]), torch.tensor([0.9, 0.1, 0.8]))  # 0.02
    """

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "mean_squared_error", dtype: Any = None
    ):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors over the last axis: `mean(abs(y_true - y_pred), axis=-1)`.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        MeanAbsoluteError()(torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5]))  # 0.5
    """

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "mean_absolute_error", dtype: Any = None
    ):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy between binary labels (0 or 1) and predicted probabilities or logits.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels are squeezed towards 0.5 as `y * (1 - s) + 0.5 * s`.
        axis: the axis the per-element losses are averaged over.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        bce = BinaryCrossentropy(from_logits=True)
        bce(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[-18.6, 0.51], [2.94, -12.8]]))  # 0.865
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            binary_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "label_smoothing": self.label_smoothing, "axis": self.axis})
        return config


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot labels and predicted class probabilities or logits.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / num_classes`.
        axis: the class axis.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        cce = CategoricalCrossentropy()
        cce(torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), torch.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))
        # 1.177
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "label_smoothing": self.label_smoothing, "axis": self.axis})
        return config


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between integer class labels and predicted class probabilities or logits.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        ignore_class: a label whose entries contribute no loss and are left out of the mean (e.g. a
            padding or "void" class such as -1 or 255); None uses every entry.
        reduction: see `Loss`.
        axis: the class axis.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        scce = SparseCategoricalCrossentropy()
        scce(torch.tensor([1, 2]), torch.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))  # 1.177
    """

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "ignore_class": self.ignore_class})
        return config


def _pred_and_true(y_true: Any, y_pred: Any) -> tuple[torch.Tensor, torch.Tensor]:
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(config.standardize_dtype(None))
    return as_tensor(y_true, y_pred.dtype, y_pred.device), y_pred


def _check_same_shape(y_true: torch.Tensor, y_pred: torch.Tensor) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape: got "
            f"target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}."
        )


def mean_squared_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Mean squared error over the last axis.

    Args:
        y_true: ground truth values, shape `(batch, d0, ..., dN)`.
        y_pred: predicted values, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return torch.square(y_true - y_pred).mean(dim=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Mean absolute error over the last axis.

    Args:
        y_true: ground truth values, shape `(batch, d0, ..., dN)`.
        y_pred: predicted values, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return torch.abs(y_true - y_pred).mean(dim=-1)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> torch.Tensor:
    """Binary cross-entropy, averaged over `axis`.

    Args:
        y_true: labels in {0, 1} (or soft labels in [0, 1]).
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: the axis the mean is taken over.

    Returns:
        Per-sample losses, `y_pred`'s shape without `axis`.
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    _check_same_shape(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # Same value as -y*log_sigmoid(x) - (1-y)*log_sigmoid(-x), in one fused, stable kernel.
        bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        # Written out rather than F.binary_cross_entropy, which refuses to run under autocast.
        eps = config.epsilon()
        y_pred = y_pred.clamp(eps, 1.0 - eps)
        bce = -(y_true * torch.log(y_pred) + (1.0 - y_true) * torch.log(1.0 - y_pred))
    return bce.mean(dim=axis)


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> torch.Tensor:
    """Categorical cross-entropy between one-hot labels and predictions.

    Args:
        y_true: one-hot (or soft) labels.
        y_pred: class probabilities (renormalised to sum to one along `axis`), or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / num_classes`.
        axis: the class axis.

    Returns:
        Per-sample losses, `y_pred`'s shape without `axis`.
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`, got axis={axis} of type {type(axis)}.")
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    _check_same_shape(y_true, y_pred)
    if y_pred.dim() < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1, got shape {tuple(y_pred.shape)}.")
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    return -(y_true * _log_probabilities(y_pred, from_logits, axis)).sum(dim=axis)


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> torch.Tensor:
    """Categorical cross-entropy between integer labels and predictions.

    Args:
        y_true: integer class ids (integer or float dtype), shape `y_pred.shape` without `axis`, or with a
            size-1 `axis`.
        y_pred: class probabilities (renormalised to sum to one along `axis`), or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label whose entries get loss 0 and are masked out of mean reductions.
        axis: the class axis.

    Returns:
        Per-sample losses, `y_pred`'s shape without `axis`.
    """
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(config.standardize_dtype(None))
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_pred.dim() < 1:
        raise ValueError(f"Argument `output` must be at least rank 1, got output.shape={tuple(y_pred.shape)}.")
    if y_true.dim() == y_pred.dim() and y_true.shape[axis] == 1:
        y_true = y_true.squeeze(axis)
    class_axis = axis % y_pred.dim()
    expected = y_pred.shape[:class_axis] + y_pred.shape[class_axis + 1 :]
    if y_true.shape != expected:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the class axis: expected "
            f"target.shape={tuple(expected)}, got target.shape={tuple(y_true.shape)} for "
            f"output.shape={tuple(y_pred.shape)}."
        )
    labels = y_true.long()
    # torch's kernels want the class axis at position 1 and a batch axis in front.
    scores = y_pred.unsqueeze(0) if y_pred.dim() == 1 else y_pred if class_axis == 1 else y_pred.movedim(class_axis, 1)
    targets = labels.unsqueeze(0) if y_pred.dim() == 1 else labels
    # ignore_index gives ignored entries a loss of exactly 0, as Keras's masking does.
    ignore_index = -100 if ignore_class is None else int(ignore_class)
    if from_logits:
        result = F.cross_entropy(scores, targets, reduction="none", ignore_index=ignore_index)
    else:
        result = F.nll_loss(_log_probabilities(scores, False, 1), targets, reduction="none", ignore_index=ignore_index)
    if y_pred.dim() == 1:
        result = result.squeeze(0)
    if ignore_class is not None:
        result._keras_mask = labels != int(ignore_class)
    return result


def _log_probabilities(y_pred: torch.Tensor, from_logits: bool, axis: int) -> torch.Tensor:
    if from_logits:
        return F.log_softmax(y_pred, dim=axis)
    eps = config.epsilon()
    y_pred = y_pred / y_pred.sum(dim=axis, keepdim=True)
    return torch.log(y_pred.clamp(eps, 1.0 - eps))
