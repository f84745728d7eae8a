"""Conv2DTranspose: 2D transposed convolution (sometimes called deconvolution)."""

from __future__ import annotations

from kerasish.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution, the gradient of a Conv2D with respect to its input: it upsamples by `strides`.

    The kernel has Keras's shape `kernel_size + (filters, input_channels)`.

    Args:
        filters: the number of output channels.
        kernel_size: an int or 2 ints, the window size.
        strides: an int or 2 ints; `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` (output `(n - 1) * stride + max(kernel, stride)`) or `"same"` (output `n * stride`).
        output_padding: an int or 2 ints (each less than its stride) that sets the output length to
            `(n - 1) * stride + kernel + output_padding` ("valid"), or None for the defaults above.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        dilation_rate: an int or 2 ints, the dilation of the window.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: initializers of the kernel and the bias.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the model's losses.
        kernel_constraint, bias_constraint: projections applied after each optimizer step.

    Example:
        layer = Conv2DTranspose(16, 3, strides=2, padding="same")
        y = layer(torch.ones(4, 7, 7, 32))  # shape (4, 14, 14, 16)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=(1, 1),
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
            rank=2,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
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
