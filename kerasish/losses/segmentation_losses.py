"""Overlap losses for segmentation: `Dice` and `Tversky`, as functions and `Loss` classes.

Both sum over `axis` (every axis, batch included, when None), so with the default they give one number for
the whole batch; pass the spatial axes, e.g. `axis=(1, 2)`, for one loss per sample.
"""

from __future__ import annotations

from typing import Any

import torch

from kerasish import config
from kerasish.losses.loss import Loss, as_float_tensors
from kerasish.losses.losses import LossFunctionWrapper


def _sum(x: torch.Tensor, axis: int | tuple | list | None) -> torch.Tensor:
    return x.sum() if axis is None else x.sum(dim=axis if isinstance(axis, int) else tuple(axis))


def dice(y_true: Any, y_pred: Any, axis: int | tuple | None = None) -> torch.Tensor:
    """Dice loss `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`, sums over `axis`.

    Args:
        y_true: ground truth masks (0/1 or soft).
        y_pred: predicted masks, same shape.
        axis: the axes summed over; None sums over all of them.

    Returns:
        The losses, the inputs' shape without `axis` (a scalar when `axis` is None).
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    intersection = _sum(y_true * y_pred, axis)
    return 1.0 - 2.0 * intersection / (_sum(y_true, axis) + _sum(y_pred, axis) + config.epsilon())


def tversky(
    y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: int | tuple | None = None
) -> torch.Tensor:
    """Tversky loss `1 - TP / (TP + alpha * sum((1 - y_pred) * y_true) + beta * sum(y_pred * (1 - y_true)))`,
    with soft counts summed over `axis`.

    `alpha = beta = 0.5` gives the Dice loss (Salehi et al., 2017).

    Args:
        y_true: ground truth masks (0/1 or soft).
        y_pred: predicted masks, same shape.
        alpha: the weight of the label mass the prediction misses (Keras's docs call it false positives).
        beta: the weight of the predicted mass off the labels (Keras's "false negatives").
        axis: the axes summed over; None sums over all of them.

    Returns:
        The losses, the inputs' shape without `axis` (a scalar when `axis` is None).
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    true_pos = _sum(y_true * y_pred, axis)
    # Keras weighs `alpha` on the label mass the prediction misses and `beta` on predicted mass off the labels;
    # kept that way so the numbers (and trained models) agree with Keras's.
    missed = _sum((1.0 - y_pred) * y_true, axis)
    spurious = _sum(y_pred * (1.0 - y_true), axis)
    return 1.0 - true_pos / (true_pos + alpha * missed + beta * spurious + config.epsilon())


class Dice(LossFunctionWrapper):
    """Dice loss between ground truth and predicted masks.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        axis: the axes summed over; None (default) sums over all of them, batch included.
        dtype: dtype the loss is computed in.

    Example:
        y_true = torch.tensor([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
        y_pred = torch.tensor([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
        Dice(axis=(1, 2, 3), reduction=None)(y_true, y_pred)  # [0.5, 0.7576]
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "dice",
        axis: int | tuple | None = None,
        dtype: Any = None,
    ):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config["axis"] = self.axis
        return config


class Tversky(LossFunctionWrapper):
    """Tversky loss: a Dice loss with separate weights for the two kinds of error.

    Args:
        alpha: the weight of the label mass the prediction misses (see `tversky`).
        beta: the weight of the predicted mass off the labels.
        reduction: see `Loss`.
        name: name of the loss instance.
        axis: the axes summed over; None (default) sums over all of them, batch included.
        dtype: dtype the loss is computed in.

    Example:
        Tversky(alpha=0.3, beta=0.7)(torch.tensor([[1.0, 1.0, 0.0]]), torch.tensor([[0.9, 0.2, 0.4]]))  # 0.333
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "tversky",
        axis: int | tuple | None = None,
        dtype: Any = None,
    ):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta, axis=axis)

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({"alpha": self.alpha, "beta": self.beta, "axis": self.axis})
        return config
