"""ConvLSTM2D: a 2D convolutional LSTM over `(batch, time, *spatial, channels)` sequences."""

from __future__ import annotations

from kerasish.layers.rnn.conv_lstm import ConvLSTM


class ConvLSTM2D(ConvLSTM):
    """2D Convolutional LSTM: an LSTM whose input and recurrent transformations are 2D convolutions.

    Args:
        filters: the number of output channels.
        kernel_size, strides, dilation_rate: an int or 2 ints.
        padding: `"valid"` or `"same"` (of the input convolution; the recurrent one is always "same").
        data_format: `"channels_last"` (`(batch, time, *spatial, channels)`) or `"channels_first"`
            (`(batch, time, channels, *spatial)`); default: the configured image data format.
        activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        unit_forget_bias, kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
        return_sequences, return_state, go_backwards, stateful: as in `ConvLSTM`.

    Example:
        layer = ConvLSTM2D(4, 3, padding="same", return_sequences=True)
        y = layer(torch.ones((2, 5) + (6,) * 2 + (3,)))  # shape (2, 5) + (6,) * 2 + (4,)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs,
    ):
        super().__init__(
            rank=2,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            **kwargs,
        )
