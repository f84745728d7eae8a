"""LSTM: Long Short-Term Memory (Hochreiter & Schmidhuber, 1997), gates in Keras's order i, f, c, o."""

from __future__ import annotations

import torch

from kerasish import activations, config, constraints, initializers, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerasish.layers.rnn.fused_rnn import fused_rnn, place_in_one_buffer, torch_weights
from kerasish.layers.rnn.rnn import RNN, cell_property


class LSTMCell(Layer, DropoutRNNCell):
    """One step of `LSTM`; its states are `[h, c]` (memory, carry) and its output is `h`.

    Weights: `kernel (input_dim, 4 * units)`, `recurrent_kernel (units, 4 * units)`, `bias (4 * units,)`, each
    with the gates in the order input, forget, cell, output (the same order torch uses).

    Args:
        units: the size of the output and of each state.
        activation: the activation of the cell candidate and the output (default `tanh`).
        recurrent_activation: the activation of the gates (default `sigmoid`).
        use_bias: whether to add a bias.
        kernel_initializer: initializer of the kernel (default `glorot_uniform`).
        recurrent_initializer: initializer of the recurrent kernel (default `orthogonal`).
        bias_initializer: initializer of the bias (default `zeros`).
        unit_forget_bias: add 1 to the forget gate's bias at initialization (Jozefowicz et al., 2015).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties on the weights.
        kernel_constraint, recurrent_constraint, bias_constraint: projections applied after optimizer steps.
        dropout: fraction of the inputs to drop (one mask per sequence).
        recurrent_dropout: fraction of the state `h` to drop in the recurrence (one mask per sequence and gate).
        seed: an int makes the dropout masks reproducible.

    Example:
        layer = RNN(LSTMCell(4), return_state=True)
        output, h, c = layer(torch.ones(2, 10, 8))
    """

    def __init__(
        self,
        units: int,
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
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received an invalid value for argument `units`, expected a positive integer, got {units}."
            )
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        # Keras's implementation 1 (one matmul per gate, one dropout mask per gate) is the one with recurrent
        # dropout; implementation 2 fuses the gates into one matmul.
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.seed = seed
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]
        self.output_size = units
        self._recurrent_bias = None  # torch's second bias: zeros, after the weights in their shared buffer

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], 4 * self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, 4 * self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            initializer = self._forget_bias_initializer if self.unit_forget_bias else self.bias_initializer
            self.bias = self.add_weight(
                shape=(4 * self.units,),
                name="bias",
                initializer=initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._place_weights()

    def _forget_bias_initializer(self, shape, dtype=None) -> torch.Tensor:
        """`bias_initializer` for the input, cell and output gates, ones for the forget gate."""
        u = self.units
        ones = torch.ones(u, dtype=config.standardize_dtype(dtype))
        return torch.cat([self.bias_initializer((u,), dtype=dtype), ones, self.bias_initializer((2 * u,), dtype=dtype)])

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        dropout = training and 0.0 < self.dropout < 1.0
        if self.implementation == 1:
            input_masks = self.get_dropout_mask(inputs) if dropout else [None] * 4
            state_masks = (
                self.get_recurrent_dropout_mask(h_prev)
                if training and 0.0 < self.recurrent_dropout < 1.0
                else [None] * 4
            )
            kernels = self.kernel.chunk(4, dim=1)
            recurrent_kernels = self.recurrent_kernel.chunk(4, dim=1)
            biases = self.bias.chunk(4) if self.bias is not None else [None] * 4
            z = []
            for kernel, recurrent_kernel, bias, input_mask, state_mask in zip(
                kernels, recurrent_kernels, biases, input_masks, state_masks
            ):
                x = inputs if input_mask is None else inputs * input_mask
                h = h_prev if state_mask is None else h_prev * state_mask
                gate = x @ kernel + h @ recurrent_kernel
                z.append(gate if bias is None else gate + bias)
        else:
            if dropout:
                inputs = inputs * self.get_dropout_mask(inputs)
            z = inputs @ self.kernel + h_prev @ self.recurrent_kernel
            if self.bias is not None:
                z = z + self.bias
            z = z.chunk(4, dim=1)
        i = self.recurrent_activation(z[0])
        f = self.recurrent_activation(z[1])
        c = f * c_prev + i * self.activation(z[2])
        o = self.recurrent_activation(z[3])
        h = o * self.activation(c)
        return h, [h, c]

    def torch_weights(self) -> list:
        """The weights as torch's LSTM kernels take them (the gate order is the same)."""
        weights = [self.kernel.T, self.recurrent_kernel.T]
        if self.bias is not None:
            weights += [self.bias, self._recurrent_bias]  # torch adds two biases; Keras has one
        return weights

    def _place_weights(self) -> None:
        weights = [self.kernel, self.recurrent_kernel] + ([self.bias] if self.bias is not None else [])
        zeros = place_in_one_buffer(weights, extra_zeros=4 * self.units if self.bias is not None else 0)
        self._recurrent_bias = zeros if self.bias is not None else None

    def _apply(self, fn, recurse=True):
        # A move or cast gives each weight storage of its own: put them back into one buffer.
        result = super()._apply(fn, recurse)
        if self.built:
            self._place_weights()
        return result

    def get_initial_state(self, batch_size: int | None = None) -> list:
        kernel = self.kernel
        return [torch.zeros(batch_size, d, dtype=kernel.dtype, device=kernel.device) for d in self.state_size]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
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


class LSTM(RNN):
    """Long Short-Term Memory layer (`RNN(LSTMCell(...))`).

    With `tanh`/`sigmoid` activations, no recurrent dropout and `unroll=False`, it runs on torch's fused LSTM
    kernel (cuDNN on CUDA), masks included when they are right-padded; other configurations run the cell step
    by step. Keras's and torch's gates are in the same order: the kernel gets the weights transposed, with no
    reordering.

    Args:
        units: the size of the output and of each state.
        activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        unit_forget_bias, kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed: as in `LSTMCell`.
        activity_regularizer: a penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.
        use_cudnn: "auto" uses the fused kernel when the configuration allows; True requires it (ValueError
            otherwise); False always steps the cell.

    Example:
        layer = LSTM(4, return_sequences=True, return_state=True)
        sequence, h, c = layer(torch.ones(2, 10, 8))  # (2, 10, 4), (2, 4), (2, 4)
    """

    def __init__(
        self,
        units: int,
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
        unroll: bool = False,
        use_cudnn="auto",
        **kwargs,
    ):
        cell = LSTMCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            unit_forget_bias=unit_forget_bias,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="lstm_cell",
            seed=seed,
            implementation=kwargs.pop("implementation", 2),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=3)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                f"Invalid valid received for argument `use_cudnn`. Expected one of {{'auto', True, "
                f"False}}. Received: use_cudnn={use_cudnn}"
            )
        self.use_cudnn = use_cudnn

    units = cell_property("units")
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
        if (
            self.use_cudnn in ("auto", True)
            and cell.activation is activations.tanh
            and cell.recurrent_activation is activations.sigmoid
            and not cell.recurrent_dropout
            and not self.unroll
        ):
            if training and 0.0 < cell.dropout < 1.0:
                sequences = sequences * cell.get_dropout_mask(sequences[:, 0])[:, None]
            weights = torch_weights(cell, [cell.kernel, cell.recurrent_kernel, cell.bias], cell.torch_weights)
            result = fused_rnn(
                "lstm",
                sequences,
                initial_state,
                weights,
                mask,
                self.go_backwards,
                self.return_sequences,
                self.zero_output_for_mask,
            )
            if result is not None:
                return result
        if self.use_cudnn is True:
            raise ValueError(
                "use_cudnn=True was specified, but the fused kernel does not support this layer "
                "configuration (it needs tanh/sigmoid activations, no recurrent dropout, unroll=False "
                "and a right-padded mask). Pass use_cudnn='auto' to fall back to the step loop."
            )
        return super().inner_loop(sequences, initial_state, mask, training)
