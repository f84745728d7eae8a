"""LayerNormalization: normalizes each example over its feature axes."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import constraints, initializers, regularizers
from kerasish.layers.layer import Layer


class LayerNormalization(Layer):
    """Normalizes each example independently over `axis`, then scales by `gamma` and shifts by `beta`.

    Args:
        axis: the axis or axes to normalize over (default -1, the features).
        epsilon: added to the variance before the square root.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        rms_scaling: Keras's deprecated option: divide by `sqrt(variance + epsilon)` without centering, and
            skip `beta` (use `RMSNormalization` for a true RMS norm).
        beta_initializer, gamma_initializer: initializers of `beta` and `gamma`.
        beta_regularizer, gamma_regularizer: penalties on `beta` and `gamma`.
        beta_constraint, gamma_constraint: projections after each optimizer step.

    Example:
        layer = LayerNormalization()
        y = layer(torch.randn(2, 5, 8))
    """

    def __init__(
        self,
        axis=-1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        *,
        rms_scaling: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis!r}")
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        axes = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        for axis in axes:
            if not -rank <= axis < rank:
                raise ValueError(
                    f'Layer "{self.name}": axis {axis} is out of bounds for input shape '
                    f"{tuple(input_shape)}. Received: axis={self.axis}"
                )
        self.axis = axes  # Keras keeps the axes as a sorted list once built
        shape = tuple(input_shape[a] for a in axes)
        self.gamma = None
        self.beta = None
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        positive = sorted(a % rank for a in axes)
        # torch's fused kernel normalizes over trailing axes; other axis sets take the explicit formula.
        self._trailing = positive == list(range(rank - len(positive), rank))
        self._axes = positive
        self._param_shape = [input_shape[i] if i in positive else 1 for i in range(rank)]

    def call(self, inputs):
        x = inputs if inputs.dtype in (torch.float32, torch.float64) else inputs.float()
        if self.rms_scaling:
            variance = torch.var(x, dim=self._axes, keepdim=True, correction=0)
            outputs = x * torch.rsqrt(variance + self.epsilon)
            if self.gamma is not None:
                outputs = outputs * self._broadcast(self.gamma)
        elif self._trailing:
            outputs = F.layer_norm(x, x.shape[x.dim() - len(self._axes) :], self.gamma, self.beta, self.epsilon)
        else:
            variance, mean = torch.var_mean(x, dim=self._axes, keepdim=True, correction=0)
            inv = torch.rsqrt(variance + self.epsilon)
            if self.gamma is not None:
                inv = inv * self._broadcast(self.gamma)
            shift = -mean * inv
            if self.beta is not None:
                shift = shift + self._broadcast(self.beta)
            outputs = x * inv + shift
        return outputs if outputs.dtype == inputs.dtype or not inputs.is_floating_point() else outputs.to(inputs.dtype)

    def _broadcast(self, weight):
        return weight.reshape(self._param_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
