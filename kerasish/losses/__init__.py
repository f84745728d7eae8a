"""Losses, as `keras.losses`: `Loss` classes, loss functions, and `get`/`serialize`/`deserialize`."""

from __future__ import annotations

from typing import Any, Callable

from kerasish.losses.loss import Loss
from kerasish.losses.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_crossentropy,
)
from kerasish.saving.object_registry import deserialize_keras_object, get_object, serialize_keras_object

ALL_OBJECTS = {
    Loss,
    LossFunctionWrapper,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    MeanSquaredError,
    MeanAbsoluteError,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
    mean_squared_error,
    mean_absolute_error,
}

# Names and aliases exactly as keras.losses resolves them.
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update(
    {
        "bce": binary_crossentropy,
        "BCE": binary_crossentropy,
        "mae": mean_absolute_error,
        "MAE": mean_absolute_error,
        "mse": mean_squared_error,
        "MSE": mean_squared_error,
    }
)


def serialize(loss: Loss | Callable) -> dict:
    """Serializes a `Loss` instance or a loss function to Keras 3's config dict."""
    return serialize_keras_object(loss)


def deserialize(name: str | dict, custom_objects: dict | None = None) -> Loss | Callable:
    """Builds a `Loss` instance or returns a loss function from its name or config dict.

    Args:
        name: a name (`"mse"`, `"BinaryCrossentropy"`) or a config dict as `serialize` writes.
        custom_objects: user classes and functions by name.
    """
    return deserialize_keras_object(
        name, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, printable_module_name="loss"
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
    "MeanSquaredError",
    "MeanAbsoluteError",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "serialize",
    "deserialize",
    "get",
]
