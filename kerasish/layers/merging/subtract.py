"""Subtract: the difference of two tensors."""

from __future__ import annotations

from kerasish.layers.merging.base_merge import Merge


class Subtract(Merge):
    """Subtracts the second of two inputs from the first: `inputs[0] - inputs[1]`.

    Example:
        diff = Subtract()([x1, x2])
    """

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape={input_shape}"
            )

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received {len(inputs)} inputs.")
        return inputs[0] - inputs[1]


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: `subtract([x1, x2])`."""
    return Subtract(**kwargs)(inputs)
