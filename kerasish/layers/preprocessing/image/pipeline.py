"""Pipeline: applies a list of layers one after the other, as one layer."""

from __future__ import annotations

from kerasish.layers.layer import _CONTEXT, Layer
from kerasish.layers.serialization import deserialize, serialize


class Pipeline(Layer):
    """Applies a series of layers to an input, like a Sequential model without the model's machinery: fit for a
    chain of preprocessing and augmentation layers. As in Keras, a direct call (without `training`) runs the layers
    in training mode.

    Args:
        layers: the layers, in order.
        name: the layer's name.

    Example:
        pipeline = Pipeline([AutoContrast(), RandomFlip(), RandomRotation(0.1)])
        augmented = pipeline(images)
    """

    def __init__(self, layers, name=None, **kwargs):
        if not isinstance(layers, (list, tuple)) or not all(isinstance(layer, Layer) for layer in layers):
            raise ValueError(f"Pipeline: `layers` should be a list of layers. Received: layers={layers!r}")
        super().__init__(name=name, **kwargs)
        self._pipeline_layers = list(layers)  # held as a ModuleList (Layer.__setattr__), so weights are tracked
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        return list(self._pipeline_layers)

    def __call__(self, *args, **kwargs):
        # Keras's call signature defaults to training=True: a direct top-level call augments.
        if kwargs.get("training") is None and _CONTEXT.training is None:
            kwargs["training"] = True
        return super().__call__(*args, **kwargs)

    def call(self, inputs, training=True):
        for layer in self._pipeline_layers:
            if layer._call_has_training and training is not None:
                inputs = layer(inputs, training=training)
            else:
                inputs = layer(inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self) -> dict:
        return {"layers": [serialize(layer) for layer in self._pipeline_layers], "name": self.name}

    @classmethod
    def from_config(cls, config_: dict):
        layers = config_.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "`Pipeline` config must contain a `layers` key mapping to a list of serialized layers. "
                f"Received config with layers={layers}."
            )
        return cls(**{**config_, "layers": [deserialize(layer) for layer in layers]})
