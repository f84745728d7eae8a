"""Numerical helpers on label and feature arrays: `to_categorical` and `normalize`."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from kerasish import config


def to_categorical(x: Any, num_classes: int | None = None, dtype=None) -> np.ndarray | torch.Tensor:
    """Converts a class vector (integers) to a one-hot class matrix.

    A trailing axis of size 1 is dropped first, so labels of shape `(n, 1)` give `(n, num_classes)`.

    Args:
        x: Class indices from 0 to `num_classes - 1`: array-like (gives a float64 NumPy array, as Keras) or a
            torch tensor (gives a floatx tensor on the same device; negative indices give all-zero rows).
        num_classes: Number of classes; `max(x) + 1` when `None`.
        dtype: Keras 2's argument: the result's dtype (float64 for arrays, floatx for tensors, by default).

    Returns:
        The one-hot encoding, with the class axis last.

    Example:

    >>> to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    if isinstance(x, torch.Tensor):
        if x.ndim > 1 and x.shape[-1] == 1:
            x = x.squeeze(-1)
        x = x.long()
        num_classes = _resolve_num_classes(int(x.max()) if x.numel() else -1, num_classes)
        one_hot = F.one_hot(x.clamp(min=0), num_classes) * (x >= 0).unsqueeze(-1)
        return one_hot.to(_floatx() if dtype is None else config.standardize_dtype(dtype))

    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    num_classes = _resolve_num_classes(int(np.max(x)) if x.size else -1, num_classes)
    categorical = np.zeros((x.shape[0], num_classes), dtype=dtype)
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(shape + (num_classes,))


def _floatx() -> torch.dtype:
    return config.standardize_dtype(config.floatx())


def _resolve_num_classes(max_index: int, num_classes: int | None) -> int:
    """Returns `num_classes`, inferred from the largest index when `None`, after checking the indices fit."""
    if not num_classes:  # As Keras, 0 also means "infer".
        return max_index + 1
    if max_index >= num_classes:
        raise ValueError(
            f"`to_categorical` got class index {max_index}, which does not fit `num_classes={num_classes}`: "
            f"expected indices below {num_classes}."
        )
    return num_classes


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray | torch.Tensor:
    """Normalizes an array along an axis to unit norm.

    Args:
        x: Array to normalize: a NumPy array (gives a NumPy array, all-zero slices left as they are) or a
            torch tensor / array-like (gives a tensor; the norm is clamped to at least `epsilon()`).
        axis: Axis along which to normalize.
        order: Normalization order, e.g. 2 for the L2 norm.

    Returns:
        A normalized copy of `x`.

    Example:

    >>> normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    if isinstance(x, np.ndarray):
        norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
        norm[norm == 0] = 1
        return x / norm

    if not isinstance(order, int) or order < 1:
        raise ValueError(f"`order` must be an int >= 1. Received: order={order}")
    x = torch.as_tensor(x)
    if not x.is_floating_point():
        x = x.to(_floatx())
    if x.ndim == 0:
        x = x.unsqueeze(0)
    eps = config.epsilon()
    if order == 2:
        # As Keras: x * rsqrt(sum of squares), the inverse norm capped at 1 / epsilon.
        inv_norm = torch.rsqrt(x.square().sum(dim=axis, keepdim=True)).clamp(max=1.0 / eps)
        return x * inv_norm
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / norm.clamp(min=eps)


def to_ordinal(y: Any, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """Converts class ids to an ordinal regression matrix, as tf.keras 2's `utils.to_ordinal`: class `c` becomes
    `c` ones followed by zeros, over `num_classes - 1` columns.

    Args:
        y: integer class ids (0 to `num_classes - 1`), any shape; a trailing axis of size 1 is dropped.
        num_classes: the number of classes; `max(y) + 1` if not given.
        dtype: the result's numpy dtype.

    Example:
        >>> to_ordinal([0, 1, 2, 3], num_classes=4)
        array([[0., 0., 0.],
               [1., 0., 0.],
               [1., 1., 0.],
               [1., 1., 1.]], dtype=float32)
    """
    y = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y).astype("int64")
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    if not num_classes:
        if y.size == 0:
            raise ValueError("to_ordinal: cannot infer `num_classes` from an empty `y`; pass num_classes.")
        num_classes = int(y.max()) + 1
    ordinal = (np.arange(num_classes - 1)[None, :] < y[:, None]).astype(dtype)
    return ordinal.reshape(tuple(shape) + (num_classes - 1,))
