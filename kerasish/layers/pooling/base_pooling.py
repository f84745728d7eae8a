"""BasePooling: the max and average pooling behind MaxPooling1D/2D/3D and AveragePooling1D/2D/3D.

"same" follows TensorFlow: `ceil(n / stride)` windows, padding split with the extra element at the end, and
padded positions never counted (an average is over the window's valid elements only). torch's pooling kernels
reach the same windows without copying the input: with stride > 1, torch's symmetric `padding` set to the left
padding plus `ceil_mode` adds the right padding (positions past the input are left out of the max and the
average); with stride 1 an even window pads one more on the left than TensorFlow, so torch pads the right
amount on both sides and the first, surplus, window is dropped.
"""

from __future__ import annotations

import torch.nn.functional as F

from kerasish.layers.convolutional.conv_utils import (
    channels_first_order,
    channels_last_order,
    conv_output_shape,
    same_padding,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer

_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class BasePooling(Layer):
    """N-D max or average pooling.

    Args:
        pool_size: an int or `pool_dimensions` ints, the window size.
        strides: an int or `pool_dimensions` ints; None means `pool_size`.
        pool_dimensions: the number of spatial axes (1, 2 or 3).
        pool_mode: `"max"` or `"average"`.
        padding: `"valid"` (windows inside the input) or `"same"` (`ceil(n / stride)` windows, TensorFlow's).
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
    """

    def __init__(
        self,
        pool_size,
        strides,
        pool_dimensions: int,
        pool_mode: str = "max",
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size")
        self.strides = standardize_tuple(pool_size if strides is None else strides, pool_dimensions, "strides")
        if pool_mode not in ("max", "average"):
            raise ValueError(f"`pool_mode` must be either 'max' or 'average'. Received: {pool_mode}.")
        self.pool_mode = pool_mode
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self._rank = pool_dimensions
        self._pool = (_MAX_POOL if pool_mode == "max" else _AVG_POOL)[pool_dimensions]
        self._channels_last = self.data_format == "channels_last"
        self._to_channels_first = channels_first_order(pool_dimensions)
        self._to_channels_last = channels_last_order(pool_dimensions)
        # With strides > 1 TensorFlow's "same" padding depends on the input length; otherwise it is fixed.
        self._size_dependent = self.padding == "same" and max(self.strides) > 1
        self._pool_padding, self._trim = 0, None
        if self.padding == "same" and not self._size_dependent:
            self._pool_padding, self._trim = self._same_args((1,) * pool_dimensions)

    def _same_args(self, spatial_shape):
        """(torch padding, output slices or None) giving TensorFlow's "same" windows (see the module docstring)."""
        pads = [same_padding(n, k, s) for n, k, s in zip(spatial_shape, self.pool_size, self.strides)]
        padding = tuple(right if s == 1 else left for (left, right), s in zip(pads, self.strides))
        surplus = [s == 1 and right > left for (left, right), s in zip(pads, self.strides)]
        if not any(surplus):
            return padding, None
        return padding, (slice(None), slice(None)) + tuple(slice(1, None) if x else slice(None) for x in surplus)

    def call(self, inputs):
        x = inputs.permute(self._to_channels_first) if self._channels_last else inputs
        padding, trim = self._pool_padding, self._trim
        if self._size_dependent:
            padding, trim = self._same_args(x.shape[2:])
        same = self.padding == "same"
        if self.pool_mode == "max":
            outputs = self._pool(x, self.pool_size, self.strides, padding, ceil_mode=same)
        else:
            outputs = self._pool(x, self.pool_size, self.strides, padding, ceil_mode=same, count_include_pad=False)
        if trim is not None:
            outputs = outputs[trim]
        return outputs.permute(self._to_channels_last) if self._channels_last else outputs

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1] if self._channels_last else input_shape[1]
        return conv_output_shape(
            self, input_shape, channels, self.pool_size, self.strides, self.padding, (1,) * self._rank
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }
