"""Weight constraints, and `get`/`serialize`/`deserialize` by name as in `keras.constraints`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kerasish.constraints.constraints import Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from kerasish.constraints.radial_constraint import RadialConstraint, radial_constraint
from kerasish.saving.object_registry import deserialize_keras_object, get_object, serialize_keras_object
from kerasish.utils import legacy as legacy_serialization

max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update(
    {
        "constraint": Constraint,
        "max_norm": MaxNorm,
        "min_max_norm": MinMaxNorm,
        "non_neg": NonNeg,
        "unit_norm": UnitNorm,
    }
)
# tf.keras 2's, which Keras 3 dropped: found by name too, outside Keras 3's table.
TF_KERAS_OBJECTS_DICT = {"RadialConstraint": RadialConstraint, "radial_constraint": RadialConstraint}


def serialize(constraint: Constraint, use_legacy_format: bool = False) -> dict:
    """The Keras 3 config dict of a constraint.

    Example:
        >>> serialize(NonNeg())
        {'module': 'keras.constraints', 'class_name': 'NonNeg', 'config': {}, 'registered_name': None}
    """
    if use_legacy_format:  # tf.keras 2's switch: Keras 2's {"class_name", "config"} shape
        return legacy_serialization.serialize_keras_object(constraint)
    return serialize_keras_object(constraint)


def deserialize(config: str | dict, custom_objects: dict | None = None, use_legacy_format: bool = False) -> Constraint:
    """Builds a constraint from a name or a serialized dict."""
    del use_legacy_format  # tf.keras 2's switch: Keras 2's and Keras 3's shapes are both read
    return deserialize_keras_object(
        config,
        module_objects={**ALL_OBJECTS_DICT, **TF_KERAS_OBJECTS_DICT},
        custom_objects=custom_objects,
        printable_module_name="constraint",
    )


def get(identifier: Any) -> Callable | None:
    """Returns a constraint from a name (default arguments), a serialized dict, a class or a callable.

    Example:
        >>> get("max_norm").max_value
        2
    """
    if identifier is None:
        return None
    return get_object(identifier, deserialize, "constraint")


__all__ = [
    "Constraint", "MaxNorm", "max_norm", "MinMaxNorm", "min_max_norm", "NonNeg", "non_neg", "UnitNorm", "unit_norm",
    "serialize", "deserialize", "get", "RadialConstraint", "radial_constraint",
]  # fmt: skip
