"""numeric_column and bucketized_column."""

from __future__ import annotations

import math

import numpy as np
import torch

from kerasish.feature_column.base import CategoricalColumn, DenseColumn, FeatureCache, MultiHot, register
from kerasish.feature_column.host_ops import arange, host, to_torch
from kerasish.saving.object_registry import deserialize_keras_object, serialize_keras_object


@register
class NumericColumn(DenseColumn):
    """Real-valued feature `key`, shape `shape` per example (see `numeric_column`)."""

    def __init__(self, key: str, shape=(1,), default_value=None, dtype="float32", normalizer_fn=None):
        shape = (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)
        if any(d < 1 for d in shape):
            raise ValueError(f"numeric_column '{key}': shape dimensions must be positive, got {shape}.")
        if isinstance(normalizer_fn, (dict, str)):
            normalizer_fn = deserialize_keras_object(normalizer_fn, printable_module_name="normalizer_fn")
        if normalizer_fn is not None and not callable(normalizer_fn):
            raise ValueError(f"numeric_column '{key}': normalizer_fn must be callable, got {normalizer_fn!r}.")
        self.key, self.shape, self.default_value, self.normalizer_fn = key, shape, default_value, normalizer_fn
        self.dtype = str(getattr(dtype, "name", dtype)).replace("torch.", "")
        self.variable_size = math.prod(shape)

    @property
    def name(self) -> str:
        return self.key

    def values(self, features: FeatureCache) -> torch.Tensor:
        def compute():
            value = features.get(self.key, self, "float")
            if value.shape[1] != self.variable_size:
                raise ValueError(
                    f"Column '{self.name}' expects {self.variable_size} value(s) per example (shape "
                    f"{self.shape}), got {value.shape[1]}."
                )
            return self.normalizer_fn(value) if self.normalizer_fn is not None else value

        return features.cached(self, compute)

    def dense_output(self, features: FeatureCache, layer=None) -> torch.Tensor:
        return self.values(features)

    def get_config(self) -> dict:
        return {
            "key": self.key,
            "shape": list(self.shape),
            "default_value": self.default_value,
            "dtype": self.dtype,
            "normalizer_fn": serialize_keras_object(self.normalizer_fn) if self.normalizer_fn else None,
        }


@register
class BucketizedColumn(DenseColumn, CategoricalColumn):
    """A numeric column cut at `boundaries` (see `bucketized_column`)."""

    def __init__(self, source_column: NumericColumn, boundaries):
        if not isinstance(source_column, NumericColumn):
            raise ValueError(f"bucketized_column needs a numeric_column as source, got {source_column!r}.")
        boundaries = [float(b) for b in boundaries]
        if not boundaries or any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError(
                f"bucketized_column '{source_column.name}': boundaries must be a sorted list without "
                f"duplicates, got {boundaries}."
            )
        self.source_column, self.boundaries = source_column, boundaries
        self.buckets_per_value = len(boundaries) + 1
        self.num_buckets = self.variable_size = source_column.variable_size * self.buckets_per_value
        self._edges = torch.tensor(boundaries, dtype=torch.float32)

    @property
    def name(self) -> str:
        return f"{self.source_column.name}_bucketized"

    @property
    def parents(self) -> list:
        return [self.source_column]

    def buckets(self, features: FeatureCache) -> torch.Tensor:
        """Each value's bucket in `[0, len(boundaries)]`; a value equal to a boundary goes above it."""

        def compute():
            values = self.source_column.values(features)
            if values.device.type == "cpu" and values.dtype in (torch.float32, torch.float64):
                # numpy's search: torch's bucketize splits even small batches over its thread pool.
                edges = self._edges.numpy().astype(np.float32 if values.dtype == torch.float32 else np.float64)
                return torch.from_numpy(np.searchsorted(edges, values.detach().numpy(), side="right"))
            edges = self._edges.to(device=values.device, dtype=values.dtype)
            return torch.bucketize(values, edges, right=True)

        return features.cached(self, compute)

    def ids_and_weights(self, features: FeatureCache):
        buckets = host(self.buckets(features))
        return to_torch(buckets + arange(buckets.shape[1], like=buckets) * self.buckets_per_value), None

    def multi_hot(self, features: FeatureCache) -> MultiHot:
        """The one-hot output as ids (each value's bucket, offset by its position), for in-place writes."""
        ids, _ = self.ids_and_weights(features)
        return MultiHot(ids, None, self.variable_size)

    def dense_output(self, features: FeatureCache, layer=None) -> torch.Tensor:
        return self.multi_hot(features).dense()

    def get_config(self) -> dict:
        return {"source_column": self.source_column, "boundaries": list(self.boundaries)}


def numeric_column(key: str, shape=(1,), default_value=None, dtype="float32", normalizer_fn=None) -> NumericColumn:
    """A real-valued feature.

    Args:
        key: the feature's name in the inputs.
        shape: the shape of one example's value, e.g. `(1,)` or `(3, 2)`.
        default_value: kept for TensorFlow parity (dense inputs have no missing values to fill).
        dtype: the feature's dtype; values are computed in floatx.
        normalizer_fn: a function applied to the `(batch, prod(shape))` values, e.g. `lambda x: (x - 3.) / 4.`
            (must be a registered Keras-serializable function for the model to be saved).

    Example:
        price = numeric_column("price")
    """
    return NumericColumn(key, shape, default_value, dtype, normalizer_fn)


def bucketized_column(source_column: NumericColumn, boundaries) -> BucketizedColumn:
    """Buckets of a numeric column: `boundaries=[0, 1, 2]` gives `(-inf, 0), [0, 1), [1, 2), [2, inf)`.

    As a dense column it is one-hot `(batch, dims * (len(boundaries) + 1))`; as a categorical column (for crosses
    and embeddings) value `i` of an example has id `bucket + i * (len(boundaries) + 1)`.
    """
    return BucketizedColumn(source_column, boundaries)
