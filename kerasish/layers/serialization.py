"""`serialize`/`deserialize` for any layer or model, by the registry's "layers" namespace.

This module imports no layer family: the classes a config may name are looked up in
`object_registry.builtin_objects("layers")` when a config is read (the families register there as
`kerasish.layers` exports them, models where they are defined), so layers that hold other layers (RNN,
Bidirectional, TimeDistributed, ...) can import it without importing the package that imports them.
"""

from __future__ import annotations

from kerasish.layers.input_layer import InputLayer
from kerasish.layers.layer import Layer
from kerasish.ops.operation import deserialize as _deserialize_operation
from kerasish.saving import object_registry
from kerasish.utils import legacy as legacy_serialization


def serialize(layer: Layer, use_legacy_format: bool = False) -> dict:
    """A layer's config in Keras 3's shape, with its `build_config` when built."""
    if use_legacy_format:  # tf.keras 2's switch: Keras 2's {"class_name", "config"} shape
        return legacy_serialization.serialize_keras_object(layer)
    config = object_registry.serialize_keras_object(layer)
    build_config = layer.get_build_config() if not isinstance(layer, InputLayer) else None
    if build_config is not None:
        config["build_config"] = build_config
    return config


def deserialize(config: dict, custom_objects: dict | None = None, use_legacy_format: bool = False) -> Layer:
    """Builds a layer (or model) from its config; `custom_objects` are visible to nested objects too."""
    del use_legacy_format  # tf.keras 2's switch: Keras 2's and Keras 3's shapes are both read
    if isinstance(config, dict) and str(config.get("module") or "").startswith(("keras.ops", "keras.src.ops")):
        # An op called in a functional graph; by module, since op names (Add, Softmax, ...) are layer names too.
        return _deserialize_operation(config)
    known = object_registry.builtin_objects("layers")
    with object_registry.CustomObjectScope(custom_objects or {}):
        layer = object_registry.deserialize_keras_object(
            config, module_objects=known, custom_objects=custom_objects, printable_module_name="layer"
        )
    if isinstance(config, dict) and config.get("build_config") and not layer.built:
        layer.build_from_config(config["build_config"])
    return layer
