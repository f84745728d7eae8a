"""crossed_column: hashed feature conjunctions, with TensorFlow's `sparse_cross_hashed` bucket ids."""

from __future__ import annotations

import numpy as np
import torch

from kerasish.feature_column.base import CategoricalColumn, FeatureCache, register
from kerasish.feature_column.categorical import HashedCategoricalColumn
from kerasish.feature_column.fingerprint import fingerprint_cat64, unsigned_mod
from kerasish.feature_column.host_ops import full, host, ones_bool, to_torch, where

DEFAULT_HASH_KEY = 0xDECAFCAFFE


@register
class CrossedColumn(CategoricalColumn):
    """The cross of `keys` (see `crossed_column`)."""

    def __init__(self, keys, hash_bucket_size: int, hash_key=None):
        keys = list(keys)
        if len(keys) < 2:
            raise ValueError(f"crossed_column needs at least 2 keys, got {keys}.")
        if int(hash_bucket_size) < 1:
            raise ValueError(f"crossed_column: hash_bucket_size must be >= 1, got {hash_bucket_size}.")
        for key in keys:
            if isinstance(key, HashedCategoricalColumn):
                raise ValueError(
                    "categorical_column_with_hash_bucket is not supported for crossing: hashing before "
                    "crossing raises collisions; cross the feature name instead."
                )
            if not isinstance(key, (str, CategoricalColumn)):
                raise ValueError(f"crossed_column keys must be feature names or categorical columns, got {key!r}.")
        self.keys, self.hash_bucket_size = keys, int(hash_bucket_size)
        self.hash_key = DEFAULT_HASH_KEY if hash_key is None else int(hash_key)
        self.num_buckets = self.hash_bucket_size

    @property
    def name(self) -> str:
        return "_X_".join(sorted(k if isinstance(k, str) else k.name for k in _leaf_keys(self)))

    @property
    def parents(self) -> list:
        return list(self.keys)

    def ids_and_weights(self, features: FeatureCache):
        def compute():
            # TensorFlow's SparseCross hashes its sparse inputs (categorical ids) before its dense ones (raw
            # features); a raw value enters as itself (a string as its Fingerprint64 id), an id as itself.
            parts = []
            for key in _leaf_keys(self):
                if isinstance(key, CategoricalColumn):
                    ids, weights = key.ids_and_weights(features)
                    if weights is not None:
                        raise ValueError(f"crossed_column '{self.name}' cannot cross the weighted column '{key.name}'.")
                    parts.append((0, host(ids)))
                else:
                    parts.append((1, host(features.get(key, self, "string_or_int"))))
            parts.sort(key=lambda part: part[0])
            values = [v for _, v in parts]
            if not all(isinstance(v, np.ndarray) for v in values):  # some on a device: all in torch, there
                device = next(v.device for v in values if isinstance(v, torch.Tensor))
                values = [to_torch(v).to(device) for v in values]
            batch = values[0].shape[0]
            hashed = full((batch, 1), self.hash_key, like=values[0])
            valid = None
            for value, (kind, _) in zip(values, parts):  # every combination, the last input varying fastest
                hashed = fingerprint_cat64(hashed[:, :, None], value[:, None, :]).reshape(batch, -1)
                present = value >= 0 if kind == 0 else ones_bool(value)
                valid = present if valid is None else (valid[:, :, None] & present[:, None, :]).reshape(batch, -1)
            ids = unsigned_mod(hashed, self.hash_bucket_size)
            return to_torch(where(valid, ids, -1)), None

        return features.cached(self, compute)

    def get_config(self) -> dict:
        return {"keys": list(self.keys), "hash_bucket_size": self.hash_bucket_size, "hash_key": self.hash_key}


def _leaf_keys(column: CrossedColumn) -> list:
    """Keys of nested crosses, flattened in order (a cross of a cross crosses all their keys)."""
    keys = []
    for key in column.keys:
        keys += _leaf_keys(key) if isinstance(key, CrossedColumn) else [key]
    return keys


def crossed_column(keys, hash_bucket_size: int, hash_key=None) -> CrossedColumn:
    """Crosses features: each combination of the keys' values is hashed into `hash_bucket_size` buckets with
    TensorFlow's function (FingerprintCat64 chained from `hash_key`, default 0xDECAFCAFFE, over each value's
    Fingerprint64 for strings or the value itself for integers and categorical ids).

    Args:
        keys: feature names and/or categorical columns (not hash-bucket columns), at least two.
        hash_bucket_size: the number of buckets.
        hash_key: the seed of the hash chain.

    Example:
        city_x_age = crossed_column(["city", bucketized_column(numeric_column("age"), [18, 65])], 1000)
    """
    return CrossedColumn(keys, hash_bucket_size, hash_key)
