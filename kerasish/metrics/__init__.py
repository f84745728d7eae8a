"""Metrics, as `keras.metrics`: `Metric` classes, metric functions, and `get`/`serialize`/`deserialize`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kerasish.losses.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from kerasish.metrics import experimental  # noqa: F401  (keras.metrics.experimental)
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
from kerasish.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from kerasish.metrics.correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from kerasish.metrics.f_score_metrics import F1Score, FBetaScore
from kerasish.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from kerasish.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from kerasish.metrics.mean_relative_error import MeanRelativeError
from kerasish.metrics.mean_tensor import MeanTensor
from kerasish.metrics.metric import Metric
from kerasish.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from kerasish.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from kerasish.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
)
from kerasish.saving import object_registry
from kerasish.saving.object_registry import deserialize_keras_object, get_object, serialize_keras_object
from kerasish.utils import legacy as legacy_serialization

ALL_OBJECTS = {
    # Base
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    MeanTensor,
    # Regression
    MeanRelativeError,
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCoshError,
    R2Score,
    # Classification
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
    # Correlation
    ConcordanceCorrelation,
    PearsonCorrelation,
    # Hinge
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    # Probabilistic
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    # Accuracy
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    # F-Score
    F1Score,
    FBetaScore,
    # IoU
    IoU,
    BinaryIoU,
    MeanIoU,
    OneHotIoU,
    OneHotMeanIoU,
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
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
    }
)

# The functions of `keras.metrics` (metric functions and the loss functions), which a MeanMetricWrapper config
# may name.
ALL_FUNCTIONS_DICT = {
    fn.__name__: fn
    for fn in (
        accuracy,
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        pearson_correlation,
        concordance_correlation,
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        binary_crossentropy,
        binary_focal_crossentropy,
        categorical_crossentropy,
        categorical_focal_crossentropy,
        sparse_categorical_crossentropy,
        hinge,
        squared_hinge,
        categorical_hinge,
        huber,
        kl_divergence,
        log_cosh,
        poisson,
    )
}

# MeanMetricWrapper, defined before these tables, reads the functions from the registry when it loads a config.
object_registry.register_builtins("metrics", ALL_OBJECTS_DICT)
object_registry.register_builtins("metric_functions", ALL_FUNCTIONS_DICT)

# tf.keras 2 also resolved these short function names; Keras 3's `get` knows only class names, so they are
# looked up after the classes and give the function (which compile wraps in a MeanMetricWrapper).
FUNCTION_ALIASES = {
    "kld": kl_divergence,
    "KLD": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
    "logcosh": log_cosh,
}

# tf.keras 2's short names of the functions, as attributes (`keras.metrics.mse(y_true, y_pred)`).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


def serialize(metric: Metric | Callable, use_legacy_format: bool = False) -> dict:
    """Serializes a `Metric` instance or a metric function to Keras 3's config dict."""
    if use_legacy_format:  # tf.keras 2's switch: Keras 2's {"class_name", "config"} shape
        return legacy_serialization.serialize_keras_object(metric)
    return serialize_keras_object(metric)


def deserialize(
    config: str | dict, custom_objects: dict | None = None, use_legacy_format: bool = False
) -> Metric | Callable:
    """Builds a `Metric` instance (or returns a metric function) from its name or config dict.

    Args:
        config: a name (`"mae"`, `"BinaryAccuracy"`) or a config dict as `serialize` writes.
        custom_objects: user classes and functions by name.
    """
    del use_legacy_format  # tf.keras 2's switch: Keras 2's and Keras 3's shapes are both read
    # A serialized function names a function ("accuracy"), not the class of the same snake case name; a plain
    # name is a class first ("hinge" -> Hinge), then a function ("huber", "kld").
    classes = object_registry.builtin_objects("metrics")
    functions = object_registry.builtin_objects("metric_functions")
    if isinstance(config, dict) and config.get("class_name") == "function":
        module_objects = functions
    elif isinstance(config, str):
        module_objects = {**functions, **FUNCTION_ALIASES, **classes}
    else:
        module_objects = classes
    return deserialize_keras_object(
        config,
        module_objects=module_objects,
        custom_objects=custom_objects,
        printable_module_name="metric",
    )


def get(identifier: Any) -> Metric | Callable | None:
    """Resolves a metric identifier as `keras.metrics.get` does.

    A name gives an instance of the named class (`"mae"` -> `MeanAbsoluteError()`, `"accuracy"` ->
    `Accuracy()`, `"auc"` -> `AUC()`), or else the named function (`"huber"`, and tf.keras 2's `"kld"` and
    `"logcosh"`); a config dict gives the deserialized object; callables and `Metric` instances pass through,
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
    "AUC",
    "FalseNegatives",
    "FalsePositives",
    "TrueNegatives",
    "TruePositives",
    "Precision",
    "Recall",
    "PrecisionAtRecall",
    "RecallAtPrecision",
    "SensitivityAtSpecificity",
    "SpecificityAtSensitivity",
    "F1Score",
    "FBetaScore",
    "IoU",
    "BinaryIoU",
    "MeanIoU",
    "OneHotIoU",
    "OneHotMeanIoU",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "RootMeanSquaredError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
    "CosineSimilarity",
    "LogCoshError",
    "R2Score",
    "PearsonCorrelation",
    "ConcordanceCorrelation",
    "Hinge",
    "SquaredHinge",
    "CategoricalHinge",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "KLDivergence",
    "Poisson",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "pearson_correlation",
    "concordance_correlation",
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "poisson",
    "serialize",
    "deserialize",
    "get",
    "MeanRelativeError",
    "MeanTensor",
    "mse",
    "MSE",
    "mae",
    "MAE",
    "mape",
    "MAPE",
    "msle",
    "MSLE",
    "kld",
    "KLD",
    "kullback_leibler_divergence",
    "logcosh",
]
