"""The `Loss` base class and the weighting/reduction rules every loss (and `Mean`-style metric) shares.

The rules follow Keras 3: a loss's `call` returns per-sample values, `sample_weight` is brought to the same
rank (squeezing or expanding a trailing axis of size 1) and multiplied in, and the reduction then sums the
weighted values and divides by their count (`"sum_over_batch_size"`, `"mean"`), by the sum of the weights
(`"mean_with_sample_weight"`), or not at all (`"sum"`). A mask on `y_pred` (or on the per-sample losses) in
Keras's `_keras_mask` attribute zeroes the masked entries and, for the mean reductions, averages over the
valid ones only.

Everything stays on the inputs' device: no step here reads a value back to the host.
"""

from __future__ import annotations

import abc
import re
from collections import defaultdict
from typing import Any

import torch

from kerasish import config

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")

_NAME_UIDS: defaultdict[str, int] = defaultdict(int)


def auto_name(class_name: str) -> str:
    """`"MyLoss"` -> `"my_loss"`, then `"my_loss_1"`, `"my_loss_2"`, ... as Keras names unnamed objects."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    uid = _NAME_UIDS[name]
    _NAME_UIDS[name] += 1
    return f"{name}_{uid}" if uid else name


def compute_dtype_name(dtype: Any) -> str:
    """The Keras name of the dtype computations run in: `None` -> floatx, `"mixed_float16"` -> `"float16"`.

    A dtype policy object (anything with a `compute_dtype` attribute) gives its compute dtype.
    """
    if dtype is None:
        return config.floatx()
    dtype = getattr(dtype, "compute_dtype", dtype)
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        dtype = dtype[len("mixed_") :]
    return config.dtype_name(config.standardize_dtype(dtype))


def as_tensor(x: Any, dtype: torch.dtype | None = None, device: torch.device | None = None) -> torch.Tensor:
    """`x` as a torch tensor of `dtype`; a tensor keeps its device, anything else is placed on `device`."""
    if isinstance(x, torch.Tensor):
        return x if dtype is None or x.dtype == dtype else x.to(dtype)
    return torch.as_tensor(x, dtype=dtype, device=device)


def as_float_tensors(y_true: Any, y_pred: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """`(y_true, y_pred)` as tensors: `y_pred` floating (floatx if it was not), `y_true` in its dtype and on its
    device, as the losses and metrics that compare values (not class ids) take them."""
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(config.standardize_dtype(None))
    return as_tensor(y_true, y_pred.dtype, y_pred.device), y_pred


def get_keras_mask(x: Any) -> torch.Tensor | None:
    """The mask Keras attaches to a tensor as `_keras_mask`, or None."""
    return getattr(x, "_keras_mask", None)


def standardize_reduction(reduction: str | None) -> str | None:
    """Checks `reduction` against the values Keras allows and returns it (tf.keras 2's `"auto"` as what it meant,
    `"sum_over_batch_size"`)."""
    if reduction == "auto":
        return "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`: expected one of {REDUCTIONS}, got reduction={reduction!r}."
        )
    return reduction


def squeeze_or_expand_to_same_rank(
    x1: torch.Tensor, x2: torch.Tensor, expand_rank_1: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Squeezes or expands a trailing axis of size 1 when the ranks differ by exactly one.

    A rank-1 tensor facing a rank-2 tensor of shape `(N, 1)` is expanded to `(N, 1)` (when
    `expand_rank_1`); otherwise the `(..., 1)` tensor is squeezed.
    """
    rank1, rank2 = x1.dim(), x2.dim()
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def divide_no_nan(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """`x / y`, and 0 where `y == 0`, without a host round trip."""
    zero = y == 0
    return torch.where(zero, torch.zeros_like(x), x / torch.where(zero, torch.ones_like(y), y))


def apply_mask(
    sample_weight: torch.Tensor | None,
    mask: torch.Tensor | None,
    dtype: torch.dtype,
    reduction: str | None,
) -> torch.Tensor | None:
    """Folds a boolean mask into the sample weights.

    For the `"mean"`/`"sum_over_batch_size"` reductions valid entries weigh `total / valid`, so dividing
    the masked sum by the full count averages over the valid entries only.
    """
    if mask is None:
        return sample_weight
    float_mask = mask.to(torch.bool).to(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        # With no valid entry every weight is 0 anyway, so clamping the count only avoids a 0/0.
        float_mask = float_mask * (mask.numel() / float_mask.sum().clamp_min(1.0))
    if sample_weight is None:
        return float_mask
    sample_weight = as_tensor(sample_weight, dtype, float_mask.device)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_values(
    values: torch.Tensor, sample_weight: torch.Tensor | None = None, reduction: str | None = "sum_over_batch_size"
) -> torch.Tensor:
    """Reduces (already weighted) per-sample values to a scalar as `reduction` says."""
    if reduction in (None, "none") or values.dim() == 0 or tuple(values.shape) == (0,):
        return values
    loss = values.sum()
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return divide_no_nan(loss, sample_weight.sum().to(loss.dtype))
    count = values.numel()
    return loss / count if count else torch.zeros_like(loss)


def reduce_weighted_values(
    values: torch.Tensor,
    sample_weight: Any = None,
    mask: torch.Tensor | None = None,
    reduction: str | None = "sum_over_batch_size",
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Applies `mask` and `sample_weight` to per-sample `values`, then `reduction`."""
    reduction = standardize_reduction(reduction)
    values = as_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, values.dtype, values.device)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        try:
            torch.broadcast_shapes(values.shape, sample_weight.shape)
        except RuntimeError:
            raise ValueError(
                f"sample_weight of shape {tuple(sample_weight.shape)} cannot be broadcast to the per-sample "
                f"losses of shape {tuple(values.shape)}: expected a shape that broadcasts against it."
            ) from None
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def _convert_structure(x: Any, dtype: torch.dtype, device: torch.device | None) -> Any:
    if isinstance(x, dict):
        return {k: _convert_structure(v, dtype, device) for k, v in x.items()}
    # A list of arrays is a structure (several outputs); a nested list of numbers is one tensor.
    if isinstance(x, (list, tuple)) and any(isinstance(v, dict) or hasattr(v, "shape") for v in x):
        return type(x)(_convert_structure(v, dtype, device) for v in x)
    return as_tensor(x, dtype, device)


def _first_device(x: Any) -> torch.device | None:
    if isinstance(x, torch.Tensor):
        return x.device
    if isinstance(x, dict):
        x = list(x.values())
    if isinstance(x, (list, tuple)):
        for v in x:
            device = _first_device(v)
            if device is not None:
                return device
    return None


class Loss(abc.ABC):
    """Base class for losses: subclasses implement `call(y_true, y_pred)` returning per-sample losses.

    Args:
        name: name of the loss instance (snake case of the class name by default).
        reduction: `"sum_over_batch_size"` (default) or `"mean"`: sum divided by the number of values;
            `"mean_with_sample_weight"`: sum divided by the sum of the sample weights; `"sum"`; `"none"` or
            `None`: no reduction.
        dtype: dtype the loss is computed in (floatx by default); `y_true` and `y_pred` are cast to it.

    Example:
        class MeanSquaredError(Loss):
            def call(self, y_true, y_pred):
                return ((y_pred - y_true) ** 2).mean(dim=-1)
    """

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size", dtype: Any = None):
        self.name = name or auto_name(self.__class__.__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = compute_dtype_name(dtype)
        self._torch_dtype = config.standardize_dtype(self._dtype)

    @property
    def dtype(self) -> str:
        return self._dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> torch.Tensor:
        if (
            sample_weight is None
            and type(y_pred) is torch.Tensor
            and type(y_true) is torch.Tensor
            and self.reduction == "sum_over_batch_size"
            and not hasattr(y_pred, "_keras_mask")
        ):
            return self._call_unweighted(y_true, y_pred)
        in_mask = get_keras_mask(y_pred)
        device = _first_device(y_pred)
        y_pred = _convert_structure(y_pred, self._torch_dtype, device)
        y_true = _convert_structure(y_true, self._torch_dtype, device)
        losses = self.call(y_true, y_pred)
        out_mask = get_keras_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = in_mask.to(torch.bool) & out_mask.to(torch.bool)
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(
            losses, sample_weight=sample_weight, mask=mask, reduction=self.reduction, dtype=self._torch_dtype
        )

    def _call_unweighted(self, y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
        """The training loop's common case (tensors, no weights, no masks, the default reduction) with none of the
        general path's structure handling: the same numbers, fewer ops per step."""
        dtype = self._torch_dtype
        if y_pred.dtype != dtype:
            y_pred = y_pred.to(dtype)
        if y_true.is_floating_point() and y_true.dtype != dtype:
            y_true = y_true.to(dtype)  # integer labels stay integers: every loss function casts them itself
        losses = self.call(y_true, y_pred)
        mask = get_keras_mask(losses)
        if mask is not None:
            return reduce_weighted_values(losses, mask=mask, reduction=self.reduction, dtype=dtype)
        return losses.mean() if losses.dim() and losses.numel() else losses

    @abc.abstractmethod
    def call(self, y_true: Any, y_pred: Any) -> torch.Tensor:
        """Per-sample losses for a batch; subclasses override this."""

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} name={self.name}>"
