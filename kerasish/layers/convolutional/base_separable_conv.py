"""BaseSeparableConv: the N-D separable convolution behind SeparableConv1D/2D.

A depthwise convolution (one group per input channel, Keras's `depthwise_kernel` reshaped as in
BaseDepthwiseConv) followed by a 1x1 pointwise convolution that mixes the channels into `filters`.
"""

from __future__ import annotations

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.convolutional.conv_layer import ConvLayer, ConvOp, positive_int
from kerasish.layers.convolutional.conv_utils import conv_output_shape, pop_keras2_groups


class BaseSeparableConv(ConvLayer):
    """N-D separable convolution: `activation(pointwise_conv(depthwise_conv(inputs)) + bias)`.

    Args:
        rank: the number of spatial axes (1 or 2).
        depth_multiplier: the number of depthwise output channels per input channel.
        filters: the number of output channels.
        kernel_size: an int or `rank` ints, the depthwise window size.
        strides: an int or `rank` ints; `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` or `"same"` (TensorFlow's split: the extra padding at the end).
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        dilation_rate: an int or `rank` ints, the dilation of the depthwise window.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias.
        depthwise_initializer, pointwise_initializer, bias_initializer: initializers of the two kernels and bias.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer: penalties added to
            the model's losses.
        depthwise_constraint, pointwise_constraint, bias_constraint: projections applied after each optimizer step.
    """

    def __init__(
        self,
        rank: int,
        depth_multiplier: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
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
        pop_keras2_groups(kwargs, self.__class__.__name__)
        # tf.keras 2 writes its Conv base's kernel_* arguments too and ignores them: the kernels here are the
        # depthwise and pointwise ones.
        for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            kwargs.pop(key, None)
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
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier")
        self.filters = positive_int(filters, "filters")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        ones = (1,) * rank
        self._pointwise_conv = ConvOp(rank, ones, ones, "valid", ones, self.data_format)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
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
        self._depthwise_shape = self.kernel_size + (1, channels * self.depth_multiplier)
        self._depthwise_conv = self._conv_op(groups=channels)

    def call(self, inputs):
        depthwise = self.depthwise_kernel.reshape(self._depthwise_shape).permute(self._kernel_order)
        outputs = self._depthwise_conv(inputs, depthwise)
        outputs = self._pointwise_conv(outputs, self.pointwise_kernel.permute(self._kernel_order), self.bias)
        return activations.apply_to_fresh(self.activation, outputs) if self._apply_activation else outputs

    def compute_output_shape(self, input_shape):
        return conv_output_shape(
            self, input_shape, self.filters, self.kernel_size, self.strides, self.padding, self.dilation_rate
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
