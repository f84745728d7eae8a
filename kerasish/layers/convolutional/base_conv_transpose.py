"""BaseConvTranspose: the N-D transposed convolution behind Conv1DTranspose/2DTranspose/3DTranspose.

Keras (like TensorFlow) defines the output window by a left and a right padding of the dilated input; torch by a
symmetric `padding` cropped from the full output plus an `output_padding` added on the right. Both are worked
out once per layer from Keras's rule: torch's `padding` is the left crop, its `output_padding` the difference of
the crops, and where that difference is negative (odd kernels with `"same"` and strides > 1) the surplus on the
right is sliced off.
"""

from __future__ import annotations

import torch.nn.functional as F

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.convolutional.conv_layer import ConvLayer, positive_int
from kerasish.layers.convolutional.conv_utils import (
    channels_first_order,
    channels_last_order,
    pop_keras2_groups,
    standardize_tuple,
)

_CONV_TRANSPOSE_FUNCTIONS = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def transpose_crops(
    kernel: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """How much Keras removes from each end of the full transposed output `(n - 1) * stride + effective_kernel`:
    (left, right); a negative right crop extends the output with positions no input reaches."""
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        left_pad, right_pad = effective - 1, effective - 1 + extra
    else:
        # Output length `n * stride` by default, else `(n - 1) * stride + effective % 2 + output_padding`.
        total = stride + effective - 2 if output_padding is None else effective + effective % 2 - 2 + output_padding
        left_pad = min(total // 2 + total % 2, effective - 1)
        right_pad = total - left_pad
    return effective - 1 - left_pad, effective - 1 - right_pad


class BaseConvTranspose(ConvLayer):
    """N-D transposed convolution (the gradient of a convolution): `activation(conv_transpose(x, kernel) + bias)`.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: an int or `rank` ints, the window size.
        strides: an int or `rank` ints; `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` (output `(n - 1) * stride + max(kernel, stride)`) or `"same"` (output `n * stride`).
        output_padding: an int or `rank` ints (each < its stride) added to the output length, or None.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        dilation_rate: an int or `rank` ints, the dilation of the window.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: initializers of the kernel `kernel_size + (filters, in)` and bias.
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
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=1,
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
        pop_keras2_groups(kwargs, self.__class__.__name__)
        super().__init__(
            rank,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.filters = positive_int(filters, "filters")
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = standardize_tuple(output_padding, rank, "output_padding", allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    f"`output_padding` must be strictly less than `strides` for all dimensions. "
                    f"Received: output_padding={self.output_padding}, strides={self.strides}"
                )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._conv_transpose = _CONV_TRANSPOSE_FUNCTIONS[rank]
        self._channels_last = self.data_format == "channels_last"
        self._to_channels_first, self._to_channels_last = channels_first_order(rank), channels_last_order(rank)
        output_paddings = self.output_padding or (None,) * rank
        self._crops = [
            transpose_crops(k, s, d, self.padding, p)
            for k, s, d, p in zip(self.kernel_size, self.strides, self.dilation_rate, output_paddings)
        ]
        self._torch_padding = tuple(left for left, _ in self._crops)
        self._torch_output_padding = tuple(max(left - right, 0) for left, right in self._crops)
        # Where the right crop exceeds the left one, torch's symmetric crop leaves that many extra positions.
        trims = [max(right - left, 0) for left, right in self._crops]
        self._trim = None
        if any(trims):
            self._trim = (slice(None), slice(None)) + tuple(slice(0, -t if t else None) for t in trims)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
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
        x = inputs.permute(self._to_channels_first) if self._channels_last else inputs
        outputs = self._conv_transpose(
            x,
            self.kernel.permute(self._kernel_order),
            self.bias,
            self.strides,
            self._torch_padding,
            self._torch_output_padding,
            1,
            self.dilation_rate,
        )
        if self._trim is not None:
            outputs = outputs[self._trim]
        if self._channels_last:
            outputs = outputs.permute(self._to_channels_last)
        return activations.apply_to_fresh(self.activation, outputs) if self._apply_activation else outputs

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = input_shape[1:-1] if self._channels_last else input_shape[2:]
        lengths = []
        for n, k, s, d, (left, right) in zip(spatial, self.kernel_size, self.strides, self.dilation_rate, self._crops):
            lengths.append(None if n is None else (n - 1) * s + (k - 1) * d + 1 - left - right)
        if any(n is not None and n <= 0 for n in lengths):
            raise ValueError(
                f'Layer "{self.name}": computed output size would be zero or negative. Received input '
                f"shape={input_shape}."
            )
        if self._channels_last:
            return (input_shape[0],) + tuple(lengths) + (self.filters,)
        return (input_shape[0], self.filters) + tuple(lengths)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
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
