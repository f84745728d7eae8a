"""Categorical columns: vocabulary (list or file), identity, hash bucket, and weighted."""

from __future__ import annotations

import numpy as np
import torch

from kerasish.feature_column.base import CategoricalColumn, FeatureCache, check_dtype, missing_mask, register
from kerasish.feature_column.fingerprint import fingerprint_integers, fingerprint_strings, unsigned_mod
from kerasish.feature_column.hash_table import HashTable
from kerasish.feature_column.host_ops import host, to_torch, where


class VocabularyTable:
    """Exact lookup of int64 keys (integers, or Fingerprint64 ids of strings) by binary search, on any device.

    On CPU keys are found in a numpy hash table (`hash_table.py`): torch's searchsorted splits even a small batch
    over its thread pool, which on a busy machine waits on descheduled threads for far longer than the search
    takes, and a binary search of unsorted keys mispredicts a branch at every step. On a device, a binary search.
    """

    def __init__(self, keys):
        keys = np.asarray(keys, np.int64)
        order = np.argsort(keys, kind="stable")
        self.sorted_keys = torch.from_numpy(keys[order])
        self.positions = torch.from_numpy(order.astype(np.int64))
        self._on_device: dict = {}
        self._hash_table = HashTable(keys)  # the CPU lookup; the binary search serves devices

    def lookup(self, values):
        """Each value's position in the vocabulary, or -1; `values` a numpy array (numpy out) or a tensor."""
        if isinstance(values, torch.Tensor) and values.device.type == "cpu":
            return torch.from_numpy(self.lookup(values.numpy()))
        if isinstance(values, np.ndarray):
            return self._hash_table.lookup(values)
        if self.sorted_keys.numel() == 0:
            return torch.full_like(values, -1)
        if values.device not in self._on_device:
            self._on_device[values.device] = (self.sorted_keys.to(values.device), self.positions.to(values.device))
        keys, positions = self._on_device[values.device]
        slot = torch.searchsorted(keys, values).clamp(max=keys.numel() - 1)
        return torch.where(keys[slot] == values, positions[slot], torch.full_like(values, -1))


def hash_ids(values, kind: str, num_buckets: int):
    """TensorFlow's `to_hash_bucket_fast(as_string(value), num_buckets)` from raw values (strings as ids); a tensor or
    a numpy array."""
    if kind == "string":
        return unsigned_mod(values, num_buckets)
    if isinstance(values, np.ndarray):
        return unsigned_mod(fingerprint_integers(torch.from_numpy(values)).numpy(), num_buckets)
    return unsigned_mod(fingerprint_integers(values), num_buckets)


class _VocabularyColumn(CategoricalColumn):
    """Shared by the list and file variants: vocabulary first, then `num_oov_buckets` hash buckets."""

    def _init_vocabulary(self, key, vocabulary, dtype, default_value, num_oov_buckets):
        if dtype is None:
            dtype = "string" if all(isinstance(v, (str, bytes)) for v in vocabulary) else "int64"
        self.key, self.kind = key, check_dtype(dtype)
        self.dtype = "string" if self.kind == "string" else str(getattr(dtype, "name", dtype)).replace("torch.", "")
        vocabulary = [v.decode() if isinstance(v, bytes) else v for v in vocabulary]
        if not vocabulary:
            raise ValueError(f"Column on '{key}': the vocabulary is empty.")
        if self.kind == "string" and not all(isinstance(v, str) for v in vocabulary):
            raise ValueError(f"Column on '{key}': dtype string needs a vocabulary of strings, got {vocabulary[:5]}.")
        if len(set(vocabulary)) != len(vocabulary):
            seen = set()
            duplicate = next(v for v in vocabulary if v in seen or seen.add(v))
            raise ValueError(f"Column on '{key}': duplicate key {duplicate!r} in the vocabulary.")
        num_oov_buckets = int(num_oov_buckets)
        if num_oov_buckets < 0:
            raise ValueError(f"Column on '{key}': num_oov_buckets must be >= 0, got {num_oov_buckets}.")
        if num_oov_buckets and default_value not in (None, -1):
            raise ValueError(f"Column on '{key}': pass either default_value or num_oov_buckets, not both.")
        self.vocabulary = [str(v) if self.kind == "string" else int(v) for v in vocabulary]
        self.default_value = -1 if default_value is None else int(default_value)
        self.num_oov_buckets = num_oov_buckets
        self.num_buckets = len(self.vocabulary) + num_oov_buckets
        keys = fingerprint_strings(np.array(self.vocabulary, dtype=str)) if self.kind == "string" else self.vocabulary
        self.table = VocabularyTable(keys)

    @property
    def name(self) -> str:
        return self.key

    def ids_and_weights(self, features: FeatureCache):
        def compute():
            values = host(features.get(self.key, self, self.kind))
            ids = self.table.lookup(values)
            if self.num_oov_buckets:
                oov = len(self.vocabulary) + hash_ids(values, self.kind, self.num_oov_buckets)
            else:
                oov = self.default_value
            ids = where(ids >= 0, ids, oov)
            return to_torch(where(missing_mask(values, self.kind), -1, ids)), None

        return features.cached(self, compute)


@register
class VocabularyListCategoricalColumn(_VocabularyColumn):
    """Ids from an in-memory vocabulary (see `categorical_column_with_vocabulary_list`)."""

    def __init__(self, key: str, vocabulary_list, dtype=None, default_value=-1, num_oov_buckets: int = 0):
        self._init_vocabulary(key, list(vocabulary_list), dtype, default_value, num_oov_buckets)

    def get_config(self) -> dict:
        return {
            "key": self.key,
            "vocabulary_list": list(self.vocabulary),
            "dtype": self.dtype,
            "default_value": self.default_value,
            "num_oov_buckets": self.num_oov_buckets,
        }


@register
class VocabularyFileCategoricalColumn(_VocabularyColumn):
    """Ids from a vocabulary file, one entry per line (see `categorical_column_with_vocabulary_file`)."""

    def __init__(
        self,
        key: str,
        vocabulary_file: str,
        vocabulary_size=None,
        num_oov_buckets: int = 0,
        default_value=None,
        dtype="string",
        vocabulary=None,
    ):
        if vocabulary is None:  # a saved column carries its vocabulary, so the file need not travel with the model
            try:
                with open(vocabulary_file, encoding="utf-8") as f:
                    vocabulary = [line.rstrip("\r\n") for line in f]
            except OSError as error:
                raise ValueError(
                    f"Column on '{key}': cannot read vocabulary_file {vocabulary_file!r}: {error}."
                ) from error
            if vocabulary_size is not None:
                if int(vocabulary_size) > len(vocabulary):
                    raise ValueError(
                        f"Column on '{key}': vocabulary_size={vocabulary_size} but "
                        f"{vocabulary_file!r} has {len(vocabulary)} lines."
                    )
                vocabulary = vocabulary[: int(vocabulary_size)]
            if check_dtype(dtype) == "int":
                vocabulary = [int(v) for v in vocabulary]
        self.vocabulary_file = vocabulary_file
        self._init_vocabulary(key, list(vocabulary), dtype, default_value, num_oov_buckets)
        self.vocabulary_size = len(self.vocabulary)

    def get_config(self) -> dict:
        return {
            "key": self.key,
            "vocabulary_file": self.vocabulary_file,
            "vocabulary_size": self.vocabulary_size,
            "num_oov_buckets": self.num_oov_buckets,
            "default_value": self.default_value,
            "dtype": self.dtype,
            "vocabulary": list(self.vocabulary),
        }


@register
class IdentityCategoricalColumn(CategoricalColumn):
    """Integer feature values used as ids (see `categorical_column_with_identity`)."""

    def __init__(self, key: str, num_buckets: int, default_value=None):
        self.key, self.num_buckets = key, int(num_buckets)
        if self.num_buckets < 1:
            raise ValueError(f"categorical_column_with_identity '{key}': num_buckets must be >= 1, got {num_buckets}.")
        if default_value is not None and not 0 <= int(default_value) < self.num_buckets:
            raise ValueError(
                f"categorical_column_with_identity '{key}': default_value {default_value} is not in "
                f"[0, {self.num_buckets})."
            )
        self.default_value = None if default_value is None else int(default_value)

    @property
    def name(self) -> str:
        return self.key

    def ids_and_weights(self, features: FeatureCache):
        def compute():
            values = features.get(self.key, self, "int")
            missing = values == -1
            outside = ((values < 0) | (values >= self.num_buckets)) & ~missing
            if self.default_value is None:
                # TensorFlow asserts here too; the check reads one bool back from the device.
                if bool(outside.any()):
                    bad = values[outside][:5].tolist()
                    raise ValueError(
                        f"Column '{self.name}': values {bad} are outside [0, {self.num_buckets}) and "
                        f"the column has no default_value."
                    )
                ids = values
            else:
                ids = torch.where(outside, torch.full_like(values, self.default_value), values)
            return torch.where(missing, torch.full_like(ids, -1), ids), None

        return features.cached(self, compute)

    def get_config(self) -> dict:
        return {"key": self.key, "num_buckets": self.num_buckets, "default_value": self.default_value}


@register
class HashedCategoricalColumn(CategoricalColumn):
    """Ids by hashing (see `categorical_column_with_hash_bucket`)."""

    def __init__(self, key: str, hash_bucket_size: int, dtype="string"):
        if int(hash_bucket_size) < 1:
            raise ValueError(
                f"categorical_column_with_hash_bucket '{key}': hash_bucket_size must be >= 1, got {hash_bucket_size}."
            )
        self.key, self.hash_bucket_size, self.kind = key, int(hash_bucket_size), check_dtype(dtype)
        self.dtype = "string" if self.kind == "string" else str(getattr(dtype, "name", dtype)).replace("torch.", "")
        self.num_buckets = self.hash_bucket_size

    @property
    def name(self) -> str:
        return self.key

    def ids_and_weights(self, features: FeatureCache):
        def compute():
            values = host(features.get(self.key, self, self.kind))
            ids = hash_ids(values, self.kind, self.hash_bucket_size)
            return to_torch(where(missing_mask(values, self.kind), -1, ids)), None

        return features.cached(self, compute)

    def get_config(self) -> dict:
        return {"key": self.key, "hash_bucket_size": self.hash_bucket_size, "dtype": self.dtype}


@register
class WeightedCategoricalColumn(CategoricalColumn):
    """A categorical column whose ids carry the weights in feature `weight_feature_key`."""

    def __init__(self, categorical_column: CategoricalColumn, weight_feature_key: str, dtype="float32"):
        if not isinstance(categorical_column, CategoricalColumn):
            raise ValueError(f"weighted_categorical_column needs a categorical column, got {categorical_column!r}.")
        self.categorical_column, self.weight_feature_key, self.dtype = categorical_column, weight_feature_key, dtype
        self.num_buckets = categorical_column.num_buckets

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_weighted_by_{self.weight_feature_key}"

    @property
    def parents(self) -> list:
        return [self.categorical_column]

    def ids_and_weights(self, features: FeatureCache):
        def compute():
            ids, _ = self.categorical_column.ids_and_weights(features)
            weights = features.get(self.weight_feature_key, self, "float")
            if weights.shape != ids.shape:
                raise ValueError(
                    f"Column '{self.name}': weights {tuple(weights.shape)} and ids {tuple(ids.shape)} "
                    f"must have the same shape."
                )
            return ids, torch.where(ids >= 0, weights, torch.zeros_like(weights))

        return features.cached(self, compute)

    def get_config(self) -> dict:
        return {
            "categorical_column": self.categorical_column,
            "weight_feature_key": self.weight_feature_key,
            "dtype": self.dtype,
        }


def categorical_column_with_vocabulary_list(
    key: str, vocabulary_list, dtype=None, default_value=-1, num_oov_buckets: int = 0
) -> VocabularyListCategoricalColumn:
    """Maps each value to its index in `vocabulary_list`; others to `default_value`, or, with `num_oov_buckets`,
    to `len(vocabulary) + Fingerprint64(value) % num_oov_buckets`. "" and -1 are missing.

    Example:
        city = categorical_column_with_vocabulary_list("city", ["paris", "rome"], num_oov_buckets=2)
    """
    return VocabularyListCategoricalColumn(key, vocabulary_list, dtype, default_value, num_oov_buckets)


def categorical_column_with_vocabulary_file(
    key: str, vocabulary_file: str, vocabulary_size=None, num_oov_buckets: int = 0, default_value=None, dtype="string"
) -> VocabularyFileCategoricalColumn:
    """As `categorical_column_with_vocabulary_list`, with the vocabulary read from a file (one entry per line,
    the first `vocabulary_size` lines). The vocabulary is saved with the column."""
    return VocabularyFileCategoricalColumn(key, vocabulary_file, vocabulary_size, num_oov_buckets, default_value, dtype)


def categorical_column_with_identity(key: str, num_buckets: int, default_value=None) -> IdentityCategoricalColumn:
    """Integer values in `[0, num_buckets)` are their own ids; others take `default_value` (an error without one);
    -1 is missing."""
    return IdentityCategoricalColumn(key, num_buckets, default_value)


def categorical_column_with_hash_bucket(key: str, hash_bucket_size: int, dtype="string") -> HashedCategoricalColumn:
    """Id `Fingerprint64(str(value)) % hash_bucket_size` (FarmHash, as TensorFlow's `to_hash_bucket_fast`), stable
    across processes and machines. "" and -1 are missing."""
    return HashedCategoricalColumn(key, hash_bucket_size, dtype)


def weighted_categorical_column(
    categorical_column: CategoricalColumn, weight_feature_key: str, dtype="float32"
) -> WeightedCategoricalColumn:
    """Gives each id of `categorical_column` the weight at the same place in feature `weight_feature_key`."""
    return WeightedCategoricalColumn(categorical_column, weight_feature_key, dtype)
