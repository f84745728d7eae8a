"""Layers, as `keras.layers`, and `serialize`/`deserialize` for any layer or model."""

from __future__ import annotations

# Each family package lists its public names in `__all__`; they are all `keras.layers` names.
from kerasish.layers.activations import *  # noqa: F401,F403
from kerasish.layers.attention import *  # noqa: F401,F403
from kerasish.layers.convolutional import *  # noqa: F401,F403
from kerasish.layers.core import *  # noqa: F401,F403
from kerasish.layers.input_layer import Input, InputLayer
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.merging import *  # noqa: F401,F403
from kerasish.layers.normalization import *  # noqa: F401,F403
from kerasish.layers.pooling import *  # noqa: F401,F403
from kerasish.layers.preprocessing import *  # noqa: F401,F403
from kerasish.layers.regularization import *  # noqa: F401,F403
from kerasish.layers.reshaping import *  # noqa: F401,F403
from kerasish.layers.rnn import *  # noqa: F401,F403
from kerasish.ops.operation import deserialize as _deserialize_operation
from kerasish.saving import object_registry
from kerasish.layers import (activations, attention, convolutional, core, merging, normalization, pooling,
                             preprocessing, regularization, reshaping, rnn)


def _register_layer_classes() -> None:
    """Every layer class exported here is a `keras.layers` name that configs may use. Models add themselves to the
    same namespace where they are defined (kerasish/models/), so reading a config needs no model class here."""
    register = object_registry.register_builtin("layers")
    for obj in list(globals().values()):
        if isinstance(obj, type) and issubclass(obj, Layer):
            register(obj)


_register_layer_classes()


def serialize(layer: Layer) -> dict:
    """A layer's config in Keras 3's shape, with its `build_config` when built."""
    config = object_registry.serialize_keras_object(layer)
    build_config = layer.get_build_config() if not isinstance(layer, InputLayer) else None
    if build_config is not None:
        config["build_config"] = build_config
    return config


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """Builds a layer (or model) from its config; `custom_objects` are visible to nested objects too."""
    if isinstance(config, dict) and str(config.get("module") or "").startswith(("keras.ops", "keras.src.ops")):
        # An op called in a functional graph; by module, since op names (Add, Softmax, ...) are layer names too.
        return _deserialize_operation(config)
    known = object_registry.builtin_objects("layers")
    with object_registry.CustomObjectScope(custom_objects or {}):
        layer = object_registry.deserialize_keras_object(config, module_objects=known, custom_objects=custom_objects,
                                                         printable_module_name="layer")
    if isinstance(config, dict) and config.get("build_config") and not layer.built:
        layer.build_from_config(config["build_config"])
    return layer


__all__ = sorted(
    {name for family in (activations, attention, convolutional, core, merging, normalization, pooling, preprocessing,
                         regularization, reshaping, rnn) for name in family.__all__}
    | {"Input", "InputLayer", "InputSpec", "Layer", "deserialize", "serialize"}
)
