"""RMSNormalization: scales each example by the inverse of its root mean square."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish.layers.layer import Layer


class RMSNormalization(Layer):
    """Computes `x * rsqrt(mean(square(x), axis) + epsilon) * scale`, with a learned `scale` (starting at 1).

    Args:
        axis: the axis or axes to normalize over (default -1).
        epsilon: added to the mean square before the square root.

    Example:
        y = RMSNormalization()(torch.randn(2, 8))
    """

    def __init__(self, axis=-1, epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        rank = len(input_shape)
        axes = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        for axis in axes:
            if not -rank <= axis < rank:
                raise ValueError(
                    f'Layer "{self.name}": axis {axis} is out of bounds for input shape '
                    f"{tuple(input_shape)}. Received: axis={self.axis}"
                )
        self.axis = axes
        self.scale = self.add_weight(name="scale", shape=tuple(input_shape[a] for a in axes), initializer="ones")
        positive = sorted(a % rank for a in axes)
        self._trailing = positive == list(range(rank - len(positive), rank))
        self._axes = positive
        self._param_shape = [input_shape[i] if i in positive else 1 for i in range(rank)]

    def call(self, inputs):
        x = inputs if inputs.dtype in (torch.float32, torch.float64) else inputs.float()
        if self._trailing:
            outputs = F.rms_norm(x, x.shape[x.dim() - len(self._axes) :], self.scale, self.epsilon)
        else:
            rrms = torch.rsqrt(torch.mean(x.square(), dim=self._axes, keepdim=True) + self.epsilon)
            outputs = x * rrms * self.scale.reshape(self._param_shape)
        return outputs if outputs.dtype == inputs.dtype or not inputs.is_floating_point() else outputs.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
