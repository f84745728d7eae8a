"""Layers, as `keras.layers`, and `serialize`/`deserialize` for any layer or model."""

from __future__ import annotations

from kerasish.layers.activations.activation import Activation
from kerasish.layers.core.dense import Dense
from kerasish.layers.core.embedding import Embedding
from kerasish.layers.core.lambda_layer import Lambda
from kerasish.layers.input_layer import Input, InputLayer
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.merging.add import Add, add
from kerasish.layers.merging.concatenate import Concatenate, concatenate
from kerasish.layers.regularization.dropout import Dropout
from kerasish.layers.reshaping.flatten import Flatten
from kerasish.layers.reshaping.reshape import Reshape
from kerasish.saving import object_registry

_LAYER_CLASSES = [Activation, Add, Concatenate, Dense, Dropout, Embedding, Flatten, InputLayer, Lambda, Layer,
                  Reshape]


def _module_objects() -> dict:
    from kerasish.models.functional import Functional
    from kerasish.models.sequential import Sequential

    objects = {cls.__name__: cls for cls in _LAYER_CLASSES}
    objects.update({"Functional": Functional, "Model": Functional, "Sequential": Sequential})
    return objects


def serialize(layer: Layer) -> dict:
    """A layer's config in Keras 3's shape, with its `build_config` when built."""
    config = object_registry.serialize_keras_object(layer)
    build_config = layer.get_build_config() if not isinstance(layer, InputLayer) else None
    if build_config is not None:
        config["build_config"] = build_config
    return config


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """Builds a layer (or model) from its config; `custom_objects` are visible to nested objects too."""
    with object_registry.CustomObjectScope(custom_objects or {}):
        layer = object_registry.deserialize_keras_object(config, module_objects=_module_objects(),
                                                         custom_objects=custom_objects,
                                                         printable_module_name="layer")
    if isinstance(config, dict) and config.get("build_config") and not layer.built:
        layer.build_from_config(config["build_config"])
    return layer


__all__ = [cls.__name__ for cls in _LAYER_CLASSES] + ["Input", "InputSpec", "add", "concatenate", "deserialize",
                                                      "serialize"]
