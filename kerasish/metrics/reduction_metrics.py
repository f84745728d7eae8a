"""`Sum`, `Mean` and `MeanMetricWrapper`: metrics that accumulate (weighted) per-sample values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from kerasish.losses import ALL_OBJECTS as LOSS_OBJECTS
from kerasish.losses.loss import (
    apply_mask,
    as_tensor,
    divide_no_nan,
    get_keras_mask,
    squeeze_or_expand_to_same_rank,
)
from kerasish.metrics.metric import Metric
from kerasish.saving.object_registry import builtin_objects, deserialize_keras_object, serialize_keras_object


def reduce_to_samplewise_values(
    values: Any, sample_weight: Any, reduce_fn: Callable, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Weights `values` and reduces them to one value per sample, as Keras's reduction metrics do.

    Values with more axes than the weights are first reduced (with `reduce_fn`) down to the weights' rank;
    the weights are then broadcast over the values and reduced to one weight per sample.

    Returns:
        `(values, sample_weight)`, both of shape `(batch,)` (or scalars), `sample_weight` None if not given.
    """
    mask = get_keras_mask(values)
    values = as_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype, values.device)
        sample_weight = apply_mask(sample_weight, mask, dtype, reduction="sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.dim(), values.dim()
        if values_ndim > weight_ndim:
            values = reduce_fn(values, dim=list(range(weight_ndim, values_ndim)))
        try:
            sample_weight = sample_weight.expand(values.shape)
        except RuntimeError:
            raise ValueError(
                f"sample_weight of shape {tuple(sample_weight.shape)} cannot be broadcast to the values of shape "
                f"{tuple(values.shape)}."
            ) from None
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, dim=list(range(1, weight_ndim)))
    if values.dim() > 1:
        values = reduce_fn(values, dim=list(range(1, values.dim())))
    return values, sample_weight


class Sum(Metric):
    """Computes the (weighted) sum of the given values.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = Sum()
        m.update_state(torch.tensor([1.0, 3.0, 5.0, 7.0]))
        m.result()  # 16.0
    """

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, _ = reduce_to_samplewise_values(values, sample_weight, torch.sum, self._torch_dtype)
        self._follow_device(values)
        self.total.add_(values.sum())

    def reset_state(self) -> None:
        self.total.zero_()

    def result(self) -> torch.Tensor:
        return self.total.clone()


class Mean(Metric):
    """Computes the (weighted) mean of the given values.

    With `sample_weight`, the mean is `sum(values * weights) / sum(weights)`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = Mean()
        m.update_state(torch.tensor([1.0, 3.0, 5.0, 7.0]), sample_weight=torch.tensor([1.0, 1.0, 0.0, 0.0]))
        m.result()  # 2.0
    """

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        if isinstance(values, torch.Tensor) and values.dim() == 0 and isinstance(sample_weight, (int, float)):
            # A batch's scalar loss weighted by its size (the loss tracker, every step): two in-place ops.
            self._follow_device(values)
            self.total.add_(values.to(self.total.dtype), alpha=sample_weight)
            self.count.add_(sample_weight)
            return
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, torch.mean, self._torch_dtype)
        self._follow_device(values)
        self.total.add_(values.sum())
        if sample_weight is not None:
            self.count.add_(sample_weight.sum())
        else:
            self.count.add_(values.shape[0] if values.dim() >= 1 else 1)

    def reset_state(self) -> None:
        self.total.zero_()
        self.count.zero_()

    def result(self) -> torch.Tensor:
        return divide_no_nan(self.total, self.count)


class MeanMetricWrapper(Mean):
    """Averages the per-sample values of `fn(y_true, y_pred, **kwargs)` over all batches seen.

    Args:
        fn: the function, e.g. a loss function or `binary_accuracy`.
        name: name of the metric instance.
        dtype: dtype of the metric's result.
        **kwargs: keyword arguments passed to `fn` on every call.

    Example:
        m = MeanMetricWrapper(kerasish.losses.mean_squared_error)
        m.update_state(y_true, y_pred)
    """

    def __init__(self, fn: Callable, name: str | None = None, dtype: Any = None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        # A wrapped Keras loss is to be minimized (callbacks in "auto" mode read this).
        if fn in LOSS_OBJECTS or type(fn) in LOSS_OBJECTS:
            self._direction = "down"

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        mask = get_keras_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if sample_weight is not None:
            sample_weight = as_tensor(sample_weight, self._torch_dtype, values.device)
        sample_weight = apply_mask(sample_weight, mask, self._torch_dtype, reduction="sum")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        config = super().get_config()
        config["fn"] = serialize_keras_object(self._fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config: dict) -> MeanMetricWrapper:
        config = dict(config)
        if "fn" in config:  # `kerasish.metrics` registers its functions after this module is defined
            config["fn"] = deserialize_keras_object(
                config["fn"],
                module_objects=builtin_objects("metric_functions"),
                printable_module_name="metric function",
            )
        return cls(**config)
