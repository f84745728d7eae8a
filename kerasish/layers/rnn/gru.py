"""GRU: Gated Recurrent Unit (Cho et al., 2014), gates in Keras's order z (update), r (reset), h (candidate)."""

from __future__ import annotations

import torch

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerasish.layers.rnn.fused_rnn import fused_rnn, torch_weights
from kerasish.layers.rnn.rnn import RNN, cell_property


class GRUCell(Layer, DropoutRNNCell):
    """One step of `GRU`: `h = z * h_prev + (1 - z) * candidate`.

    Weights: `kernel (input_dim, 3 * units)`, `recurrent_kernel (units, 3 * units)`, gates z, r, h; `bias` is
    `(2, 3 * units)` (input bias, recurrent bias) when `reset_after`, else `(3 * units,)`.

    Args:
        units: the size of the output and the state.
        activation: the activation of the candidate (default `tanh`).
        recurrent_activation: the activation of the gates (default `sigmoid`).
        use_bias: whether to add biases.
        kernel_initializer: initializer of the kernel (default `glorot_uniform`).
        recurrent_initializer: initializer of the recurrent kernel (default `orthogonal`).
        bias_initializer: initializer of the bias (default `zeros`).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties on the weights.
        kernel_constraint, recurrent_constraint, bias_constraint: projections applied after optimizer steps.
        dropout: fraction of the inputs to drop (one mask per sequence).
        recurrent_dropout: fraction of the state to drop in the recurrence (one mask per sequence and gate).
        reset_after: apply the reset gate after the recurrent matmul (True, the cuDNN/torch formulation) or
            before it (False, the original GRU).
        seed: an int makes the dropout masks reproducible.

    Example:
        layer = RNN(GRUCell(4))
        y = layer(torch.ones(2, 10, 8))  # shape (2, 4)
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
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
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
        # As in LSTMCell: recurrent dropout uses Keras's per-gate implementation 1.
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.seed = seed
        self.reset_after = reset_after
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], 3 * self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, 3 * self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(
                shape=shape,
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs, states, training=False):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        kernels, recurrent_kernels = self.kernel.split(u, dim=1), self.recurrent_kernel.split(u, dim=1)
        if self.implementation == 1:
            input_masks = self.get_dropout_mask(inputs) if training and 0.0 < self.dropout < 1.0 else [None] * 3
            state_masks = (
                self.get_recurrent_dropout_mask(h_prev)
                if training and 0.0 < self.recurrent_dropout < 1.0
                else [None] * 3
            )
            x = [_masked(inputs, m) @ k for m, k in zip(input_masks, kernels)]
            h_in = [_masked(h_prev, m) for m in state_masks]
        else:
            if training and 0.0 < self.dropout < 1.0:
                inputs = inputs * self.get_dropout_mask(inputs)
            x = list((inputs @ self.kernel).split(u, dim=-1))
            h_in = [h_prev] * 3
        if self.bias is not None:
            input_bias = self.bias[0] if self.reset_after else self.bias
            x = [x_g + b for x_g, b in zip(x, input_bias.split(u))]
        if self.implementation == 2 and self.reset_after:
            recurrent = list((h_prev @ self.recurrent_kernel).split(u, dim=-1))
        else:
            recurrent = [h_in[0] @ recurrent_kernels[0], h_in[1] @ recurrent_kernels[1]]
        if self.reset_after:
            if len(recurrent) == 2:
                recurrent.append(h_in[2] @ recurrent_kernels[2])
            if self.bias is not None:
                recurrent = [r_g + b for r_g, b in zip(recurrent, self.bias[1].split(u))]
        z = self.recurrent_activation(x[0] + recurrent[0])
        r = self.recurrent_activation(x[1] + recurrent[1])
        if self.reset_after:
            candidate = self.activation(x[2] + r * recurrent[2])
        else:
            candidate = self.activation(x[2] + (r * h_in[2]) @ recurrent_kernels[2])
        h = z * h_prev + (1 - z) * candidate
        return h, [h] if isinstance(states, (list, tuple)) else h

    def torch_weights(self) -> list:
        """The weights as torch's GRU kernels take them (reset_after=True), in torch's gate order r, z, n."""
        weights = [_torch_gate_order(self.kernel.T, 0), _torch_gate_order(self.recurrent_kernel.T, 0)]
        if self.bias is not None:
            bias = _torch_gate_order(self.bias, -1)
            weights += [bias[0], bias[1]]
        return weights

    def get_initial_state(self, batch_size: int | None = None) -> list:
        kernel = self.kernel
        return [torch.zeros(batch_size, self.units, dtype=kernel.dtype, device=kernel.device)]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
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
            "reset_after": self.reset_after,
            "seed": self.seed,
        }


def _masked(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    return x if mask is None else x * mask


class GRU(RNN):
    """Gated Recurrent Unit layer (`RNN(GRUCell(...))`).

    With `tanh`/`sigmoid` activations, `reset_after=True`, no recurrent dropout and `unroll=False`, it runs on
    torch's fused GRU kernel (cuDNN on CUDA; the same formulation), masks included when they are right-padded;
    other configurations run the cell step by step.

    Args:
        units: the size of the output and the state.
        activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
        bias_constraint, dropout, recurrent_dropout, reset_after, seed: as in `GRUCell`.
        activity_regularizer: a penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.
        use_cudnn: "auto" uses the fused kernel when the configuration allows; True requires it (ValueError
            otherwise); False always steps the cell.

    Example:
        layer = GRU(4, return_state=True)
        output, h = layer(torch.ones(2, 10, 8))  # (2, 4), (2, 4)
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
        reset_after: bool = True,
        use_cudnn="auto",
        **kwargs,
    ):
        cell = GRUCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
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
            reset_after=reset_after,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="gru_cell",
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
    kernel_regularizer = cell_property("kernel_regularizer")
    recurrent_regularizer = cell_property("recurrent_regularizer")
    bias_regularizer = cell_property("bias_regularizer")
    kernel_constraint = cell_property("kernel_constraint")
    recurrent_constraint = cell_property("recurrent_constraint")
    bias_constraint = cell_property("bias_constraint")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")
    reset_after = cell_property("reset_after")
    seed = cell_property("seed")

    def inner_loop(self, sequences, initial_state, mask, training):
        cell = self.cell
        if (
            self.use_cudnn in ("auto", True)
            and cell.reset_after
            and cell.activation is activations.tanh
            and cell.recurrent_activation is activations.sigmoid
            and not cell.recurrent_dropout
            and not self.unroll
        ):
            if training and 0.0 < cell.dropout < 1.0:
                sequences = sequences * cell.get_dropout_mask(sequences[:, 0])[:, None]
            weights = torch_weights(cell, [cell.kernel, cell.recurrent_kernel, cell.bias], cell.torch_weights)
            result = fused_rnn(
                "gru",
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
                "configuration (it needs tanh/sigmoid activations, reset_after=True, no recurrent "
                "dropout, unroll=False and a right-padded mask). Pass use_cudnn='auto' to fall back "
                "to the step loop."
            )
        return super().inner_loop(sequences, initial_state, mask, training)


def _torch_gate_order(weight: torch.Tensor, dim: int) -> torch.Tensor:
    """Keras's gate blocks z, r, h along `dim` -> torch's r, z, n, as a new contiguous tensor."""
    z, r, h = weight.chunk(3, dim=dim)
    return torch.cat([r, z, h], dim=dim)
