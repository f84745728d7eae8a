"""BaseDepthwiseConv: the N-D depthwise convolution behind DepthwiseConv1D/2D.

Each input channel is convolved with its own `depth_multiplier` filters: torch's grouped convolution with one
group per input channel. Keras's kernel `kernel_size + (in, depth_multiplier)` reshaped to
`kernel_size + (1, in * depth_multiplier)` is an ordinary kernel of that convolution (a view, no copy), whose
output channel `c * depth_multiplier + m` is filter `m` of input channel `c`, as in Keras.
"""

from __future__ import annotations

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.convolutional.conv_layer import ConvLayer, positive_int
from kerasish.layers.convolutional.conv_utils import conv_output_shape, pop_keras2_groups


class BaseDepthwiseConv(ConvLayer):
    """N-D depthwise convolution: `activation(depthwise_conv(inputs, kernel) + bias)`.

    Args:
        rank: the number of spatial axes (1 or 2).
        depth_multiplier: the number of output channels per input channel.
        kernel_size: an int or `rank` ints, the window size.
        strides: an int or `rank` ints; `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` or `"same"` (TensorFlow's split: the extra padding at the end).
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        dilation_rate: an int or `rank` ints, the dilation of the window.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias (one per output channel, `in * depth_multiplier`).
        depthwise_initializer, bias_initializer: initializers of the kernel and the bias.
        depthwise_regularizer, bias_regularizer, activity_regularizer: penalties added to the model's losses.
        depthwise_constraint, bias_constraint: projections applied after each optimizer step.
    """

    def __init__(
        self,
        rank: int,
        depth_multiplier: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
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
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(channels * self.depth_multiplier,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._expect_channels(channels)
        self._torch_kernel_shape = self.kernel_size + (1, channels * self.depth_multiplier)
        self._conv = self._conv_op(groups=channels)

    def call(self, inputs):
        kernel = self.kernel.reshape(self._torch_kernel_shape).permute(self._kernel_order)
        outputs = self._conv(inputs, kernel, self.bias)
        return activations.apply_to_fresh(self.activation, outputs) if self._apply_activation else outputs

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1] if self.data_format == "channels_last" else input_shape[1]
        return conv_output_shape(
            self,
            input_shape,
            None if channels is None else channels * self.depth_multiplier,
            self.kernel_size,
            self.strides,
            self.padding,
            self.dilation_rate,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
