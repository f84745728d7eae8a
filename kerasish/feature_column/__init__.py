"""Feature columns, as TensorFlow's `tf.feature_column`, for `layers.DenseFeatures` and `layers.SequenceFeatures`.

Strings are carried as their FarmHash Fingerprint64 (see `fingerprint.py`), so every column computes in torch
and gives TensorFlow's ids and outputs.
"""

from __future__ import annotations

from kerasish.feature_column.base import (
    CategoricalColumn,
    DenseColumn,
    FeatureColumn,
    SequenceDenseColumn,
    deserialize,
    serialize,
)
from kerasish.feature_column.categorical import (
    HashedCategoricalColumn,
    IdentityCategoricalColumn,
    VocabularyFileCategoricalColumn,
    VocabularyListCategoricalColumn,
    WeightedCategoricalColumn,
    categorical_column_with_hash_bucket,
    categorical_column_with_identity,
    categorical_column_with_vocabulary_file,
    categorical_column_with_vocabulary_list,
    weighted_categorical_column,
)
from kerasish.feature_column.crossed import CrossedColumn, crossed_column
from kerasish.feature_column.embedding import (
    EmbeddingColumn,
    IndicatorColumn,
    SharedEmbeddingColumn,
    embedding_column,
    indicator_column,
    shared_embeddings,
)
from kerasish.feature_column.numeric import BucketizedColumn, NumericColumn, bucketized_column, numeric_column
from kerasish.feature_column.sequence import (
    SequenceCategoricalColumn,
    SequenceNumericColumn,
    sequence_categorical_column_with_hash_bucket,
    sequence_categorical_column_with_identity,
    sequence_categorical_column_with_vocabulary_file,
    sequence_categorical_column_with_vocabulary_list,
    sequence_numeric_column,
)

serialize_feature_column = serialize
deserialize_feature_column = deserialize

__all__ = [
    "bucketized_column",
    "categorical_column_with_hash_bucket",
    "categorical_column_with_identity",
    "categorical_column_with_vocabulary_file",
    "categorical_column_with_vocabulary_list",
    "crossed_column",
    "deserialize_feature_column",
    "embedding_column",
    "indicator_column",
    "numeric_column",
    "sequence_categorical_column_with_hash_bucket",
    "sequence_categorical_column_with_identity",
    "sequence_categorical_column_with_vocabulary_file",
    "sequence_categorical_column_with_vocabulary_list",
    "sequence_numeric_column",
    "serialize_feature_column",
    "shared_embeddings",
    "weighted_categorical_column",
]
