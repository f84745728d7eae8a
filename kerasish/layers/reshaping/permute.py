"""Permute: reorders the non-batch axes."""

from __future__ import annotations

from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer


class Permute(Layer):
    """Permutes the axes of each sample (the batch axis stays first); the output is a view of the input.

    Args:
        dims: the new order of axes 1..n, e.g. `(2, 1)` swaps the two axes of a 3-D input.

    Example:
        y = Permute((2, 1))(torch.ones(4, 10, 64))  # shape (4, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                f"must be consecutive and start from 1. Received dims={dims}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self._order = (0,) + self.dims

    def call(self, inputs):
        return inputs.permute(self._order)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}
