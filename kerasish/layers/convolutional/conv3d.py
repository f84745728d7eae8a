"""Conv3D: 3D convolution over volumes `(batch, depth, height, width, channels)`."""

from __future__ import annotations

from kerasish.layers.convolutional.base_conv import BaseConv


class Conv3D(BaseConv):
    """3D convolution over volumes `(batch, depth, height, width, channels)`.

    The kernel has Keras's shape `kernel_size + (input_channels // groups, filters)`.

    Args:
        filters: the number of output channels.
        kernel_size: an int or 3 ints, the window size.
        strides: an int or 3 ints; `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` or `"same"` (output size `ceil(input / stride)`, extra padding at the end as in TensorFlow).
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        dilation_rate: an int or 3 ints, the dilation of the window.
        groups: split the input channels into this many groups, each convolved with `filters // groups` filters.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: initializers of the kernel and the bias.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the model's losses.
        kernel_constraint, bias_constraint: projections applied after each optimizer step.

    Example:
        layer = Conv3D(8, 3)
        y = layer(torch.ones(2, 5, 6, 7, 3))  # shape (2, 3, 4, 5, 8)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1, 1),
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
            rank=3,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
