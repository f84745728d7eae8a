"""DenseFeatures and SequenceFeatures: feature columns as a layer, TensorFlow's `tf.keras.layers.DenseFeatures`."""

from __future__ import annotations

import numpy as np
import torch

from kerasish import config
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.feature_column.base import (
    DenseColumn,
    FeatureCache,
    MultiHot,
    SequenceDenseColumn,
    deserialize,
    feature_keys,
    serialize,
)
from kerasish.feature_column.embedding import EmbeddingColumn, IndicatorColumn
from kerasish.feature_column.sequence import SequenceCategoricalColumn, sequence_length
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing.output_buffer import output_buffer, write_part


class _FeatureColumnLayer(Layer):
    """Holds sorted columns and their embedding tables; subclasses define which columns they take and `call`."""

    def __init__(self, feature_columns, trainable: bool = True, name: str | None = None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        columns = [deserialize(c) if isinstance(c, dict) else c for c in _as_list(feature_columns)]
        if not columns:
            raise ValueError(f"{type(self).__name__} needs at least one feature column.")
        for column in columns:
            self._check_column(column)
        names = [c.name for c in columns]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"Duplicate feature column names {duplicates}: two columns on one feature must differ "
                f"(e.g. put the feature in the inputs twice under different keys)."
            )
        # TensorFlow orders the outputs by column name, whatever order the columns were given in.
        self.feature_columns = sorted(columns, key=lambda c: c.name)
        self._table_attrs: dict[str, str] = {}

    def _check_column(self, column) -> None:
        raise TypeError(f"{type(self).__name__} does not define _check_column().")

    def build(self, input_shape=None):
        for column in self.feature_columns:
            if isinstance(column, EmbeddingColumn) and column.table_name not in self._table_attrs:
                self.add_weight(
                    shape=column.table_shape,
                    initializer=column.initializer,
                    trainable=column.trainable,
                    name=column.table_name,
                )
                self._table_attrs[column.table_name] = self._weight_specs[-1].attr

    def embedding_table(self, column: EmbeddingColumn) -> torch.Tensor:
        return getattr(self, self._table_attrs[column.table_name])

    def __call__(self, features, *args, **kwargs):
        if isinstance(features, dict) and any(isinstance(v, KerasTensor) for v in features.values()):
            outputs = super().__call__(features, *args, **kwargs)
            self._probe(features)  # dtype errors now, naming the column, rather than wrong numbers in fit()
            # The output is float whatever the inputs' dtypes (the symbolic default passes the first input's on).
            for output, dtype in zip(
                outputs if isinstance(outputs, (list, tuple)) else [outputs], (config.floatx(), "int64")
            ):
                output.dtype = dtype
            return outputs
        if not isinstance(features, dict) and hasattr(features, "items"):
            features = dict(features.items())  # a pandas DataFrame
        if isinstance(features, dict):
            features = {
                key: self._as_array(key, value) if isinstance(value, (list, tuple)) else value
                for key, value in features.items()
            }
        return super().__call__(features, *args, **kwargs)

    def _as_array(self, key: str, value) -> np.ndarray:
        try:
            array = np.asarray(value)
        except ValueError:
            array = None
        if array is None or array.dtype == object:
            users = [c.name for c in self.feature_columns if key in feature_keys(c)] or ["(none)"]
            raise ValueError(
                f"Feature '{key}' of column '{users[0]}' is ragged: every row needs the same number of "
                f"values (pad with '' or -1)."
            )
        return array

    def _probe(self, features: dict) -> None:
        """Runs the columns on one example of stand-in values of the declared input dtypes."""
        stand_ins = {}
        for key, value in features.items():
            if not isinstance(value, KerasTensor):
                continue
            shape = tuple(1 if d is None else d for d in value.shape)
            source = value._keras_history[0] if getattr(value, "_keras_history", None) else None
            if getattr(source, "holds_strings", False):
                stand_ins[key] = np.full(shape, "x")
            elif value.dtype.startswith(("float", "bfloat")):
                stand_ins[key] = np.zeros(shape, np.float32)
            else:
                stand_ins[key] = np.zeros(shape, np.int64)
        with torch.no_grad():
            self.call(stand_ins)

    def get_config(self) -> dict:
        return {**super().get_config(), "feature_columns": [serialize(c) for c in self.feature_columns]}


class DenseFeatures(_FeatureColumnLayer):
    """Turns a dict of raw features into one dense tensor through feature columns, as TensorFlow does.

    The outputs of the columns, sorted by column name, are flattened per example and concatenated. String features
    may be numpy arrays of strings, or the Fingerprint64 ids that the data loader makes of them in `fit`.

    Args:
        feature_columns: dense columns (`numeric_column`, `bucketized_column`, `embedding_column`,
            `indicator_column`, ...).
        trainable: whether embedding tables are trained.
        name: the layer's name.

    Example:
        columns = [numeric_column("age"), indicator_column(
            categorical_column_with_vocabulary_list("city", ["paris", "rome"]))]
        inputs = {"age": Input(shape=(1,), name="age"), "city": Input(shape=(1,), name="city", dtype="string")}
        x = DenseFeatures(columns)(inputs)  # (batch, 3)
    """

    def _check_column(self, column) -> None:
        if not isinstance(column, DenseColumn):
            raise ValueError(
                f"DenseFeatures takes dense columns (numeric, bucketized, embedding, indicator); "
                f"'{getattr(column, 'name', column)}' is a {type(column).__name__}: wrap categorical "
                f"columns in indicator_column or embedding_column."
            )
        if isinstance(getattr(column, "categorical_column", None), SequenceCategoricalColumn):
            raise ValueError(f"Column '{column.name}' is a sequence column: use SequenceFeatures.")

    def call(self, features, cols_to_output_tensors: dict | None = None, training=None):
        cache = FeatureCache(features)
        # Each column's output, indicator and one-hot ones as ids (MultiHot), then all written into one output.
        parts = []
        for column in self.feature_columns:
            multi_hot = getattr(column, "multi_hot", None)
            part = multi_hot(cache) if multi_hot is not None else column.dense_output(cache, self)
            parts.append(part if isinstance(part, MultiHot) else part.reshape(part.shape[0], -1))
        rows = parts[0].shape[0]
        for column, part in zip(self.feature_columns, parts):
            if part.shape[0] != rows:
                raise ValueError(
                    f"DenseFeatures: column '{column.name}' has {part.shape[0]} rows where "
                    f"'{self.feature_columns[0].name}' has {rows}; every feature needs the same batch size."
                )
        device = (parts[0].ids if isinstance(parts[0], MultiHot) else parts[0]).device
        out, zeroed = output_buffer(rows, sum(p.shape[1] for p in parts), config.standardize_dtype(None), device)
        start = 0
        for column, part in zip(self.feature_columns, parts):
            view = out[:, start : start + part.shape[1]]
            if isinstance(part, MultiHot):
                part.write(view, zeroed)
            else:
                write_part(view, part)
            if cols_to_output_tensors is not None:
                cols_to_output_tensors[column] = view
            start += part.shape[1]
        return out

    def compute_output_shape(self, input_shape):
        batch = next(iter(input_shape.values()))[0] if isinstance(input_shape, dict) else None
        return (batch, sum(c.variable_size for c in self.feature_columns))


class SequenceFeatures(_FeatureColumnLayer):
    """Sequence columns as `(sequence_input, sequence_length)`: `(batch, steps, sum of sizes)` and `(batch,)`.

    Args:
        feature_columns: `sequence_numeric_column`s and embedding/indicator columns of
            `sequence_categorical_column_*`s.

    Example:
        watched = sequence_categorical_column_with_identity("watched", 1000)
        x, lengths = SequenceFeatures([embedding_column(watched, 8)])({"watched": ids})  # ids (batch, steps)
    """

    def _check_column(self, column) -> None:
        sequence_of_ids = isinstance(column, (EmbeddingColumn, IndicatorColumn)) and isinstance(
            column.categorical_column, SequenceCategoricalColumn
        )
        if not (isinstance(column, SequenceDenseColumn) or sequence_of_ids):
            raise ValueError(
                f"SequenceFeatures takes sequence columns (sequence_numeric_column, or an embedding/"
                f"indicator of a sequence_categorical_column_*); got '{column.name}' "
                f"({type(column).__name__})."
            )

    def call(self, features, training=None):
        cache = FeatureCache(features)
        outputs = [column.sequence_output(cache, self) for column in self.feature_columns]
        steps = {o.shape[1] for o in outputs}
        if len(steps) > 1:
            raise ValueError(
                f"SequenceFeatures: the columns have different numbers of steps "
                f"{[(c.name, o.shape[1]) for c, o in zip(self.feature_columns, outputs)]}."
            )
        lengths = [sequence_length(column, cache) for column in self.feature_columns]
        return torch.cat([o.to(config.standardize_dtype(None)) for o in outputs], dim=-1), lengths[0]

    def compute_output_shape(self, input_shape):
        batch = next(iter(input_shape.values()))[0] if isinstance(input_shape, dict) else None
        return [(batch, None, sum(c.variable_size for c in self.feature_columns)), (batch,)]


def _as_list(columns) -> list:
    if isinstance(columns, dict) or not isinstance(columns, (list, tuple)):
        return [columns] if not isinstance(columns, (set, frozenset)) else sorted(columns, key=lambda c: c.name)
    return list(columns)
