"""Activation: applies an activation function."""

from __future__ import annotations

import functools
import types

import torch
import torch.nn.functional as F

from kerasish import activations
from kerasish.layers.layer import Layer

# The activations whose torch kernel has an in-place twin computing the same numbers, for a functional model's
# inference when the input dies at this layer (`_call_in_place`). Sigmoid and softmax are left out: their output
# keeps its input as `_keras_logits`, which overwriting would corrupt.
_IN_PLACE = {
    activations.relu: torch.relu_,
    activations.relu6: functools.partial(F.relu6, inplace=True),
    activations.silu: functools.partial(F.silu, inplace=True),
    activations.tanh: torch.tanh_,
    activations.hard_sigmoid: functools.partial(F.hardsigmoid, inplace=True),
    activations.hard_silu: functools.partial(F.hardswish, inplace=True),
}


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
        if type(self).call is not Activation.call or not isinstance(self.activation, types.FunctionType):
            return None
        op = _IN_PLACE.get(self.activation)
        return None if op is None else op(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
