"""Losses, as `keras.losses`: `Loss` classes, loss functions, and `get`/`serialize`/`deserialize`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kerasish.losses.loss import Loss
from kerasish.losses.losses import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    categorical_hinge,
    cosine_similarity,
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
from kerasish.losses.reduction import Reduction
from kerasish.losses.segmentation_losses import Dice, Tversky, dice, tversky
from kerasish.losses.sequence_losses import CTC, ctc
from kerasish.losses.similarity_losses import Circle, circle
from kerasish.saving import object_registry
from kerasish.saving.object_registry import deserialize_keras_object, get_object, serialize_keras_object
from kerasish.utils import legacy as legacy_serialization

ALL_OBJECTS = {
    # Base
    Loss,
    LossFunctionWrapper,
    # Probabilistic
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    SparseCategoricalCrossentropy,
    kl_divergence,
    poisson,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    sparse_categorical_crossentropy,
    # Regression
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCosh,
    Huber,
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    cosine_similarity,
    log_cosh,
    huber,
    # Hinge
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    hinge,
    squared_hinge,
    categorical_hinge,
    # Image segmentation
    Dice,
    Tversky,
    dice,
    tversky,
    # Similarity
    Circle,
    circle,
    # Sequence
    CTC,
    ctc,
}

# Names and aliases as keras.losses resolves them, plus tf.keras 2's "logcosh", "huber_loss" and
# "kullback_leibler_divergence" (Keras 3 dropped them; kerasish accepts Keras 2 spellings, so old files load).
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update(
    {
        "bce": binary_crossentropy,
        "BCE": binary_crossentropy,
        "kld": kl_divergence,
        "KLD": kl_divergence,
        "mae": mean_absolute_error,
        "MAE": mean_absolute_error,
        "mse": mean_squared_error,
        "MSE": mean_squared_error,
        "mape": mean_absolute_percentage_error,
        "MAPE": mean_absolute_percentage_error,
        "msle": mean_squared_logarithmic_error,
        "MSLE": mean_squared_logarithmic_error,
        "logcosh": log_cosh,
        "huber_loss": huber,
        "kullback_leibler_divergence": kl_divergence,
    }
)
# tf.keras 2's short names, as attributes too (`keras.losses.mse(y_true, y_pred)`).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
# LossFunctionWrapper, defined before this table, reads it from the registry when it loads a config.
object_registry.register_builtins("losses", ALL_OBJECTS_DICT)


def serialize(loss: Loss | Callable, use_legacy_format: bool = False) -> dict:
    """Serializes a `Loss` instance or a loss function to Keras 3's config dict."""
    if use_legacy_format:  # tf.keras 2's switch: Keras 2's {"class_name", "config"} shape
        return legacy_serialization.serialize_keras_object(loss)
    return serialize_keras_object(loss)


def deserialize(
    name: str | dict, custom_objects: dict | None = None, use_legacy_format: bool = False
) -> Loss | Callable:
    """Builds a `Loss` instance or returns a loss function from its name or config dict.

    Args:
        name: a name (`"mse"`, `"BinaryCrossentropy"`) or a config dict as `serialize` writes.
        custom_objects: user classes and functions by name.
    """
    del use_legacy_format  # tf.keras 2's switch: Keras 2's and Keras 3's shapes are both read
    return deserialize_keras_object(
        name,
        module_objects=object_registry.builtin_objects("losses"),
        custom_objects=custom_objects,
        printable_module_name="loss",
    )


def get(identifier: Any) -> Loss | Callable | None:
    """Resolves a loss identifier as `keras.losses.get` does.

    A function name gives the function (`"categorical_crossentropy"`), a class name an instance with default
    arguments (`"CategoricalCrossentropy"`), a config dict the deserialized object; callables and `Loss`
    instances pass through, a class is instantiated, and None stays None.

    Example:
        get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    """
    if identifier is None:
        return None
    return get_object(identifier, deserialize, "loss")


__all__ = [
    "Loss",
    "LossFunctionWrapper",
    "CTC",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "dice",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "tversky",
    "serialize",
    "deserialize",
    "get",
    "Reduction",
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
