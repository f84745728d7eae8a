"""BaseConv: the N-D convolution behind Conv1D/2D/3D.

The kernel stays in Keras's layout, `kernel_size + (in // groups, filters)`; ConvOp runs it as torch's
`(filters, in // groups, *kernel_size)`, a permuted view.
"""

from __future__ import annotations

import torch

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.convolutional.conv_layer import ConvLayer, positive_int
from kerasish.layers.convolutional.conv_utils import conv_output_shape


class BaseConv(ConvLayer):
    """N-D convolution (cross-correlation): `activation(conv(inputs, kernel) + bias)`.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: an int or `rank` ints, the window size.
        strides: an int or `rank` ints; `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` (none) or `"same"` (output length `ceil(input / stride)`, TensorFlow's split);
            Conv1D also takes `"causal"`.
        data_format: `"channels_last"` (`(batch, *spatial, channels)`) or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        dilation_rate: an int or `rank` ints, the dilation of the window.
        groups: split the input channels into this many groups, each convolved with `filters // groups` filters.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: initializers of the kernel and the bias.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the model's losses.
        kernel_constraint, bias_constraint: projections applied after each optimizer step.
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            rank,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            allow_causal=rank == 1,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.filters = positive_int(filters, "filters")
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups}.")
        if filters % groups:
            raise ValueError(
                f"The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}."
            )
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._conv = self._conv_op(groups)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f'Layer "{self.name}": the number of input channels must be evenly divisible by the '
                f"number of groups. Received groups={self.groups}, but the input has {channels} "
                f"channels (full input shape is {tuple(input_shape)})."
            )
        self.compute_output_shape(input_shape)  # rejects inputs too small for the window
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.data_format == "channels_last" and len(self.kernel_size) in (2, 3):
            with torch.no_grad():
                self.kernel.data = _in_torch_channels_last_memory(self.kernel.data)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._expect_channels(channels)

    def call(self, inputs):
        outputs = self._conv(inputs, self.kernel.permute(self._kernel_order), self.bias)
        return activations.apply_to_fresh(self.activation, outputs) if self._apply_activation else outputs

    def compute_output_shape(self, input_shape):
        return conv_output_shape(
            self, input_shape, self.filters, self.kernel_size, self.strides, self.padding, self.dilation_rate
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


def _in_torch_channels_last_memory(kernel: torch.Tensor) -> torch.Tensor:
    """The Keras-shaped kernel `(*kernel_size, in, out)` with its memory laid out as `(out, *kernel_size, in)`: the
    `(out, in, *kernel_size)` view the convolution takes is then torch's channels_last weight format, which oneDNN
    reads as it is. A plainly contiguous Keras kernel would be copied into that layout on every call (and its
    gradient back), a few percent of a ResNet's step."""
    rank = kernel.dim() - 2
    to_memory = (rank + 1, *range(rank), rank)  # Keras dims in the order they sit in memory
    back = [to_memory.index(axis) for axis in range(kernel.dim())]
    return kernel.permute(to_memory).contiguous().permute(back)
