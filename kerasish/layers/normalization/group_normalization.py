"""GroupNormalization: normalizes each example over groups of channels."""

from __future__ import annotations

import torch

from kerasish import constraints, initializers, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer


class GroupNormalization(Layer):
    """Splits the channels into `groups` and normalizes each example over each group (and all other axes but
    the batch), then scales by `gamma` and shifts by `beta` per channel.

    `groups=1` is LayerNormalization over all axes; `groups=-1` (one group per channel) is InstanceNormalization.

    Args:
        groups: the number of groups; must divide the number of channels; -1 for one per channel.
        axis: the channel axis.
        epsilon: added to the variance before the square root.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer: initializers of `beta` and `gamma`.
        beta_regularizer, gamma_regularizer: penalties on `beta` and `gamma`.
        beta_constraint, gamma_constraint: projections after each optimizer step.

    Example:
        layer = GroupNormalization(groups=4)
        y = layer(torch.randn(2, 8, 8, 16))
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError(
                f"Received an invalid value for argument `groups`, expected a positive integer (or "
                f"`-1` for instance normalization). Received: groups={groups}"
            )
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f'Layer "{self.name}": axis {self.axis} is out of bounds for input shape {tuple(input_shape)}.'
            )
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                f"received an input with shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(
                f"Number of groups ({self.groups}) cannot be more than the number of channels ({channels})."
            )
        if channels % self.groups != 0:
            raise ValueError(
                f"Number of groups ({self.groups}) must be a multiple of the number of channels ({channels})."
            )
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: channels})
        self.gamma = None
        self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=(channels,),
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=(channels,),
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        axis = self.axis % rank
        # In the grouped view the channel axis becomes (groups, channels // groups); statistics are taken over
        # every axis but the batch and the groups.
        self._channel_axis = axis
        self._reduction_axes = [i for i in range(1, rank + 1) if i != axis]
        self._param_shape = [1] * (rank + 1)
        self._param_shape[axis], self._param_shape[axis + 1] = self.groups, channels // self.groups

    def call(self, inputs):
        x = inputs if inputs.dtype in (torch.float32, torch.float64) else inputs.float()
        axis = self._channel_axis
        grouped = x.reshape(*x.shape[:axis], self.groups, -1, *x.shape[axis + 1 :])
        variance, mean = torch.var_mean(grouped, dim=self._reduction_axes, keepdim=True, correction=0)
        inv = torch.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * self.gamma.reshape(self._param_shape)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + self.beta.reshape(self._param_shape)
        outputs = (grouped * inv + shift).reshape(x.shape)
        return outputs if outputs.dtype == inputs.dtype or not inputs.is_floating_point() else outputs.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
