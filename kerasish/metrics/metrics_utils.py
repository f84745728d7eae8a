"""Confusion-matrix bookkeeping shared by the threshold metrics (AUC, Precision, ...) and the IoU metrics.

Everything here updates torch state tensors in place on the inputs' device, with no read back to the host:
thresholds are compared all at once (a `(thresholds, samples)` comparison), or, when they are evenly spaced
in `[0, 1]`, predictions are dropped into one bucket per threshold with a single `index_add_` and the counts
per threshold follow from a reversed cumulative sum (O(thresholds + samples) rather than their product).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from kerasish import config
from kerasish.losses.loss import as_tensor, squeeze_or_expand_to_same_rank

NEG_INF = -1e10

# Keys of the `variables_to_update` dict, as the values of Keras's `ConfusionMatrix` enum.
TRUE_POSITIVES, FALSE_POSITIVES, TRUE_NEGATIVES, FALSE_NEGATIVES = "tp", "fp", "tn", "fn"
CONFUSION_MATRIX_KEYS = (TRUE_POSITIVES, FALSE_POSITIVES, TRUE_NEGATIVES, FALSE_NEGATIVES)


def to_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple, np.ndarray)) else [x]


def assert_thresholds_range(thresholds: Sequence[float] | None) -> None:
    """Raises a ValueError naming the thresholds outside `[0, 1]`."""
    if thresholds is not None:
        invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")


def parse_init_thresholds(thresholds: Any, default_threshold: float = 0.5) -> list[float]:
    """A metric's `thresholds` argument as a checked list (`[default_threshold]` when None)."""
    if thresholds is not None:
        assert_thresholds_range(to_list(thresholds))
    return to_list(default_threshold if thresholds is None else thresholds)


def is_evenly_distributed_thresholds(thresholds: Sequence[float]) -> bool:
    """Whether `thresholds` are `0, 1/(n-1), ..., 1` (up to epsilon), so bucketing can count them."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


@functools.lru_cache(maxsize=64)
def _thresholds_tensor(thresholds: tuple, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    # Made once per (thresholds, device): building it from a list every step would copy host -> device.
    return torch.tensor(thresholds, dtype=dtype, device=device)


def filter_top_k(x: torch.Tensor, k: int) -> torch.Tensor:
    """Keeps the `k` largest values of the last axis and sets the others to `NEG_INF`.

    Among equal values the earlier ones are kept, as in Keras (a stable sort rather than `torch.topk`, whose
    choice among ties is unspecified).
    """
    top_k_idx = torch.sort(x, dim=-1, descending=True, stable=True).indices[..., :k]
    mask = torch.zeros_like(x).scatter_(-1, top_k_idx, 1.0)
    return x * mask + NEG_INF * (1 - mask)


def update_confusion_matrix_variables(
    variables_to_update: dict[str, torch.Tensor],
    y_true: Any,
    y_pred: Any,
    thresholds: Sequence[float],
    top_k: int | None = None,
    class_id: int | None = None,
    sample_weight: Any = None,
    multi_label: bool = False,
    label_weights: torch.Tensor | None = None,
    thresholds_distributed_evenly: bool = False,
) -> None:
    """Adds the (weighted) true/false positive/negative counts at each threshold to the given variables.

    A prediction counts as positive at threshold `t` when `y_pred > t`; `y_true` is cast to bool.

    Args:
        variables_to_update: state tensors keyed by `"tp"`, `"fp"`, `"tn"`, `"fn"`, shaped `(thresholds,)`
            (or `(thresholds, labels)` with `multi_label`); updated in place.
        y_true: labels, the shape of `y_pred`.
        y_pred: predictions in `[0, 1]`.
        thresholds: the thresholds, a list of floats.
        top_k: only the `top_k` largest predictions of the last axis count as positive.
        class_id: only this index of the last axis is looked at.
        sample_weight: weights broadcastable to `y_true` (a rank-1 weight weighs whole samples).
        multi_label: keep the last axis as separate labels instead of flattening the data.
        label_weights: weights per label (last axis) for flattened data; not with `multi_label`.
        thresholds_distributed_evenly: whether `thresholds` are evenly spaced in `[0, 1]` (possibly with
            the first and last moved out by epsilon), which allows bucketing.
    """
    if multi_label and label_weights is not None:
        raise ValueError(
            "`label_weights` for multilabel data should be handled outside of "
            "`update_confusion_matrix_variables` when `multi_label` is True."
        )
    invalid = [key for key in variables_to_update if key not in CONFUSION_MATRIX_KEYS]
    if invalid or not variables_to_update:
        raise ValueError(
            f"Invalid keys: {invalid}. Valid variable keys are {list(CONFUSION_MATRIX_KEYS)}; "
            f"received {list(variables_to_update)}."
        )
    dtype = next(iter(variables_to_update.values())).dtype
    y_pred = as_tensor(y_pred, dtype)
    y_true = as_tensor(y_true, dtype, y_pred.device)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        # A trailing axis lets a per-sample weight broadcast over the classes of a rank-2 `y_true`.
        sample_weight = as_tensor(sample_weight, dtype, y_pred.device).unsqueeze(-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape (num_samples, num_classes), "
                f"found shape: {tuple(y_pred.shape)}"
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]

    weights = _combined_weights(sample_weight, label_weights, y_pred, dtype)
    labels = y_true != 0
    if not multi_label:
        labels, y_pred = labels.reshape(-1), y_pred.reshape(-1)
        weights = None if weights is None else weights.reshape(-1)

    if thresholds_distributed_evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        counts = _bucketed_counts(labels, y_pred, weights, len(thresholds), with_epsilon, variables_to_update)
    else:
        counts = _compared_counts(labels, y_pred, weights, thresholds, variables_to_update)
    for key, variable in variables_to_update.items():
        variable.add_(counts[key])


def _combined_weights(sample_weight, label_weights, y_pred, dtype) -> torch.Tensor | None:
    weights = None
    if sample_weight is not None:
        weights = sample_weight.expand(y_pred.shape)
    if label_weights is not None:
        label_weights = as_tensor(label_weights, dtype, y_pred.device).unsqueeze(0).expand(y_pred.shape)
        weights = label_weights if weights is None else weights * label_weights
    return weights


def _bucketed_counts(labels, y_pred, weights, num_thresholds, with_epsilon, wanted) -> dict:
    true_labels = labels.to(y_pred.dtype)
    false_labels = 1.0 - true_labels
    if weights is not None:
        true_labels, false_labels = true_labels * weights, false_labels * weights
    # With thresholds i / (n - 1), `p > threshold i` exactly when bucket `ceil(p * (n - 1)) - 1 >= i`.
    buckets = torch.ceil(y_pred.clamp(0.0, 1.0) * (num_thresholds - 1)) - 1
    if with_epsilon:
        buckets = buckets.clamp_min(0)  # the first threshold sits below 0: every prediction exceeds it
    # Bucket -1 (predictions of exactly 0, above no threshold) goes to an extra slot that is dropped.
    buckets = buckets.long().clamp(-1, num_thresholds - 2) + 1
    num_labels = y_pred.shape[-1] if y_pred.dim() == 2 else 1
    if y_pred.dim() == 2:  # multi_label: one row of buckets per label, all filled in one index_add_
        buckets = buckets * num_labels + torch.arange(num_labels, device=y_pred.device)

    def per_threshold(values):
        summed = torch.zeros((num_thresholds + 1) * num_labels, dtype=values.dtype, device=values.device)
        summed.index_add_(0, buckets.reshape(-1), values.reshape(-1))
        summed = summed.view(num_thresholds + 1, num_labels)[1:]
        counts = summed.flip(0).cumsum(0).flip(0)  # C(t_i) = sum of buckets j >= i
        return counts if y_pred.dim() == 2 else counts.squeeze(1)

    counts = {TRUE_POSITIVES: per_threshold(true_labels)}
    if FALSE_POSITIVES in wanted or TRUE_NEGATIVES in wanted:
        counts[FALSE_POSITIVES] = per_threshold(false_labels)
    if TRUE_NEGATIVES in wanted:
        counts[TRUE_NEGATIVES] = false_labels.sum(0) - counts[FALSE_POSITIVES]
    if FALSE_NEGATIVES in wanted:
        counts[FALSE_NEGATIVES] = true_labels.sum(0) - counts[TRUE_POSITIVES]
    return counts


def _compared_counts(labels, y_pred, weights, thresholds, wanted) -> dict:
    thresholds = _thresholds_tensor(tuple(float(t) for t in thresholds), y_pred.dtype, y_pred.device)
    thresholds = thresholds.view((-1,) + (1,) * y_pred.dim())
    pred_is_pos = y_pred.unsqueeze(0) > thresholds  # (thresholds, *y_pred.shape)
    label_is_pos = labels.unsqueeze(0)
    conditions = {
        TRUE_POSITIVES: (label_is_pos, pred_is_pos),
        FALSE_POSITIVES: (~label_is_pos, pred_is_pos),
        TRUE_NEGATIVES: (~label_is_pos, ~pred_is_pos),
        FALSE_NEGATIVES: (label_is_pos, ~pred_is_pos),
    }
    counts = {}
    for key in wanted:
        label, pred = conditions[key]
        hits = (label & pred).to(y_pred.dtype)
        if weights is not None:
            hits = hits * weights
        counts[key] = hits.sum(1)
    return counts


def confusion_matrix(
    labels: torch.Tensor,
    predictions: torch.Tensor,
    num_classes: int,
    weights: torch.Tensor | None = None,
    dtype: torch.dtype = torch.int32,
) -> torch.Tensor:
    """The `(num_classes, num_classes)` confusion matrix: rows are labels, columns predictions.

    Args:
        labels: 1-D integer class ids.
        predictions: 1-D integer class ids, the shape of `labels`.
        num_classes: the number of classes.
        weights: what each pair adds to its cell (1 when None).
        dtype: dtype of the matrix.
    """
    labels, predictions = squeeze_or_expand_to_same_rank(labels, predictions)
    index = labels.long() * num_classes + predictions.long()
    values = torch.ones_like(index, dtype=dtype) if weights is None else weights.to(dtype).expand(index.shape)
    matrix = torch.zeros(num_classes * num_classes, dtype=dtype, device=index.device)
    return matrix.index_add_(0, index.reshape(-1), values.reshape(-1)).view(num_classes, num_classes)
