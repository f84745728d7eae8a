"""Activation: applies an activation function."""

from __future__ import annotations

from kerasish import activations
from kerasish.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: an activation function or its name (`"relu"`, `"softmax"`, ...).

    Example:
        layer = Activation("relu")
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def _call_in_place(self, inputs):
        """`call(inputs)` written into `inputs` itself, or None where the activation has no in-place twin. The
        functional program calls it only for an input nothing else holds, with `__call__` having nothing else to
        do (no grad, hooks, masks or casts)."""
        op = activations.in_place_twin(self.activation) if type(self).call is Activation.call else None
        return None if op is None else op(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
