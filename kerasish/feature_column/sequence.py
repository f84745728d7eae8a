"""Sequence columns, read by `layers.SequenceFeatures`: one value (or id) per step, padded rows.

TensorFlow feeds sequences as SparseTensors; here a sequence feature is a padded array `(batch, steps)` whose
missing steps are "" or -1 (categorical). A row's length is one past its last present step.
"""

from __future__ import annotations

import math

import torch

from kerasish.feature_column.base import CategoricalColumn, FeatureCache, SequenceDenseColumn, register
from kerasish.feature_column.categorical import (
    categorical_column_with_hash_bucket,
    categorical_column_with_identity,
    categorical_column_with_vocabulary_file,
    categorical_column_with_vocabulary_list,
)
from kerasish.feature_column.embedding import EmbeddingColumn, IndicatorColumn
from kerasish.feature_column.numeric import NumericColumn


@register
class SequenceCategoricalColumn(CategoricalColumn):
    """A categorical column read one id per step (see `sequence_categorical_column_with_*`)."""

    def __init__(self, categorical_column: CategoricalColumn):
        if not isinstance(categorical_column, CategoricalColumn):
            raise ValueError(f"A sequence categorical column wraps a categorical column, got {categorical_column!r}.")
        self.categorical_column = categorical_column
        self.num_buckets = categorical_column.num_buckets

    @property
    def name(self) -> str:
        return self.categorical_column.name

    @property
    def parents(self) -> list:
        return [self.categorical_column]

    def ids_and_weights(self, features: FeatureCache):
        return self.categorical_column.ids_and_weights(features)

    def sequence_length(self, features: FeatureCache) -> torch.Tensor:
        ids, _ = self.ids_and_weights(features)
        steps = torch.arange(1, ids.shape[1] + 1, device=ids.device)
        return torch.where(ids >= 0, steps, torch.zeros_like(steps)).amax(1)

    def get_config(self) -> dict:
        return {"categorical_column": self.categorical_column}


@register
class SequenceNumericColumn(SequenceDenseColumn):
    """A real value of shape `shape` per step (see `sequence_numeric_column`)."""

    def __init__(self, key: str, shape=(1,), default_value: float = 0.0, dtype="float32", normalizer_fn=None):
        self.numeric = NumericColumn(key, shape, default_value, dtype, normalizer_fn)
        self.key, self.shape, self.default_value = key, self.numeric.shape, default_value
        self.variable_size = math.prod(self.shape)

    @property
    def name(self) -> str:
        return self.key

    def sequence_output(self, features: FeatureCache, layer=None) -> torch.Tensor:
        values = features.get(self.key, self, "float")
        if values.shape[1] % self.variable_size:
            raise ValueError(
                f"Column '{self.name}': {values.shape[1]} values per row do not split into steps of "
                f"{self.variable_size} (shape {self.shape})."
            )
        values = values.reshape(values.shape[0], -1, self.variable_size)
        normalizer = self.numeric.normalizer_fn
        return normalizer(values) if normalizer is not None else values

    def sequence_length(self, features: FeatureCache) -> torch.Tensor:
        values = self.sequence_output(features)
        return torch.full((values.shape[0],), values.shape[1], dtype=torch.int64, device=values.device)

    def get_config(self) -> dict:
        config = self.numeric.get_config()
        return {k: config[k] for k in ("key", "shape", "default_value", "dtype", "normalizer_fn")}


def sequence_numeric_column(
    key: str, shape=(1,), default_value: float = 0.0, dtype="float32", normalizer_fn=None
) -> SequenceNumericColumn:
    """A sequence of real values: the feature is `(batch, steps)` (or `(batch, steps, *shape)`)."""
    return SequenceNumericColumn(key, shape, default_value, dtype, normalizer_fn)


def sequence_categorical_column_with_identity(key: str, num_buckets: int, default_value=None):
    """`categorical_column_with_identity`, one id per step."""
    return SequenceCategoricalColumn(categorical_column_with_identity(key, num_buckets, default_value))


def sequence_categorical_column_with_hash_bucket(key: str, hash_bucket_size: int, dtype="string"):
    """`categorical_column_with_hash_bucket`, one id per step."""
    return SequenceCategoricalColumn(categorical_column_with_hash_bucket(key, hash_bucket_size, dtype))


def sequence_categorical_column_with_vocabulary_list(
    key: str, vocabulary_list, dtype=None, default_value=-1, num_oov_buckets: int = 0
):
    """`categorical_column_with_vocabulary_list`, one id per step."""
    return SequenceCategoricalColumn(
        categorical_column_with_vocabulary_list(key, vocabulary_list, dtype, default_value, num_oov_buckets)
    )


def sequence_categorical_column_with_vocabulary_file(
    key: str, vocabulary_file: str, vocabulary_size=None, num_oov_buckets: int = 0, default_value=None, dtype="string"
):
    """`categorical_column_with_vocabulary_file`, one id per step."""
    return SequenceCategoricalColumn(
        categorical_column_with_vocabulary_file(
            key, vocabulary_file, vocabulary_size, num_oov_buckets, default_value, dtype
        )
    )


def sequence_length(column, features: FeatureCache) -> torch.Tensor:
    """Each row's length for a sequence column (an embedding/indicator of a sequence column, or numeric)."""
    if isinstance(column, (EmbeddingColumn, IndicatorColumn)):
        column = column.categorical_column
    if not hasattr(column, "sequence_length"):
        raise ValueError(
            f"SequenceFeatures takes sequence columns (sequence_numeric_column, or an embedding/"
            f"indicator of a sequence_categorical_column_*), got '{column.name}'."
        )
    return column.sequence_length(features)
