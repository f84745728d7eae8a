"""Metrics, as `keras.metrics`: `Metric` classes, metric functions, and `get`/`serialize`/`deserialize`."""

from __future__ import annotations

import re
from typing import Any, Callable

from kerasish.losses.losses import (
    binary_crossentropy,
    categorical_crossentropy,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_crossentropy,
)
from kerasish.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from kerasish.metrics.metric import Metric
from kerasish.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
)
from kerasish.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from kerasish.metrics.regression_metrics import MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError
from kerasish.saving.object_registry import deserialize_keras_object, get_object, serialize_keras_object

ALL_OBJECTS = {
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
}


def _snake_case(name: str) -> str:
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# As in keras.metrics: class names and their snake case name classes (so "accuracy" -> Accuracy),
# plus the short aliases.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
    }
)

# The functions a MeanMetricWrapper config may name (metric functions and the loss functions).
ALL_FUNCTIONS_DICT = {
    fn.__name__: fn
    for fn in (
        accuracy,
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        mean_squared_error,
        mean_absolute_error,
        binary_crossentropy,
        categorical_crossentropy,
        sparse_categorical_crossentropy,
    )
}


def serialize(metric: Metric | Callable) -> dict:
    """Serializes a `Metric` instance or a metric function to Keras 3's config dict."""
    return serialize_keras_object(metric)


def deserialize(config: str | dict, custom_objects: dict | None = None) -> Metric | Callable:
    """Builds a `Metric` instance (or returns a metric function) from its name or config dict.

    Args:
        config: a name (`"mae"`, `"BinaryAccuracy"`) or a config dict as `serialize` writes.
        custom_objects: user classes and functions by name.
    """
    # A serialized function names a function ("accuracy"), not the class of the same snake case name.
    is_function = isinstance(config, dict) and config.get("class_name") == "function"
    return deserialize_keras_object(
        config,
        module_objects=ALL_FUNCTIONS_DICT if is_function else ALL_OBJECTS_DICT,
        custom_objects=custom_objects,
        printable_module_name="metric",
    )


def get(identifier: Any) -> Metric | Callable | None:
    """Resolves a metric identifier as `keras.metrics.get` does.

    A name gives an instance of the named class (`"mae"` -> `MeanAbsoluteError()`, `"accuracy"` ->
    `Accuracy()`), a config dict the deserialized object; callables and `Metric` instances pass through,
    a class is instantiated, and None stays None. (Choosing binary/categorical/sparse accuracy for
    `"accuracy"` from the loss is the trainer's job.)

    Example:
        get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.7}})
    """
    if identifier is None:
        return None
    return get_object(identifier, deserialize, "metric")


__all__ = [
    "Metric",
    "Sum",
    "Mean",
    "MeanMetricWrapper",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "RootMeanSquaredError",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "mean_squared_error",
    "mean_absolute_error",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "serialize",
    "deserialize",
    "get",
]
