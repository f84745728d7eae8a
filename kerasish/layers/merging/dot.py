"""Dot: batched dot products between two tensors."""

from __future__ import annotations

import torch

from kerasish import config
from kerasish.layers.merging.base_merge import Merge


class Dot(Merge):
    """Dot product of two batched tensors along `axes`, per example: for `(batch, n)` inputs the output is
    `(batch, 1)`; in general the remaining axes of the first input, then those of the second.

    Args:
        axes: an int, or a pair of ints (one axis per input), never the batch axis 0.
        normalize: whether to L2-normalize both inputs along `axes` first, which makes the output the cosine
            similarity.

    Example:
        similarity = Dot(axes=1, normalize=True)([x1, x2])  # (batch, 1)
    """

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"Invalid type for argument `axes`: it should be a list or an int. Received: axes={axes}"
                )
            if len(axes) != 2:
                raise ValueError(
                    f"Invalid format for argument `axes`: it should contain two elements. Received: axes={axes}"
                )
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(
                    f"Invalid format for argument `axes`: list elements should be integers. Received: axes={axes}"
                )
        self.axes = axes
        self.normalize = normalize

    def build(self, input_shape):
        if not isinstance(input_shape[0], (tuple, list)) or len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={input_shape}"
            )
        shape1, shape2 = input_shape
        a1, a2 = self._axes_for(len(shape1), len(shape2))
        if shape1[a1] is not None and shape2[a2] is not None and shape1[a1] != shape2[a2]:
            raise ValueError(
                f"Incompatible input shapes: axis values {shape1[a1]} (at axis {a1}) != "
                f"{shape2[a2]} (at axis {a2}). Full input shapes: {tuple(shape1)}, {tuple(shape2)}"
            )

    def _axes_for(self, rank1: int, rank2: int) -> tuple[int, int]:
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        axes = (axes[0] % rank1, axes[1] % rank2)
        if 0 in axes:
            raise ValueError(
                f'Layer "{self.name}": cannot take the dot product over the batch axis 0. Received: axes={self.axes}'
            )
        return axes

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        x, y = inputs
        a1, a2 = self._axes_for(x.dim(), y.dim())
        if self.normalize:
            x, y = _l2_normalize(x, a1), _l2_normalize(y, a2)
        # One batched matmul: x as (batch, rest, n), y as (batch, n, rest).
        x = x.movedim(a1, -1)
        y = y.movedim(a2, 1)
        x_rest, y_rest = x.shape[1:-1], y.shape[2:]
        out = torch.bmm(x.reshape(x.shape[0], -1, x.shape[-1]), y.reshape(y.shape[0], y.shape[1], -1))
        out = out.reshape(out.shape[:1] + x_rest + y_rest)
        return out.unsqueeze(-1) if out.dim() == 1 else out

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={input_shape}"
            )
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        a1, a2 = self._axes_for(len(shape1), len(shape2))
        shape1.pop(a1)
        shape2.pop(a2)
        output_shape = shape1 + shape2[1:]
        return tuple(output_shape + [1] if len(output_shape) == 1 else output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x, axis: int):
    # Keras's `x * rsqrt(sum(x^2))`, the inverse norm capped at 1 / epsilon.
    square_sum = torch.sum(x.square(), dim=axis, keepdim=True)
    return x * torch.clamp(torch.rsqrt(square_sum), max=1.0 / config.epsilon())


def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`: `dot([x1, x2], axes=1)`."""
    return Dot(axes=axes, **kwargs)(inputs)
