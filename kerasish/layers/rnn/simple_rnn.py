"""SimpleRNN: the fully-connected recurrence `h = activation(x @ kernel + h @ recurrent_kernel + bias)`."""

from __future__ import annotations

import torch

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerasish.layers.rnn.fused_rnn import fused_rnn, place_in_one_buffer, torch_weights
from kerasish.layers.rnn.rnn import RNN, cell_property

# Activations torch's fused simple-RNN kernels compute.
_FUSED_KINDS = {activations.tanh: "rnn_tanh", activations.relu: "rnn_relu"}


class SimpleRNNCell(Layer, DropoutRNNCell):
    """One step of `SimpleRNN`: `output = activation(inputs @ kernel + state @ recurrent_kernel + bias)`.

    Args:
        units: the size of the output and the state.
        activation: the activation (default `tanh`; None means linear).
        use_bias: whether to add a bias.
        kernel_initializer: initializer of the `(input_dim, units)` kernel (default `glorot_uniform`).
        recurrent_initializer: initializer of the `(units, units)` recurrent kernel (default `orthogonal`).
        bias_initializer: initializer of the bias (default `zeros`).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties on the weights.
        kernel_constraint, recurrent_constraint, bias_constraint: projections applied after optimizer steps.
        dropout: fraction of the inputs to drop (one mask per sequence).
        recurrent_dropout: fraction of the state to drop in the recurrence (one mask per sequence).
        seed: an int makes the dropout masks reproducible.

    Example:
        layer = RNN(SimpleRNNCell(4))
        y = layer(torch.ones(2, 10, 8))  # shape (2, 4)
    """

    def __init__(
        self,
        units: int,
        activation="tanh",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
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
        super().__init__(**kwargs)
        self.seed = seed
        self.units = units
        self.activation = activations.get(activation)
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
        self.state_size = units
        self.output_size = units
        self._recurrent_bias = None  # torch's second bias: zeros, after the weights in their shared buffer

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._place_weights()

    def call(self, inputs, states, training=False):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs)
        h = inputs @ self.kernel
        if self.bias is not None:
            h = h + self.bias
        if training and 0.0 < self.recurrent_dropout < 1.0:
            previous = previous * self.get_recurrent_dropout_mask(previous)
        output = self.activation(h + previous @ self.recurrent_kernel)
        return output, [output] if isinstance(states, (list, tuple)) else output

    def torch_weights(self) -> list:
        """The weights as torch's simple-RNN kernels take them."""
        weights = [self.kernel.T, self.recurrent_kernel.T]
        if self.bias is not None:
            weights += [self.bias, self._recurrent_bias]  # torch adds two biases; Keras has one
        return weights

    def _place_weights(self) -> None:
        weights = [self.kernel, self.recurrent_kernel] + ([self.bias] if self.bias is not None else [])
        zeros = place_in_one_buffer(weights, extra_zeros=self.units if self.bias is not None else 0)
        self._recurrent_bias = zeros if self.bias is not None else None

    def _apply(self, fn, recurse=True):
        # A move or cast gives each weight storage of its own: put them back into one buffer.
        result = super()._apply(fn, recurse)
        if self.built:
            self._place_weights()
        return result

    def get_initial_state(self, batch_size: int | None = None) -> list:
        kernel = self.kernel
        return [torch.zeros(batch_size, self.units, dtype=kernel.dtype, device=kernel.device)]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
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


class SimpleRNN(RNN):
    """A fully-connected RNN whose output is fed back as its state (`RNN(SimpleRNNCell(...))`).

    With a `tanh` or `relu` activation and no recurrent dropout, it runs on torch's fused RNN kernel.

    Args:
        units: the size of the output and the state.
        activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
        recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint,
        dropout, recurrent_dropout, seed: as in `SimpleRNNCell`.
        activity_regularizer: a penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.

    Example:
        layer = SimpleRNN(4, return_sequences=True)
        y = layer(torch.ones(2, 10, 8))  # shape (2, 10, 4)
    """

    def __init__(
        self,
        units: int,
        activation="tanh",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        cell = SimpleRNNCell(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
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
            seed=seed,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="simple_rnn_cell",
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

    units = cell_property("units")
    activation = cell_property("activation")
    use_bias = cell_property("use_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
    kernel_regularizer = cell_property("kernel_regularizer")
    recurrent_regularizer = cell_property("recurrent_regularizer")
    bias_regularizer = cell_property("bias_regularizer")
    kernel_constraint = cell_property("kernel_constraint")
    recurrent_constraint = cell_property("recurrent_constraint")
    bias_constraint = cell_property("bias_constraint")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")

    def inner_loop(self, sequences, initial_state, mask, training):
        cell = self.cell
        kind = _FUSED_KINDS.get(cell.activation)
        if kind is not None and not cell.recurrent_dropout and not self.unroll:
            if training and 0.0 < cell.dropout < 1.0:
                sequences = sequences * cell.get_dropout_mask(sequences[:, 0])[:, None]
            weights = torch_weights(cell, [cell.kernel, cell.recurrent_kernel, cell.bias], cell.torch_weights)
            result = fused_rnn(
                kind,
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
        return super().inner_loop(sequences, initial_state, mask, training)
