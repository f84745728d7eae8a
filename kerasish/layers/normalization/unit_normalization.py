"""UnitNormalization: scales each example to unit L2 norm."""

from __future__ import annotations

import torch

from kerasish.layers.layer import Layer


class UnitNormalization(Layer):
    """Divides each example by its L2 norm over `axis`, so that the sum of squares there is 1.

    Args:
        axis: the axis or axes over which the norm is taken (default -1).

    Example:
        y = UnitNormalization()(torch.tensor([[3.0, 4.0]]))  # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(
                f"Invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: axis={axis}"
            )
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        # Keras's `x * rsqrt(sum(x^2))`, the inverse norm capped at 1e12 so that a zero vector stays zero.
        square_sum = torch.sum(inputs.square(), dim=self.axis, keepdim=True)
        return inputs * torch.clamp(torch.rsqrt(square_sum), max=1e12)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}
