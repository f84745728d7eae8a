"""RNN: runs any recurrent cell over the time axis of a sequence."""

from __future__ import annotations

import torch

from kerasish import regularizers
from kerasish.layers import serialization
from kerasish.layers.layer import Layer
from kerasish.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerasish.layers.rnn.stacked_rnn_cells import StackedRNNCells
from kerasish.saving.object_registry import serialize_keras_object
from kerasish.utils import tree


class RNN(Layer):
    """Base class for recurrent layers: applies a cell step by step along axis 1 of `(batch, timesteps, ...)`.

    A cell is any object with `call(inputs, states)` returning `(output, new_states)` and a `state_size` (an
    int, or a list with one size per state); it may define `output_size` and `get_initial_state(batch_size)`.
    A list of cells is stacked with `StackedRNNCells`.

    Args:
        cell: an RNN cell, or a list of cells.
        return_sequences: return the output of every step `(batch, timesteps, units)` rather than the last.
        return_state: also return the final states, after the output.
        go_backwards: process the sequence last step first (the returned sequence is in that order).
        stateful: carry each batch's final states over as the next batch's initial states (fixed batch size).
        unroll: Keras's graph-unrolling flag; steps here always run as an unrolled Python loop.
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments:
        sequences: `(batch, timesteps, features)`.
        initial_state: a state tensor or a list of them (the cell's zeros by default).
        mask: `(batch, timesteps)` booleans; False steps keep the previous state.
        training: whether dropout in the cell applies.

    Example:
        layer = RNN(LSTMCell(32), return_sequences=True)
        y = layer(torch.ones(4, 10, 8))  # shape (4, 10, 32)
    """

    def __init__(
        self,
        cell,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs,
    ):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        state_size = getattr(cell, "state_size", None)
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError(
                f"The RNN cell should have a `state_size` attribute (an integer, or a list of "
                f"integers, one per state). Received: state_size={state_size!r} on cell={cell}"
            )
        # tf.keras 2 writes `time_major` (False by default); Keras 3 takes batch-major sequences only.
        if kwargs.pop("time_major", False):
            raise ValueError(
                f"{self.__class__.__name__}: `time_major=True` (tf.keras 2) is not supported; inputs "
                f"are (batch, timesteps, ...). Transpose the sequences and pass time_major=False."
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.states = None
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)

    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build((sequences_shape[0],) + tuple(sequences_shape[2:]))
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    f"When using `stateful=True` in a RNN, the batch size must be static. Found "
                    f"dynamic batch size: sequence.shape={tuple(sequences_shape)}"
                )
            self.states = self.get_initial_state(sequences_shape[0])

    def get_initial_state(self, batch_size: int) -> list:
        """The states a sequence starts from: the cell's `get_initial_state`, or zeros of `state_size`."""
        get_initial_state = getattr(self.cell, "get_initial_state", None)
        if get_initial_state is None:
            return [torch.zeros(batch_size, d) for d in self.state_size]
        states = get_initial_state(batch_size=batch_size)
        return list(states) if tree.is_nested(states) else [states]

    def reset_state(self) -> None:
        """Zeroes the states a stateful layer carries between batches."""
        if self.states is not None:
            # New tensors, not in-place zeros: the old ones may still be needed by a pending backward pass.
            self.states = tree.map_structure(torch.zeros_like, self.states)

    def reset_states(self) -> None:
        """Alias of `reset_state`."""
        self.reset_state()

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        batch_size = sequences.shape[0]
        if initial_state is None:
            if self.stateful:
                if tree.flatten(self.states)[0].shape[0] != batch_size:
                    raise ValueError(
                        f"If an RNN is stateful, the batch size of the input sequences must be the "
                        f"same as the batch size of the initial state. Expected batch size: "
                        f"{tree.flatten(self.states)[0].shape[0]}, received batch size: {batch_size}"
                    )
                initial_state = self.states
            else:
                initial_state = self.get_initial_state(batch_size)
        initial_state = list(initial_state) if tree.is_nested(initial_state) else [initial_state]
        if len(initial_state) != len(self.state_size):
            raise ValueError(
                f'Layer "{self.name}" expects {len(self.state_size)} initial state(s), but it received '
                f"{len(initial_state)}."
            )
        dtype = sequences.dtype if sequences.is_floating_point() else torch.get_default_dtype()
        initial_state = tree.map_structure(lambda s: _as_state(s, sequences.device, dtype), initial_state)
        try:
            last_output, outputs, states = self.inner_loop(sequences, initial_state, mask, bool(training))
        finally:
            _reset_dropout_masks(self.cell)
        if self.stateful:
            self.states = tree.map_structure(torch.Tensor.detach, states)
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def inner_loop(self, sequences: torch.Tensor, initial_state: list, mask, training: bool):
        """Runs the cell over the steps: `(last_output, outputs or None, final_states)`.

        Subclasses route configurations torch's fused kernels compute to them and call this otherwise.
        """
        cell = self.cell
        cell_kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}
        call_cell = cell if callable(cell) else cell.call
        inputs = sequences.unbind(1)
        masks = mask.bool().unbind(1) if mask is not None else None
        if self.go_backwards:
            inputs = inputs[::-1]
            masks = masks[::-1] if masks is not None else None
        states, outputs, output, previous = initial_state, [], None, None
        for t, step_input in enumerate(inputs):
            output, new_states = call_cell(step_input, states, **cell_kwargs)
            new_states = list(new_states) if tree.is_nested(new_states) else [new_states]
            if masks is not None:
                keep = masks[t]
                fallback = torch.zeros_like(output) if self.zero_output_for_mask or previous is None else previous
                output = previous = _where(keep, output, fallback)
                new_states = tree.pack_sequence_as(
                    new_states, [_where(keep, n, s) for n, s in zip(tree.flatten(new_states), tree.flatten(states))]
                )
            states = new_states
            if self.return_sequences:
                outputs.append(output)
        return output, torch.stack(outputs, 1) if self.return_sequences else None, states

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch_size, length = sequences_shape[0], sequences_shape[1]
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            output_size = tree.flatten(self.state_size[0])[0]
        output_shape = (batch_size, length, output_size) if self.return_sequences else (batch_size, output_size)
        if not self.return_state:
            return output_shape
        states_shape = [
            (batch_size, s) if isinstance(s, int) else [(batch_size, d) for d in s] for s in self.state_size
        ]
        return (output_shape, *states_shape)

    def compute_mask(self, inputs, mask=None):
        mask = tree.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        names = cell_property_names(type(self))
        if not names:
            return {**config, "cell": serialize_keras_object(self.cell)}
        # A layer that makes its own cell (LSTM, GRU, SimpleRNN) takes the cell's arguments itself: its config
        # holds them, as the cell's config has them, in place of the cell.
        cell_config = self.cell.get_config()
        return {
            **config,
            **{name: cell_config[name] for name in names},
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        if "cell" not in config:  # a layer that makes its own cell from its arguments
            return cls(**config)
        cell = serialization.deserialize(config.pop("cell"), custom_objects)
        return cls(cell, **config)


class _CellProperty(property):
    def __init__(self, name: str):
        super().__init__(lambda layer: getattr(layer.cell, name), doc=f"The cell's `{name}`.")
        self.name = name


def cell_property(name: str) -> property:
    """A read-only attribute of a recurrent layer that is its cell's (`LSTM.units` is `LSTM.cell.units`).

    A layer declaring cell properties makes its own cell from those `__init__` arguments: `RNN.get_config`
    writes them, from the cell's config, instead of the cell.
    """
    return _CellProperty(name)


def cell_property_names(cls: type) -> list[str]:
    """The names of the cell properties `cls` declares, in declaration order (base classes first)."""
    names = []
    for klass in reversed(cls.__mro__):
        names += [
            value.name for value in vars(klass).values() if isinstance(value, _CellProperty) and value.name not in names
        ]
    return names


def _as_state(state, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    if isinstance(state, torch.Tensor) and state.device == device and state.dtype == dtype:
        return state
    return torch.as_tensor(state).to(device=device, dtype=dtype)


def _where(keep: torch.Tensor, new: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    """`new` for the batch rows where `keep` holds, else `old`."""
    return torch.where(keep.view(-1, *([1] * (new.dim() - 1))), new, old)


def _reset_dropout_masks(cell) -> None:
    # Only cells that drew masks: setting an attribute of a torch module is not free.
    if isinstance(cell, DropoutRNNCell) and (
        cell._dropout_mask is not None or cell._recurrent_dropout_mask is not None
    ):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    if isinstance(cell, StackedRNNCells):
        for inner in cell.cells:
            _reset_dropout_masks(inner)
