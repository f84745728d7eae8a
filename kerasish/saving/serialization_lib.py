"""`keras.saving.deserialize_keras_object`: any serialized Keras object, found by the module its config names."""

from __future__ import annotations

import numpy as np

from kerasish.saving import object_registry


def _deserializers() -> dict:
    """The package whose `deserialize` builds an object, by the second part of the module a Keras config names
    ("keras.layers", "keras.src.layers.core.dense" -> "layers"). Imported on first use: `kerasish.saving` is
    imported by the packages below it (for the registry), so this module cannot import them at its top."""
    from kerasish import activations, constraints, initializers, layers, losses, metrics, optimizers, regularizers
    from kerasish.mixed_precision.dtype_policy import deserialize as deserialize_policy

    return {
        "activations": activations.deserialize,
        "constraints": constraints.deserialize,
        "initializers": initializers.deserialize,
        "layers": layers.deserialize,
        "models": layers.deserialize,
        "losses": losses.deserialize,
        "metrics": metrics.deserialize,
        "optimizers": optimizers.deserialize,
        "learning_rate_schedules": optimizers.schedules.deserialize,
        "regularizers": regularizers.deserialize,
        "dtype_policies": deserialize_policy,
    }


def deserialize_keras_object(config, custom_objects: dict | None = None, safe_mode: bool = True, **kwargs):
    """Builds the object `serialize_keras_object` described: a layer, model, loss, metric, optimizer, initializer,
    regularizer, constraint, activation or dtype policy, a registered custom object, or plain data (lists, dicts,
    tuples, NumPy arrays, slices) holding them.

    Args:
        config: the serialized object (Keras 3's `{"module", "class_name", "config", "registered_name"}` dict, Keras
            2's `{"class_name", "config"}`, or plain data).
        custom_objects: user classes and functions by name, looked up first.
        safe_mode: refuse Python code stored in the config (Lambda layers), as `load_model` does.
    """
    with object_registry.SafeModeScope(safe_mode):
        return _deserialize(config, custom_objects)


def _deserialize(config, custom_objects):
    if isinstance(config, list):
        return [_deserialize(x, custom_objects) for x in config]
    if not isinstance(config, dict):
        return config
    class_name = config.get("class_name")
    inner = config.get("config")
    if class_name is None:
        return {key: _deserialize(value, custom_objects) for key, value in config.items()}
    if class_name == "__tuple__":
        return tuple(_deserialize(x, custom_objects) for x in inner["value"])
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__slice__":
        return slice(inner["start"], inner["stop"], inner["step"])
    if class_name == "__ellipsis__":
        return Ellipsis
    module = config.get("module") or ""
    parts = module.split(".")
    package = parts[2] if parts[:2] == ["keras", "src"] and len(parts) > 2 else parts[1] if len(parts) > 1 else None
    if package == "optimizers" and "schedules" in parts:
        package = "learning_rate_schedules"
    deserialize = _deserializers().get(package)
    if deserialize is None:  # a registered custom object ("module": None) or one kerasish files under its name
        return object_registry.deserialize_keras_object(config, custom_objects=custom_objects)
    return deserialize(config, custom_objects=custom_objects)
