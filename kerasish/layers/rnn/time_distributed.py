"""TimeDistributed: applies one layer to every timestep of a sequence."""

from __future__ import annotations

from kerasish.layers.core.wrapper import Wrapper
from kerasish.layers.layer import Layer
from kerasish.utils import tree


class TimeDistributed(Wrapper):
    """Applies `layer` to every slice `inputs[:, t]` of a `(batch, timesteps, ...)` input, with shared weights.

    The timesteps are folded into the batch axis and the layer runs once, which is what Keras's per-timestep
    calls compute for any layer that treats the samples of a batch independently (all but batch-statistics
    layers such as BatchNormalization in training, whose statistics then cover all timesteps at once).

    Args:
        layer: the layer to apply.

    Call arguments:
        inputs: `(batch, timesteps, ...)`.
        training: passed to the layer if its `call` takes it.
        mask: `(batch, timesteps, ...)`, passed to the layer (per timestep) if its `call` takes it.

    Example:
        layer = TimeDistributed(Dense(8))
        y = layer(torch.ones(32, 10, 16))  # shape (32, 10, 8)
    """

    def __init__(self, layer: Layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. Received: {layer}"
            )
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    @staticmethod
    def _child_input_shape(input_shape) -> tuple:
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                f"dimensions, received: {input_shape}"
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        if not self.layer.built:
            self.layer._maybe_build(self._child_input_shape(input_shape))

    def call(self, inputs, training=None, mask=None):
        batch_size, timesteps = inputs.shape[0], inputs.shape[1]
        kwargs = {}
        if mask is not None:
            if mask.dim() < 2 or tuple(mask.shape[:2]) != (batch_size, timesteps):
                raise ValueError(
                    f"The `mask` passed to the `TimeDistributed` layer has a shape {tuple(mask.shape)} "
                    f"that is incompatible with the input shape {tuple(inputs.shape)}: its first two "
                    f"dimensions must be ({batch_size}, {timesteps})."
                )
            if self.layer._call_has_mask:
                kwargs["mask"] = mask.reshape(batch_size * timesteps, *mask.shape[2:])
        if self.layer._call_has_training:
            kwargs["training"] = training
        outputs = self.layer(inputs.reshape(batch_size * timesteps, *inputs.shape[2:]), **kwargs)
        return tree.map_structure(lambda y: y.reshape(batch_size, timesteps, *y.shape[1:]), outputs)

    def compute_output_shape(self, input_shape):
        child_output_shape = self.layer.compute_output_shape(self._child_input_shape(input_shape))
        return (child_output_shape[0], input_shape[1], *child_output_shape[1:])
