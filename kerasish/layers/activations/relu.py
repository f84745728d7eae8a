"""ReLU layer: rectified linear unit with optional cap, leak and threshold."""

from __future__ import annotations

import torch.nn.functional as F

from kerasish import activations
from kerasish.layers.layer import Layer


class ReLU(Layer):
    """Rectified linear unit: `max_value` if `x >= max_value`, `x` if `threshold <= x < max_value`, else
    `negative_slope * (x - threshold)`.

    Args:
        max_value: the largest output (None for no cap); must be non-negative.
        negative_slope: the slope below the threshold; must be non-negative.
        threshold: the value below which inputs are damped; must be non-negative.

    Example:
        y = ReLU(max_value=6.0)(torch.tensor([-1.0, 3.0, 9.0]))  # [0, 3, 6]
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                f"negative_slope of a ReLU layer cannot be None or a negative value. Received: "
                f"negative_slope={negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                f"threshold of a ReLU layer cannot be None or a negative value. Received: threshold={threshold}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(
            inputs, negative_slope=self.negative_slope, max_value=self.max_value, threshold=self.threshold
        )

    def _call_in_place(self, inputs):
        """`call(inputs)` written into `inputs` itself (the same ops as `activations.relu`, in place), or None for a
        threshold, which has no in-place form. Called by the functional program only for an input nothing else
        holds."""
        if type(self).call is not ReLU.call or self.threshold != 0.0:
            return None
        if self.negative_slope != 0.0:
            return F.leaky_relu(inputs, self.negative_slope, inplace=True) if self.max_value is None else None
        inputs.relu_()
        return inputs if self.max_value is None else inputs.clamp_(0.0, self.max_value)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
