"""BaseAdaptivePooling: what the adaptive pooling layers share (the output size, the data format, the shapes)."""

from __future__ import annotations

from kerasish.layers.convolutional.conv_utils import standardize_data_format
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.ops import nn


class BaseAdaptivePooling(Layer):
    """Pools each channel to a fixed spatial `output_size`, whatever the input's size, with Keras's bins
    (output `i` of an axis of length `n` covers `[floor(i * n / out), ceil((i + 1) * n / out))`).

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        output_size: an int (the same for every spatial axis) or `rank` ints.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
    """

    _average = True

    def __init__(self, rank: int, output_size, data_format: str | None = None, **kwargs):
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            output_size = (output_size,) * rank
        elif isinstance(output_size, (tuple, list)) and len(output_size) == rank:
            output_size = tuple(output_size)
        else:
            raise ValueError(
                f"{self.__class__.__name__}: `output_size` must be an integer or a tuple of {rank} integers. "
                f"Received: output_size={output_size!r} of type {type(output_size).__name__}"
            )
        if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in output_size):
            raise ValueError(
                f"{self.__class__.__name__}: `output_size` must hold positive integers. "
                f"Received: output_size={output_size}"
            )
        super().__init__(**kwargs)
        self.output_size = output_size
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        if self._average:
            return nn.adaptive_average_pool(inputs, self.output_size, self.data_format)
        return nn.adaptive_max_pool(inputs, self.output_size, self.data_format)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self) -> dict:
        return {**super().get_config(), "output_size": self.output_size, "data_format": self.data_format}
