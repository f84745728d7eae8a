"""Flatten: (batch, ...) -> (batch, prod(...))."""

from __future__ import annotations

import math

from kerasish import config
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer


class Flatten(Layer):
    """Flattens every axis but the batch axis.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; with channels_first the input is moved to
            channels-last first, so weights after it keep their order across formats (as Keras does).

    Example:
        Flatten()(torch.ones(2, 3, 4)).shape  # (2, 12)
    """

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or config.image_data_format()
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.dim() > 2:
            inputs = inputs.permute(0, *range(2, inputs.dim()), 1)
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}
