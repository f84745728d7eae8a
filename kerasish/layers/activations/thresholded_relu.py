"""ThresholdedReLU: tf.keras 2's thresholded rectified linear unit layer."""

from __future__ import annotations

from kerasish.layers.layer import Layer


class ThresholdedReLU(Layer):
    """Thresholded ReLU (tf.keras 2): `x` where `x > theta`, else 0.

    Args:
        theta: the threshold, a float >= 0.

    Example:
        y = ThresholdedReLU(theta=1.0)(torch.tensor([-1.0, 1.0, 2.0]))  # [0, 0, 2]
    """

    def __init__(self, theta: float = 1.0, **kwargs):
        if theta is None:
            raise ValueError(f"Theta of a Thresholded ReLU layer cannot be None, expecting a float. Received: {theta}")
        if theta < 0:
            raise ValueError(f"The theta value of a Thresholded ReLU layer should be >=0. Received: theta={theta}")
        super().__init__(**kwargs)
        self.theta = float(theta)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        # Multiplying (rather than `where`) keeps the gradient 1 above theta and 0 below, as tf.keras computes it.
        return inputs * (inputs > self.theta).to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "theta": self.theta}
