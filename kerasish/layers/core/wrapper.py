"""Wrapper: the base of layers that hold another layer and change how it is applied."""

from __future__ import annotations

from kerasish.layers import serialization
from kerasish.layers.layer import Layer
from kerasish.saving.object_registry import serialize_keras_object


class Wrapper(Layer):
    """Base class of layer wrappers (`TimeDistributed`, `SpectralNormalization`): holds `layer`, builds it with the
    wrapper's input shape, and serializes it inside the wrapper's config under `"layer"`.

    Args:
        layer: the layer to wrap.
        **kwargs: the base Layer's arguments (`name`, `dtype`, ...).

    Example:
        class Doubled(Wrapper):
            def call(self, inputs):
                return 2 * self.layer(inputs)

        y = Doubled(Dense(4))(torch.ones(2, 3))  # shape (2, 4)
    """

    def __init__(self, layer: Layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure wrapped layer is a "
                f"valid Keras layer."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._maybe_build(input_shape)

    def call(self, inputs, *args, **kwargs):
        return self.layer(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        return cls(serialization.deserialize(config.pop("layer"), custom_objects), **config)
