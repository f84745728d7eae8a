"""Structured (tabular) data on the data side: tables as dicts of columns, strings as Fingerprint64 ids.

torch has no string tensors. A string feature is hashed here, vectorized, in the data loader (its workers share
the work), into the int64 FarmHash Fingerprint64 of each string; feature columns and lookup layers then compute
TensorFlow's ids from those in torch. pandas is never imported: a table is anything with `.items()` and
`.to_dict()` that is not a dict.
"""

from __future__ import annotations

import numpy as np
import torch

from kerasish.feature_column.fingerprint import fingerprint_strings


def is_table(x) -> bool:
    """A pandas DataFrame or a similar table (`.items()` and `.to_dict()`), not a plain dict."""
    return not isinstance(x, dict) and hasattr(x, "items") and hasattr(x, "to_dict")


def as_feature_dict(x):
    """A table as `{column name: numpy array}`; anything else unchanged."""
    if not is_table(x):
        return x
    return {
        str(name): column.to_numpy() if hasattr(column, "to_numpy") else np.asarray(column)
        for name, column in x.items()
    }


def string_ids(array: np.ndarray) -> torch.Tensor:
    """An array of strings (`str`, `bytes`, or objects that are strings) as int64 Fingerprint64 ids.

    Raises:
        ValueError: for object arrays holding anything but strings (ragged lists, mixed types).
    """
    return torch.from_numpy(fingerprint_strings(checked_strings(array)))


def checked_strings(array: np.ndarray) -> np.ndarray:
    """`array`, checked to hold only strings (`str`, `bytes`, None) when it is an array of Python objects.

    Raises:
        ValueError: for object arrays holding anything but strings (ragged lists, mixed types).
    """
    if array.dtype.kind == "O":
        flat = array.reshape(-1)
        if not all(isinstance(v, (str, bytes)) or v is None for v in flat):
            kinds = sorted({type(v).__name__ for v in flat})
            raise ValueError(
                f"Cannot convert an array of Python objects of types {kinds} to a tensor: features must "
                f"be numbers or strings, with the same number of values in every row."
            )
    return array


def as_ids(value) -> torch.Tensor:
    """A layer's input as a torch tensor: strings (numpy, lists) become Fingerprint64 ids, as the data loader makes
    them, so a layer sees the same ids whether it is called eagerly on strings or inside `fit`."""
    if isinstance(value, torch.Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind in "OUS":
        return string_ids(array)
    return torch.as_tensor(array)


def holds_text(value) -> bool:
    """Whether `value` is a numpy array or (nested) list of strings."""
    return not isinstance(value, torch.Tensor) and np.asarray(value).dtype.kind in "OUS"
