"""ConvLSTMCell and ConvLSTM: an LSTM whose input and recurrent transformations are convolutions (Shi et al., 2015).

The gates are in Keras's order i, f, c, o along the last axis of `kernel (*kernel_size, channels, 4 * filters)`,
`recurrent_kernel (*kernel_size, filters, 4 * filters)` and `bias (4 * filters,)`. Work runs channels-first (torch's
convolution layout); channels-last inputs and states are moved there and back. The input convolution of every step
is computed in one call before the recurrence (timesteps folded into the batch), so only the recurrent convolution
runs per step. Per-gate dropout masks become one grouped convolution (groups=4) over the four masked copies.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import activations, config, constraints, initializers, regularizers
from kerasish.layers.convolutional.conv_utils import (
    conv_output_length,
    same_padding_args,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerasish.layers.rnn.rnn import RNN, _where, cell_property

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class ConvLSTMCell(Layer, DropoutRNNCell):
    """One step of a ConvLSTM; its states are `[h, c]`, each shaped like the convolution's output.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: the number of output channels (and of each state's channels).
        kernel_size, strides, dilation_rate: an int or `rank` ints; `strides > 1` excludes `dilation_rate > 1`.
            Strides and dilation apply to the input convolution; the recurrent one is stride 1, "same".
        padding: `"valid"` or `"same"` for the input convolution.
        data_format: `"channels_last"` or `"channels_first"` (default: the configured image data format).
        activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        unit_forget_bias, kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint: as in `LSTMCell`.
        dropout, recurrent_dropout: fractions of the inputs / of `h` to drop, one mask per gate and sequence.
        seed: an int makes the dropout masks reproducible.
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
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        if rank not in (1, 2, 3):
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. Received: rank={rank}")
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly positive integer. Received: "
                f"filters={filters}"
            )
        kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        strides = standardize_tuple(strides, rank, "strides", allow_zero=True)
        dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        padding = standardize_padding(padding)
        data_format = standardize_data_format(data_format)
        if max(strides) > 1 and max(dilation_rate) > 1:
            raise ValueError(
                f"Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please provide "
                f"`strides=1` or `dilation_rate=1`. Received: strides={strides} and dilation_rate={dilation_rate}"
            )
        super().__init__(**kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.data_format = data_format
        self.dilation_rate = dilation_rate
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.dropout_mask_count = 4
        self.seed = seed
        self.input_spec = InputSpec(ndim=rank + 2)
        self.state_size = [-1, -1]  # two states shaped like the output (known after build)
        self.spatial_dims = None
        self.input_dim = None

    def build(self, input_shape, states_shape=None):
        channels_last = self.data_format == "channels_last"
        channel_axis = -1 if channels_last else 1
        self.spatial_dims = tuple(input_shape[1:-1] if channels_last else input_shape[2:])
        if None in self.spatial_dims:
            raise ValueError(
                f"ConvLSTM layers only support static input shapes for the spatial dimension. Received invalid "
                f"input shape: input_shape={tuple(input_shape)}"
            )
        if input_shape[channel_axis] is None:
            raise ValueError(
                f"The channel dimension of the inputs should be defined. Found None. Full input shape received: "
                f"input_shape={tuple(input_shape)}"
            )
        self.input_dim = input_dim = int(input_shape[channel_axis])
        self._recurrent_padding = same_padding_args(
            self.spatial_dims, self.kernel_size, (1,) * self.rank, (1,) * self.rank
        )
        self.kernel = self.add_weight(
            shape=self.kernel_size + (input_dim, 4 * self.filters),
            initializer=self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, 4 * self.filters),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            initializer = self._forget_bias_initializer if self.unit_forget_bias else self.bias_initializer
            self.bias = self.add_weight(
                shape=(4 * self.filters,),
                name="bias",
                initializer=initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _forget_bias_initializer(self, shape, dtype=None) -> torch.Tensor:
        f = self.filters
        ones = torch.ones(f, dtype=config.standardize_dtype(dtype))
        return torch.cat([self.bias_initializer((f,), dtype=dtype), ones, self.bias_initializer((2 * f,), dtype=dtype)])

    # ---- the two convolutions, channels-first ------------------------------------------------------------

    def _torch_kernel(self, kernel: torch.Tensor) -> torch.Tensor:
        # Keras's (*kernel_size, in, out) -> torch's (out, in, *kernel_size); gate-major outputs stay gate-major.
        n = self.rank
        return kernel.permute((n + 1, n) + tuple(range(n)))

    def project_inputs(self, inputs: torch.Tensor, training: bool = False) -> torch.Tensor:
        """The input convolution (bias included) of channels-first steps `(batch, steps, channels, *spatial)`:
        `(batch, steps, 4 * filters, *output_spatial)`, gates in the order i, f, c, o."""
        batch, steps = inputs.shape[:2]
        x = inputs.reshape(batch * steps, *inputs.shape[2:])
        weight = self._torch_kernel(self.kernel).to(x.dtype)
        groups = 1
        if training and 0.0 < self.dropout < 1.0:
            masks = self.get_dropout_mask(inputs[:, 0])  # one mask per gate, shared by all steps
            # The kernel's gate-major outputs, grouped by 4, each see their own masked copy of the input.
            x = torch.cat([(inputs * m.unsqueeze(1)).reshape(x.shape) for m in masks], dim=1)
            groups = 4
        padding = 0
        if self.padding == "same":
            padding, pad = same_padding_args(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)
            if pad is not None:  # asymmetric: TensorFlow's extra pixel after
                x = F.pad(x, pad)
        bias = self.bias.to(x.dtype) if self.bias is not None else None
        z = _CONV[self.rank](x, weight, bias, self.strides, padding, self.dilation_rate, groups)
        return z.reshape(batch, steps, *z.shape[1:])

    def recurrent_step(self, z_inputs: torch.Tensor, h: torch.Tensor, c: torch.Tensor, training: bool = False):
        """One step from the projected input `z_inputs` and channels-first states: the new `(h, c)`."""
        weight = self._torch_kernel(self.recurrent_kernel).to(h.dtype)
        groups = 1
        if training and 0.0 < self.recurrent_dropout < 1.0:
            h = torch.cat([h * m for m in self.get_recurrent_dropout_mask(h)], dim=1)
            groups = 4
        # "same", stride 1: symmetric for odd kernels (torch pads in the convolution), else the extra pixel after.
        padding, pad = self._recurrent_padding
        if pad is not None:
            h = F.pad(h, pad)
        z = z_inputs + _CONV[self.rank](h, weight, None, 1, padding, 1, groups)
        z_i, z_f, z_c, z_o = z.chunk(4, dim=1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        return o * self.activation(c), c

    # ---- the cell API --------------------------------------------------------------------------------------

    def _to_channels_first(self, x: torch.Tensor) -> torch.Tensor:
        return torch.movedim(x, -1, 1) if self.data_format == "channels_last" else x

    def _from_channels_first(self, x: torch.Tensor) -> torch.Tensor:
        return torch.movedim(x, 1, -1) if self.data_format == "channels_last" else x

    def call(self, inputs, states, training=False):
        x = self._to_channels_first(inputs).unsqueeze(1)
        h, c = (self._to_channels_first(s) for s in states[:2])
        h, c = self.recurrent_step(self.project_inputs(x, training)[:, 0], h, c, training)
        h, c = self._from_channels_first(h), self._from_channels_first(c)
        return h, [h, c]

    def output_spatial_dims(self, spatial_dims) -> tuple:
        return tuple(
            conv_output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(spatial_dims, self.kernel_size, self.strides, self.dilation_rate)
        )

    def compute_output_shape(self, inputs_shape, states_shape=None):
        channels_last = self.data_format == "channels_last"
        spatial = self.output_spatial_dims(inputs_shape[1:-1] if channels_last else inputs_shape[2:])
        if channels_last:
            shape = (inputs_shape[0],) + spatial + (self.filters,)
        else:
            shape = (inputs_shape[0], self.filters) + spatial
        return shape, [shape, shape]

    def get_initial_state(self, batch_size: int | None = None) -> list:
        spatial = self.output_spatial_dims(self.spatial_dims)
        if self.data_format == "channels_last":
            shape = (batch_size,) + spatial + (self.filters,)
        else:
            shape = (batch_size, self.filters) + spatial
        kernel = self.kernel
        return [torch.zeros(shape, dtype=kernel.dtype, device=kernel.device) for _ in range(2)]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


class ConvLSTM(RNN):
    """Base of ConvLSTM1D/2D/3D: `RNN(ConvLSTMCell(rank, ...))` over `(batch, time, *spatial, channels)` inputs
    (or `(batch, time, channels, *spatial)` with `data_format="channels_first"`).

    Args:
        rank: the number of spatial axes.
        filters, kernel_size, strides, padding, data_format, dilation_rate, activation, recurrent_activation,
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer, unit_forget_bias,
        kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
        bias_constraint, dropout, recurrent_dropout, seed: as in `ConvLSTMCell`.
        activity_regularizer: a penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful: as in `RNN` (also `unroll`, accepted and
            recorded; steps always run as a Python loop).
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
        cell = ConvLSTMCell(
            rank=rank,
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
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            name="conv_lstm_cell",
            dtype=kwargs.get("dtype"),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=rank + 3)

    filters = cell_property("filters")
    kernel_size = cell_property("kernel_size")
    strides = cell_property("strides")
    padding = cell_property("padding")
    data_format = cell_property("data_format")
    dilation_rate = cell_property("dilation_rate")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
    unit_forget_bias = cell_property("unit_forget_bias")
    kernel_regularizer = cell_property("kernel_regularizer")
    recurrent_regularizer = cell_property("recurrent_regularizer")
    bias_regularizer = cell_property("bias_regularizer")
    kernel_constraint = cell_property("kernel_constraint")
    recurrent_constraint = cell_property("recurrent_constraint")
    bias_constraint = cell_property("bias_constraint")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")
    seed = cell_property("seed")

    def inner_loop(self, sequences, initial_state, mask, training):
        cell = self.cell
        channels_last = cell.data_format == "channels_last"
        x = torch.movedim(sequences, -1, 2) if channels_last else sequences  # (batch, time, channels, *spatial)
        h, c = (cell._to_channels_first(s) for s in initial_state)
        steps = cell.project_inputs(x, training).unbind(1)
        masks = mask.bool().unbind(1) if mask is not None else None
        if self.go_backwards:
            steps = steps[::-1]
            masks = masks[::-1] if masks is not None else None
        outputs, previous = [], None
        for t, z in enumerate(steps):
            new_h, new_c = cell.recurrent_step(z, h, c, training)
            if masks is None:
                output, h, c = new_h, new_h, new_c
            else:
                keep = masks[t]
                fallback = torch.zeros_like(new_h) if self.zero_output_for_mask or previous is None else previous
                output = previous = _where(keep, new_h, fallback)
                h, c = _where(keep, new_h, h), _where(keep, new_c, c)
            if self.return_sequences:
                outputs.append(output)
        to_format = cell._from_channels_first
        sequence = None
        if self.return_sequences:
            sequence = torch.stack(outputs, 1)
            sequence = torch.movedim(sequence, 2, -1) if channels_last else sequence
        return to_format(output), sequence, [to_format(h), to_format(c)]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch_size, steps = sequences_shape[0], sequences_shape[1]
        state_shape = self.cell.compute_output_shape((batch_size,) + tuple(sequences_shape[2:]))[0]
        output_shape = (batch_size, steps) + state_shape[1:] if self.return_sequences else state_shape
        if self.return_state:
            return output_shape, state_shape, state_shape
        return output_shape
