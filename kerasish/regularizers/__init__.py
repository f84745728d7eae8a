"""Regularizers, and `get`/`serialize`/`deserialize` by name as in `keras.regularizers`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kerasish.regularizers.regularizers import L1, L1L2, L2, OrthogonalRegularizer, Regularizer
from kerasish.saving.object_registry import deserialize_keras_object, get_object, serialize_keras_object
from kerasish.utils import legacy as legacy_serialization

l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update(
    {
        "regularizer": Regularizer,
        "l1": L1,
        "l2": L2,
        "l1l2": L1L2,  # Keras's snake_case of the class name
        "l1_l2": L1L2,  # Keras's public alias
        "orthogonal_regularizer": OrthogonalRegularizer,
    }
)


def serialize(regularizer: Regularizer, use_legacy_format: bool = False) -> dict:
    """The Keras 3 config dict of a regularizer.

    Example:
        >>> serialize(L2(0.1))
        {'module': 'keras.regularizers', 'class_name': 'L2', 'config': {'l2': 0.1}, 'registered_name': None}
    """
    if use_legacy_format:  # tf.keras 2's switch: Keras 2's {"class_name", "config"} shape
        return legacy_serialization.serialize_keras_object(regularizer)
    return serialize_keras_object(regularizer)


def deserialize(config: str | dict, custom_objects: dict | None = None, use_legacy_format: bool = False) -> Regularizer:
    """Builds a regularizer from a name or a serialized dict."""
    del use_legacy_format  # tf.keras 2's switch: Keras 2's and Keras 3's shapes are both read
    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, printable_module_name="regularizer"
    )


def get(identifier: Any) -> Callable | None:
    """Returns a regularizer from a name (default factors), a serialized dict, a class or a callable.

    Example:
        >>> get("l2").l2
        0.01
    """
    if identifier is None:
        return None
    return get_object(identifier, deserialize, "regularizer")


__all__ = [
    "Regularizer", "L1", "l1", "L2", "l2", "L1L2", "l1_l2", "OrthogonalRegularizer", "orthogonal_regularizer",
    "serialize", "deserialize", "get",
]  # fmt: skip
