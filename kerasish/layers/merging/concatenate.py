"""Concatenate: joins a list of tensors along an axis."""

from __future__ import annotations

import torch

from kerasish.layers.merging.base_merge import Merge


class Concatenate(Merge):
    """Concatenates a list of tensors along `axis`; every other axis must match.

    Args:
        axis: the concatenation axis (default -1).

    Example:
        merged = Concatenate()([x1, x2])
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, shapes: list[tuple]) -> None:
        matching = len({len(s) for s in shapes}) == 1
        if matching:
            axis = self.axis % len(shapes[0])
            matching = all(len({s[i] for s in shapes} - {None}) <= 1 for i in range(1, len(shapes[0])) if i != axis)
        if not matching:
            raise ValueError(
                f'A `Concatenate` layer ("{self.name}") requires inputs with matching shapes except '
                f"for the concatenation axis. Received: input_shape={shapes}"
            )

    def call(self, inputs):
        return torch.cat(list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        axis = self.axis % len(shapes[0])
        sizes = [s[axis] for s in shapes]
        total = None if any(d is None for d in sizes) else sum(sizes)
        output = list(shapes[0])
        output[axis] = total
        return tuple(output)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional form of `Concatenate`: `concatenate([x1, x2], axis=-1)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
