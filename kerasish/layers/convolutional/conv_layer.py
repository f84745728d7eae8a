"""ConvLayer and ConvOp: what every convolution layer shares, its validated window and the torch call that runs it.

`ConvLayer.__init__` is the one place a convolution's `kernel_size`, `strides`, `dilation_rate`, `padding` and
`data_format` are normalised and checked (with Keras's error messages); BaseConv, BaseConvTranspose,
BaseDepthwiseConv and BaseSeparableConv add their kernels on top. Kernels stay in Keras's layout,
`kernel_size + (a, b)`; torch's `(b, a, *kernel_size)` is a permuted view of it. Channels-last inputs are permuted
to channels-first views (torch's `channels_last` memory format, which its convolution kernels run natively) and the
outputs permuted back, so no activation is copied to change layout.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import activations
from kerasish.layers.convolutional.conv_utils import (
    channels_first_order,
    channels_last_order,
    same_padding_args,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer

_CONV_FUNCTIONS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class ConvLayer(Layer):
    """Base of the convolution layers: the window geometry, checked once, with the activation and the bias flag.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        kernel_size: an int or `rank` ints, the window size.
        strides: an int or `rank` ints; `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` or `"same"`, or `"causal"` where `allow_causal` (Conv1D).
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        dilation_rate: an int or `rank` ints, the dilation of the window.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias.
        allow_causal: whether `padding="causal"` is accepted.
        **kwargs: the base Layer's arguments (`name`, `dtype`, `activity_regularizer`, ...).
    """

    def __init__(
        self,
        rank: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        allow_causal: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.rank = rank
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.padding = standardize_padding(padding, allow_causal=allow_causal)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.input_spec = InputSpec(ndim=rank + 2)
        self._apply_activation = self.activation is not activations.linear
        # Keras kernel `kernel_size + (a, b)` -> torch's `(b, a, *kernel_size)`.
        self._kernel_order = (rank + 1, rank) + tuple(range(rank))

    def _input_channels(self, input_shape) -> int:
        """The input's channel count, which must be known to build the layer."""
        channels = input_shape[-1] if self.data_format == "channels_last" else input_shape[1]
        if channels is None:
            raise ValueError(
                f'Layer "{self.name}" needs a known channel axis ({self.data_format}); received '
                f"input_shape={tuple(input_shape)}."
            )
        return channels

    def _expect_channels(self, channels: int) -> None:
        """Fixes the channel count the built layer accepts in its input spec."""
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: channels})

    def _conv_op(self, groups: int = 1) -> ConvOp:
        """The torch call of a convolution with this layer's window."""
        return ConvOp(
            self.rank, self.kernel_size, self.strides, self.padding, self.dilation_rate, self.data_format, groups
        )


def positive_int(value, name: str) -> int:
    """`value` if it is an int > 0, else Keras's ValueError for argument `name` (`filters`, `depth_multiplier`)."""
    if not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly positive value. Received {name}={value}."
        )
    return value


class ConvOp:
    """A convolution's geometry, resolved once when the layer is made: called with a torch-layout weight, it
    runs the convolution on inputs in the layer's data format, with Keras's (TensorFlow's) padding.

    Args:
        rank: the number of spatial axes.
        kernel_size, strides, dilation_rate: tuples of `rank` ints.
        padding: `"valid"`, `"same"` or `"causal"` (1-D only: pads `dilation * (kernel - 1)` on the left).
        data_format: `"channels_last"` or `"channels_first"`.
        groups: torch's `groups` (input channels for a depthwise convolution).
    """

    def __init__(self, rank: int, kernel_size, strides, padding: str, dilation_rate, data_format: str, groups: int = 1):
        self.conv = _CONV_FUNCTIONS[rank]
        self.kernel_size, self.strides, self.dilation_rate, self.groups = kernel_size, strides, dilation_rate, groups
        self.channels_last = data_format == "channels_last"
        self.to_channels_first = channels_first_order(rank)
        self.to_channels_last = channels_last_order(rank)
        # With strides > 1 TensorFlow's "same" padding depends on the input length; otherwise it is fixed.
        self.size_dependent = padding == "same" and max(strides) > 1
        if padding == "valid" or self.size_dependent:
            self.padding, self.pad = 0, None
        elif padding == "causal":
            self.padding, self.pad = 0, ((kernel_size[0] - 1) * dilation_rate[0], 0)
        else:
            self.padding, self.pad = same_padding_args((1,) * rank, kernel_size, strides, dilation_rate)

    def __call__(self, inputs: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        x = inputs.permute(self.to_channels_first) if self.channels_last else inputs
        padding, pad = self.padding, self.pad
        if self.size_dependent:
            padding, pad = same_padding_args(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)
        if pad is not None:
            x = F.pad(x, pad)
        outputs = self.conv(x, weight, bias, self.strides, padding, self.dilation_rate, self.groups)
        return outputs.permute(self.to_channels_last) if self.channels_last else outputs
