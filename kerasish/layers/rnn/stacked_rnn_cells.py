"""StackedRNNCells: a list of RNN cells that acts as one cell."""

from __future__ import annotations

import torch

from kerasish.layers import serialization
from kerasish.layers.layer import Layer
from kerasish.saving.object_registry import serialize_keras_object
from kerasish.utils import tree


class StackedRNNCells(Layer):
    """Stacks RNN cells: at each step, each cell's output is the next cell's input.

    The states are a list with one entry per cell (that cell's state, or list of states).

    Args:
        cells: the RNN cells, first (fed by the sequence) to last (whose output is the stack's).

    Example:
        cells = [LSTMCell(64), LSTMCell(32)]
        layer = RNN(StackedRNNCells(cells))
        y = layer(torch.ones(4, 10, 8))  # shape (4, 32)
    """

    def __init__(self, cells: list, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)):
                raise ValueError(f"All cells must have a `call` method. Received cell without a `call` method: {cell}")
            if getattr(cell, "state_size", None) is None:
                raise ValueError(
                    f"All cells must have a `state_size` attribute. Received cell without a `state_size`: {cell}"
                )
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        return _output_size(self.cells[-1])

    def get_initial_state(self, batch_size: int | None = None) -> list:
        states = []
        for cell in self.cells:
            get_initial_state = getattr(cell, "get_initial_state", None)
            if get_initial_state is not None:
                states.append(get_initial_state(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(torch.zeros(batch_size, cell.state_size))
            else:
                states.append([torch.zeros(batch_size, d) for d in cell.state_size])
        return states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build(tuple(input_shape))
            input_shape = (tree.flatten(input_shape)[0], _output_size(cell))

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            state_is_list = tree.is_nested(cell_states)
            cell_states = list(cell_states) if state_is_list else [cell_states]
            kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}
            inputs, cell_states = (cell if callable(cell) else cell.call)(inputs, cell_states, **kwargs)
            cell_states = list(cell_states) if tree.is_nested(cell_states) else [cell_states]
            new_states.append(cell_states[0] if len(cell_states) == 1 and not state_is_list else cell_states)
        return inputs, new_states[0] if len(new_states) == 1 else new_states

    def get_config(self) -> dict:
        return {**super().get_config(), "cells": [serialize_keras_object(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        cells = [serialization.deserialize(cell, custom_objects) for cell in config.pop("cells")]
        return cls(cells, **config)


def _output_size(cell) -> int:
    if getattr(cell, "output_size", None) is not None:
        return cell.output_size
    return tree.flatten(cell.state_size)[0]
