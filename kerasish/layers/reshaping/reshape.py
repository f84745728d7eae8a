"""Reshape: changes the shape of each sample."""

from __future__ import annotations

import math

from kerasish.layers.layer import Layer


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (batch axis kept); one entry may be -1.

    Args:
        target_shape: the new shape without the batch axis.

    Example:
        Reshape((3, 4))(torch.ones(2, 12)).shape  # (2, 3, 4)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(
                f"There must be at most one unknown dimension (-1) in target_shape. "
                f"Received: target_shape={self.target_shape}"
            )

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.target_shape)

    def compute_output_shape(self, input_shape):
        size = None if any(d is None for d in input_shape[1:]) else math.prod(input_shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 not in self.target_shape:
            if size is not None and size != known:
                raise ValueError(
                    f'Layer "{self.name}": total size of the new array must be unchanged; input_shape='
                    f"{tuple(input_shape)}, target_shape={self.target_shape}"
                )
            return (input_shape[0],) + self.target_shape
        if size is None:
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        if known == 0 or size % known:
            raise ValueError(
                f'Layer "{self.name}": cannot reshape input_shape={tuple(input_shape)} to '
                f"target_shape={self.target_shape}"
            )
        return (input_shape[0],) + tuple(size // known if d == -1 else d for d in self.target_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": list(self.target_shape)}
