"""SeparableConv2D: 2D depthwise convolution followed by a pointwise (1x1) convolution."""

from __future__ import annotations

from kerasish.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution: a depthwise convolution (each input channel with `depth_multiplier` filters of
    its own) followed by a pointwise convolution mixing the channels into `filters` outputs.

    Weights, in Keras's layout: `depthwise_kernel` `kernel_size + (in, depth_multiplier)`, `pointwise_kernel`
    `(1, 1) + (in * depth_multiplier, filters)`, `bias` `(filters,)`.

    Args:
        filters: the number of output channels.
        kernel_size: an int or 2 ints, the depthwise window size.
        strides: an int or 2 ints; `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` or `"same"` (TensorFlow's split: the extra padding at the end).
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        dilation_rate: an int or 2 ints, the dilation of the depthwise window.
        depth_multiplier: the number of depthwise output channels per input channel.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias.
        depthwise_initializer, pointwise_initializer, bias_initializer: initializers of the kernels and the bias.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer: penalties added to
            the model's losses.
        depthwise_constraint, pointwise_constraint, bias_constraint: projections applied after each optimizer step.

    Example:
        layer = SeparableConv2D(16, 3)
        y = layer(torch.ones(4, 8, 8, 3))  # shape (4, 6, 6, 16)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1),
        depth_multiplier: int = 1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            rank=2,
            depth_multiplier=depth_multiplier,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
