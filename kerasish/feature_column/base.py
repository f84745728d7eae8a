"""What every feature column shares: raw-feature access with clear errors, and (de)serialization.

A categorical column turns its features into `(ids, weights)`: int64 ids `(batch, k)` with -1 where a value is
missing, and float weights `(batch, k)` or None; torch has no sparse string tensors, so TensorFlow's SparseTensor
of ids becomes this padded form. A dense column turns its features into a float tensor `(batch, n)`.
"""

from __future__ import annotations

import numpy as np
import torch

from kerasish import config
from kerasish.feature_column.fingerprint import EMPTY_STRING_ID, fingerprint_strings


class FeatureColumn:
    """A named transformation of raw features; subclasses define `name`, `parents` and `get_config`."""

    @property
    def name(self) -> str:
        raise TypeError(f"{type(self).__name__} does not define `name`.")

    @property
    def parents(self) -> list:
        return []

    def get_config(self) -> dict:
        raise TypeError(f"{type(self).__name__} does not define get_config().")

    @classmethod
    def from_config(cls, config: dict) -> FeatureColumn:
        """The column from `get_config()`'s dict, nested columns already deserialized."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and serialize(self) == serialize(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name))


class DenseColumn(FeatureColumn):
    """A column whose output is a dense float tensor `(batch, variable_size)`."""

    variable_size: int

    def dense_output(self, features: FeatureCache, layer) -> torch.Tensor:
        raise TypeError(f"{type(self).__name__} does not define dense_output().")


class CategoricalColumn(FeatureColumn):
    """A column whose output is ids in `[0, num_buckets)`, -1 where missing."""

    num_buckets: int

    def ids_and_weights(self, features: FeatureCache) -> tuple[torch.Tensor, torch.Tensor | None]:
        raise TypeError(f"{type(self).__name__} does not define ids_and_weights().")


class SequenceDenseColumn(FeatureColumn):
    """A column whose output is a sequence `(batch, steps, variable_size)` plus each row's length."""


class FeatureCache:
    """The raw features of one call, converted once, plus each column's result, computed once per call.

    Strings become Fingerprint64 ids (see `fingerprint.py`), so a feature of strings and one already turned into
    ids on the data side look the same to the columns.
    """

    def __init__(self, features):
        if hasattr(features, "items") and not isinstance(features, dict):
            features = dict(features.items())  # a pandas DataFrame or any mapping
        if not isinstance(features, dict):
            raise ValueError(f"Feature columns take a dict of features keyed by name, got {type(features).__name__}.")
        self.features = features
        self.results: dict = {}

    def cached(self, column: FeatureColumn, compute):
        if column.name not in self.results:
            self.results[column.name] = compute()
        return self.results[column.name]

    def get(self, key: str, column: FeatureColumn, kind: str) -> torch.Tensor:
        """The feature `key` read by `column` as a 2-D tensor `(batch, n)`.

        Args:
            kind: "float" (numbers, as floatx), "int" (integers), "string" (strings, as Fingerprint64 ids), or
                "string_or_int" (either).
        """
        if key not in self.features:
            raise ValueError(
                f"Feature column '{column.name}' needs the feature '{key}', which is missing from the "
                f"inputs (given keys: {sorted(self.features)})."
            )
        return _as_feature_tensor(self.features[key], key, column, kind)


def _as_feature_tensor(value, key: str, column: FeatureColumn, kind: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        if hasattr(value, "to_numpy"):
            value = value.to_numpy()
        try:
            array = np.asarray(value)
        except ValueError as error:  # numpy refuses ragged nested lists
            raise ValueError(
                f"Feature '{key}' of column '{column.name}' is ragged: every row needs the same number "
                f"of values (pad with '' or -1)."
            ) from error
        if array.dtype == object and array.size and isinstance(array.reshape(-1)[0], (list, tuple, np.ndarray)):
            raise ValueError(
                f"Feature '{key}' of column '{column.name}' is ragged: every row needs the same number "
                f"of values (pad with '' or -1)."
            )
        is_text = array.dtype.kind in "USO"
        if is_text and kind not in ("string", "string_or_int"):
            raise ValueError(
                f"Column '{column.name}' expects {'numbers' if kind == 'float' else 'integers'} for "
                f"feature '{key}', got strings (dtype {array.dtype})."
            )
        if kind == "string" and not is_text:
            raise ValueError(
                f"Column '{column.name}' expects strings for feature '{key}', got numbers "
                f"(dtype {array.dtype}); declare the column with an integer dtype."
            )
        value = torch.from_numpy(fingerprint_strings(array)) if is_text else torch.as_tensor(array)
    if kind == "float":
        value = (
            value.to(config.standardize_dtype(None))
            if not value.is_floating_point() or value.dtype == torch.float64
            else value
        )
    elif value.is_floating_point():
        expected = {"string": "strings", "int": "integers"}.get(kind, "strings or integers")
        raise ValueError(
            f"Column '{column.name}' expects {expected} for feature "
            f"'{key}', got floats (dtype {config.dtype_name(value.dtype)})."
        )
    else:
        value = value.long()
    if value.dim() == 0:
        value = value.reshape(1, 1)
    elif value.dim() == 1:
        value = value.unsqueeze(1)
    elif value.dim() > 2:
        value = value.reshape(value.shape[0], -1)
    return value


def missing_mask(values: torch.Tensor, kind: str) -> torch.Tensor:
    """Where a raw categorical value means "missing": "" for strings, -1 for integers (as TensorFlow drops them)."""
    return values == (EMPTY_STRING_ID if kind == "string" else -1)


def check_dtype(dtype) -> str:
    """A categorical column's declared dtype as "string" or "int"."""
    if dtype in (str, bytes, int):
        return "int" if dtype is int else "string"
    name = str(getattr(dtype, "name", dtype)).replace("torch.", "")
    if name in ("string", "str"):
        return "string"
    if name.startswith(("int", "uint")):
        return "int"
    raise ValueError(f"A categorical column's dtype must be a string or integer dtype, got {dtype!r}.")


_COLUMN_CLASSES: dict[str, type] = {}


def register(cls: type) -> type:
    """Makes a column class known to `deserialize` under its class name."""
    _COLUMN_CLASSES[cls.__name__] = cls
    return cls


def serialize(column: FeatureColumn) -> dict:
    """`{"class_name": ..., "config": ...}`, nested columns serialized in their place (as TensorFlow's format)."""
    config = column.get_config()
    return {
        "class_name": type(column).__name__,
        "config": {
            k: serialize(v)
            if isinstance(v, FeatureColumn)
            else [serialize(c) if isinstance(c, FeatureColumn) else c for c in v]
            if isinstance(v, list)
            else v
            for k, v in config.items()
        },
    }


def _is_column_config(value) -> bool:
    return isinstance(value, dict) and value.get("class_name") in _COLUMN_CLASSES


def deserialize(config: dict) -> FeatureColumn:
    """The column a `serialize` dict describes."""
    name = config.get("class_name")
    if name not in _COLUMN_CLASSES:
        raise ValueError(f"Unknown feature column class {name!r}; known: {sorted(_COLUMN_CLASSES)}.")
    inner = {
        k: deserialize(v)
        if _is_column_config(v)
        else [deserialize(c) if _is_column_config(c) else c for c in v]
        if isinstance(v, list)
        else v
        for k, v in config["config"].items()
    }
    return _COLUMN_CLASSES[name].from_config(inner)


def feature_keys(column) -> list[str]:
    """The raw feature names a column reads, its parents' included."""
    keys = [
        getattr(column, attr) for attr in ("key", "weight_feature_key") if isinstance(getattr(column, attr, None), str)
    ]
    for parent in column.parents:
        keys += [parent] if isinstance(parent, str) else feature_keys(parent)
    return list(dict.fromkeys(keys))
