"""LocallyConnected1D: tf.keras 2's unshared 1D convolution."""

from __future__ import annotations

from kerasish.layers.convolutional.base_locally_connected import BaseLocallyConnected


class LocallyConnected1D(BaseLocallyConnected):
    """Locally-connected layer for 1D inputs (tf.keras 2): a 1D convolution whose weights differ at every
    output position. Weights are in tf.keras 2's layouts, per `implementation` (see `BaseLocallyConnected`).

    Args:
        filters: the number of output channels.
        kernel_size, strides: an int or a tuple of 1 int.
        padding: `"valid"`, or `"same"` with implementation 2 or 3.
        data_format: `"channels_last"` (inputs `(batch, steps, channels)`) or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint, implementation: as in `BaseLocallyConnected`.

    Example:
        y = LocallyConnected1D(4, 3)(torch.ones(2, 10, 5))  # shape (2, 8, 4)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        implementation: int = 1,
        **kwargs,
    ):
        super().__init__(
            1,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            implementation=implementation,
            **kwargs,
        )
