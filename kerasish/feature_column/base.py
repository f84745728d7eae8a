"""What every feature column shares: raw-feature access with clear errors, and (de)serialization.

A categorical column turns its features into `(ids, weights)`: int64 ids `(batch, k)` with -1 where a value is
missing, and float weights `(batch, k)` or None; torch has no sparse string tensors, so TensorFlow's SparseTensor
of ids becomes this padded form. A dense column turns its features into a float tensor `(batch, n)`.
"""

from __future__ import annotations

import numpy as np
import torch

from kerasish import config
from kerasish.feature_column import host_ops
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


class MultiHot:
    """A dense output that is mostly zeros, kept as ids until written: row i holds, at column `ids[i, j]`, the sum of
    `weights[i, j]` (1 where weights is None); ids < 0 are missing. Indicator and bucketized columns return one so
    that `DenseFeatures` writes them straight into its output instead of building, then copying, a zero matrix.
    """

    def __init__(self, ids: torch.Tensor, weights: torch.Tensor | None, width: int):
        self.ids, self.weights, self.width = ids, weights, int(width)

    @property
    def shape(self) -> tuple:
        return (self.ids.shape[0], self.width)

    def write(self, out: torch.Tensor, zeroed: bool = False) -> None:
        """Fills `out` `(batch, width)` (any strides); `zeroed` says it already holds zeros."""
        if out.dtype != torch.float32:  # counts and weights add up in float32, as `dense()` does
            out.copy_(self.dense())
            return
        if self.ids.shape[1] == 1 and _numpy_ok(out, self.ids, self.weights):
            # One id per row cannot repeat: a plain indexed add, in numpy (see host_ops.py for why).
            target, ids = out.numpy(), self.ids.numpy()[:, 0]
            valid = ids >= 0
            values = valid.astype(np.float32)
            if self.weights is not None:
                values = np.where(valid, self.weights.numpy()[:, 0].astype(np.float32), np.float32(0))
            if not zeroed:
                target[...] = 0
            target[np.arange(ids.shape[0]), np.where(valid, ids, 0)] += values
            return
        valid = self.ids >= 0
        if self.weights is None:
            values = valid.to(torch.float32)
        else:
            values = torch.where(valid, self.weights.float(), torch.zeros((), device=valid.device))
        if not zeroed:
            out.zero_()
        out.scatter_add_(1, torch.where(valid, self.ids, 0), values)

    def dense(self) -> torch.Tensor:
        out = torch.zeros(self.shape, device=self.ids.device)
        self.write(out, zeroed=True)
        return out


def _numpy_ok(*tensors) -> bool:
    """Whether these tensors (None skipped) may be worked on through numpy views: on CPU, without autograd."""
    return host_ops.NUMPY_ON_CPU and all(
        t is None or (t.device.type == "cpu" and not t.requires_grad and t.dtype != torch.bfloat16) for t in tensors
    )


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
        # Each raw feature converted once per call (strings hashed once), however many columns read it.
        self._converted: dict = {}

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
        if key not in self._converted:
            self._converted[key] = _convert(self.features[key], key, column)
        value, source_dtype = self._converted[key]
        return _as_kind(value, source_dtype, key, column, kind)


def _convert(value, key: str, column: FeatureColumn) -> tuple[torch.Tensor, np.dtype | None]:
    """A raw feature as a tensor (strings as Fingerprint64 ids), and its numpy dtype if it was not a tensor."""
    if isinstance(value, torch.Tensor):
        return value, None
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
    if array.dtype.kind in "USO":
        return torch.from_numpy(fingerprint_strings(array)), array.dtype
    return torch.as_tensor(array), array.dtype


def _as_kind(value: torch.Tensor, source_dtype, key: str, column: FeatureColumn, kind: str) -> torch.Tensor:
    """`value` checked and cast for `kind`; `source_dtype` is the numpy dtype it came from (None for a tensor)."""
    is_text = source_dtype is not None and source_dtype.kind in "USO"
    if is_text and kind not in ("string", "string_or_int"):
        raise ValueError(
            f"Column '{column.name}' expects {'numbers' if kind == 'float' else 'integers'} for "
            f"feature '{key}', got strings (dtype {source_dtype})."
        )
    if kind == "string" and source_dtype is not None and not is_text:
        raise ValueError(
            f"Column '{column.name}' expects strings for feature '{key}', got numbers "
            f"(dtype {source_dtype}); declare the column with an integer dtype."
        )
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
