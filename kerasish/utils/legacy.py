"""`keras.utils.legacy` (also `keras.legacy.saving`): Keras 2's serialization, `{"class_name", "config"}` dicts.

Keras 3 kept these for code written against Keras 2's `serialize_keras_object`/`deserialize_keras_object`: an
object with `get_config` becomes `{"class_name": <registered name>, "config": <its config>}` (objects inside the
config serialized the same way and marked `"__passive_serialization__"`), a function or class its registered name.
Deserializing looks names up in dictionaries only (`custom_objects`, open scopes, registered objects, then
`module_objects`), never by importing a module a config names.
"""

from __future__ import annotations

import inspect
from typing import Any

from kerasish.saving.object_registry import CustomObjectScope, get_custom_objects, get_registered_name
from kerasish.saving.object_registry import get_registered_object as _get_registered_object

_PASSIVE = "__passive_serialization__"


def serialize_keras_object(instance: Any) -> Any:
    """Serializes an object to Keras 2's `{"class_name", "config"}` dict (a function or class to its name).

    Example:
        >>> serialize_keras_object(keras.layers.Dense(3))["class_name"]
        'Dense'
    """
    instance = inspect.unwrap(instance) if callable(instance) else instance
    if instance is None:
        return None
    if hasattr(instance, "get_config") and not inspect.isclass(instance):
        config = {}
        for key, item in instance.get_config().items():
            if isinstance(item, str):
                config[key] = item
                continue
            try:
                serialized = serialize_keras_object(item)
            except ValueError:
                config[key] = item
                continue
            if isinstance(serialized, dict) and not isinstance(item, dict):
                serialized[_PASSIVE] = True
            config[key] = serialized
        return {"class_name": get_registered_name(instance.__class__), "config": config}
    if hasattr(instance, "__name__"):
        return get_registered_name(instance)
    raise ValueError(f"Cannot serialize {instance} because it doesn't implement `get_config()`.")


def _unknown(printable_module_name: str, name: str) -> str:
    return (
        f"Unknown {printable_module_name}: '{name}'. Please ensure you are using a `keras.utils.custom_object_scope` "
        "and that this object is included in the scope."
    )


def _class_and_config(config: dict, module_objects, custom_objects, printable_module_name):
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(
            f"Improper config format for {config}. Expecting python dict contains `class_name` and `config` as keys"
        )
    cls = _get_registered_object(config["class_name"], custom_objects, module_objects)
    if cls is None:
        raise ValueError(_unknown(printable_module_name, config["class_name"]))
    cls_config = config["config"]
    if isinstance(cls_config, list):  # Keras 2.0's Sequential: a list of layer configs
        return cls, cls_config
    cls_config = dict(cls_config)
    for key, item in cls_config.items():
        if key == "name":  # a name is a name, even when a custom function is called the same
            continue
        if isinstance(item, dict) and _PASSIVE in item:
            cls_config[key] = deserialize_keras_object(
                item, module_objects=module_objects, custom_objects=custom_objects, printable_module_name="config_item"
            )
        elif isinstance(item, str) and inspect.isfunction(_get_registered_object(item, custom_objects, module_objects)):
            cls_config[key] = _get_registered_object(item, custom_objects, module_objects)
    return cls, cls_config


def deserialize_keras_object(
    identifier: Any,
    module_objects: dict | None = None,
    custom_objects: dict | None = None,
    printable_module_name: str = "object",
) -> Any:
    """Builds an object from Keras 2's serialized form (a `{"class_name", "config"}` dict or a name).

    Args:
        identifier: the serialized object.
        module_objects: the built-in objects to look names up in (`{"Dense": Dense, ...}`).
        custom_objects: user objects by name, looked up first.
        printable_module_name: what to call the object in error messages.

    Example:
        deserialize_keras_object({"class_name": "Dense", "config": {"units": 3}}, module_objects={"Dense": Dense})
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls, cls_config = _class_and_config(identifier, module_objects, custom_objects, printable_module_name)
        custom_objects = custom_objects or {}
        if hasattr(cls, "from_config"):
            if "custom_objects" in inspect.signature(cls.from_config).parameters:
                return cls.from_config(cls_config, custom_objects={**get_custom_objects(), **custom_objects})
            with CustomObjectScope(custom_objects):
                return cls.from_config(cls_config)
        with CustomObjectScope(custom_objects):
            return cls(**cls_config)
    if isinstance(identifier, str):
        obj = _get_registered_object(identifier, custom_objects, module_objects)
        if obj is None:
            raise ValueError(_unknown(printable_module_name, identifier))
        return obj() if inspect.isclass(obj) else obj
    if inspect.isfunction(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier}")
