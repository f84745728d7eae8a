"""DepthwiseConv1D: 1D depthwise convolution, each input channel convolved with its own filters."""

from __future__ import annotations

from kerasish.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution: each input channel is convolved with `depth_multiplier` filters of its own, and
    the outputs are concatenated (`in * depth_multiplier` channels, channel `c * depth_multiplier + m`).

    The kernel has Keras's shape `kernel_size + (input_channels, depth_multiplier)`.

    Args:
        kernel_size: an int or 1 ints, the window size.
        strides: an int or 1 ints; `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` or `"same"` (TensorFlow's split: the extra padding at the end).
        depth_multiplier: the number of output channels per input channel.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        dilation_rate: an int or 1 ints, the dilation of the window.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias.
        depthwise_initializer, bias_initializer: initializers of the kernel and the bias.
        depthwise_regularizer, bias_regularizer, activity_regularizer: penalties added to the model's losses.
        depthwise_constraint, bias_constraint: projections applied after each optimizer step.

    Example:
        layer = DepthwiseConv1D(3, depth_multiplier=2)
        y = layer(torch.ones(4, 10, 3))  # shape (4, 8, 6)
    """

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            rank=1,
            depth_multiplier=depth_multiplier,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
