"""BatchNormalization: normalizes with batch statistics in training and moving statistics in inference."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import config, constraints, initializers, regularizers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer


class BatchNormalization(Layer):
    """Normalizes its inputs to zero mean and unit variance over every axis but `axis`, then scales and shifts.

    In training (`training=True` and the layer trainable) it uses the batch's mean and (biased) variance and
    updates `moving = moving * momentum + batch * (1 - momentum)`; in inference it uses the moving statistics.
    Output: `gamma * (x - mean) / sqrt(variance + epsilon) + beta`.

    Args:
        axis: the features axis (-1 for channels_last, 1 for channels_first); a one-element list, as tf.keras 2
            writes it (`[3]`), means that axis.
        momentum: weight of the old value in the moving statistics.
        epsilon: added to the variance before the square root.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer: initializers.
        beta_regularizer, gamma_regularizer: penalties on `beta` and `gamma`.
        beta_constraint, gamma_constraint: projections of `beta` and `gamma` after each optimizer step.
        renorm: whether to use Batch Renormalization (extra statistics correct the batch ones with `r` and `d`).
        renorm_clipping: `{"rmax", "rmin", "dmax"}` bounds of the renorm corrections.
        renorm_momentum: momentum of the renorm statistics.
        synchronized: whether batch statistics are computed over all processes of `torch.distributed`.

    Example:
        layer = BatchNormalization()
        y = layer(torch.randn(8, 4), training=True)
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm: bool = False,
        renorm_clipping: dict | None = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            # tf.keras 2 writes the axis as a list and allowed several; Keras 3 normalizes one feature axis.
            if len(axis) != 1:
                raise ValueError(
                    f"BatchNormalization normalizes one feature axis: `axis` must be an int or a "
                    f"one-element list. Received: axis={axis}"
                )
            axis = axis[0]
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = synchronized
        self.renorm = renorm
        if renorm:
            renorm_clipping = dict(renorm_clipping or {})
            unknown = set(renorm_clipping) - {"rmax", "rmin", "dmax"}
            if unknown:
                raise ValueError(
                    f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. "
                    f"Supported values: ['rmax', 'rmin', 'dmax']."
                )
            rmax, rmin, dmax = (renorm_clipping.get(k) for k in ("rmax", "rmin", "dmax"))
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(
                    f"rmax should be greater than rmin in the `renorm_clipping` argument. "
                    f"Received: rmax={rmax}, rmin={rmin}."
                )
            if dmax is not None and dmax < 0:
                raise ValueError(
                    f"dmax should be non-negative in the `renorm_clipping` argument. Received: dmax={dmax}."
                )
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.supports_masking = True
        self.gamma = None
        self.beta = None

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f'Layer "{self.name}": axis {self.axis} is out of bounds for input shape {tuple(input_shape)}.'
            )
        size = input_shape[self.axis]
        if size is None:
            raise ValueError(
                f'Layer "{self.name}" needs a known size on axis {self.axis}; received input_shape='
                f"{tuple(input_shape)}."
            )
        shape = (size,)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        self.moving_mean = self.add_weight(
            shape=shape, name="moving_mean", initializer=self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            shape=shape, name="moving_variance", initializer=self.moving_variance_initializer, trainable=False
        )
        if self.renorm:
            sqrt_variance = _SqrtOf(self.moving_variance_initializer)
            self.moving_stddev = self.add_weight(
                shape=shape, name="moving_stddev", initializer=sqrt_variance, trainable=False
            )
            self.renorm_mean = self.add_weight(
                shape=shape, name="renorm_mean", initializer=self.moving_mean_initializer, trainable=False
            )
            self.renorm_stddev = self.add_weight(
                shape=shape, name="renorm_stddev", initializer=sqrt_variance, trainable=False
            )
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: size})
        self._channel_axis = self.axis % rank
        self._reduction_axes = [i for i in range(rank) if i != self._channel_axis]

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                f"The mask provided should be one dimension less than the inputs. Received: "
                f"mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"
            )
        x = inputs if inputs.dtype in (torch.float32, torch.float64) else inputs.float()  # statistics in fp32+
        gamma, beta = self.gamma, self.beta
        if training and self.trainable and self._fused_training_applies(x, mask):
            outputs = self._fused_training_step(x, gamma, beta)
        elif training and self.trainable:
            mean, variance = self._moments(x, mask)
            if self.renorm:
                gamma, beta = self._renorm_transform(mean, variance, gamma, beta)
            else:
                self._update_moving_statistics(mean.detach(), variance.detach())
            outputs = self._normalize(x, mean, variance, gamma, beta)
        else:
            outputs = self._normalize(x, self.moving_mean, self.moving_variance, gamma, beta)
        return outputs if inputs.dtype == outputs.dtype or not inputs.is_floating_point() else outputs.to(inputs.dtype)

    def _fused_training_applies(self, x, mask) -> bool:
        return (
            mask is None
            and not self.renorm
            and not (self.synchronized and _distributed())
            and x.dim() >= 2
            and x.numel() > x.shape[self._channel_axis]  # torch's kernel needs two values per channel
        )

    def _fused_training_step(self, x, gamma, beta):
        """Training on a batch with torch's fused batch norm (one kernel for the statistics, the normalization and
        its backward; on a channels-first view, which for channels-last data is torch's channels_last format).
        torch moves its running variance with the unbiased batch variance; Keras with the biased one, so the update
        is corrected: `keras = m * old + (torch - m * old) * (n - 1) / n`."""
        momentum = self.momentum
        running_mean = self.moving_mean.detach().to(x.dtype, copy=True)
        running_var = self.moving_variance.detach().to(x.dtype, copy=True)
        outputs = F.batch_norm(
            x.movedim(self._channel_axis, 1),
            running_mean,
            running_var,
            gamma,
            beta,
            training=True,
            momentum=1.0 - momentum,
            eps=self.epsilon,
        ).movedim(1, self._channel_axis)
        count = x.numel() // x.shape[self._channel_axis]
        with torch.no_grad():
            self.moving_mean.copy_(running_mean)
            old = self.moving_variance * momentum
            self.moving_variance.copy_(old + (running_var - old) * ((count - 1) / count))
        return outputs

    def _normalize(self, x, mean, variance, gamma, beta):
        """Keras's formula, `x * inv + (beta - mean * inv)` with `inv = gamma / sqrt(variance + epsilon)`: one
        fused multiply-add over the inputs, broadcast along the channel axis in place (no transposes)."""
        inv = torch.rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        shift = -mean * inv
        if beta is not None:
            shift = shift + beta
        if self._channel_axis != x.dim() - 1:
            shape = [1] * x.dim()
            shape[self._channel_axis] = -1
            inv, shift = inv.reshape(shape), shift.reshape(shape)
        return torch.addcmul(shift, x, inv)

    def _moments(self, x, mask):
        """Batch mean and biased variance over the reduction axes (masked entries left out, as Keras does)."""
        if mask is None:
            if self.synchronized and _distributed():
                return _synchronized_moments(x, self._reduction_axes)
            variance, mean = torch.var_mean(x, dim=self._reduction_axes, correction=0)
            return mean, variance
        weights = mask.unsqueeze(-1).expand_as(x).bool()
        count = weights.to(x.dtype).sum(self._reduction_axes, keepdim=True)
        mean = torch.where(weights, x, 0).sum(self._reduction_axes, keepdim=True) / (count + config.epsilon())
        squares = torch.where(weights, x - mean, 0).square().sum(self._reduction_axes, keepdim=True)
        variance = squares / (count + config.epsilon())
        return mean.reshape(-1), variance.reshape(-1)

    def _update_moving_statistics(self, mean, variance):
        momentum = self.momentum
        with torch.no_grad():
            self.moving_mean.copy_(self.moving_mean * momentum + mean * (1.0 - momentum))
            self.moving_variance.copy_(self.moving_variance * momentum + variance * (1.0 - momentum))

    def _renorm_transform(self, mean, variance, gamma, beta):
        """Batch Renormalization: the corrections `r`, `d` from the renorm statistics (before this batch updates
        them) folded into gamma and beta, and the statistics updated."""
        stddev = torch.sqrt(variance + self.epsilon)
        renorm_stddev = torch.clamp(self.renorm_stddev, min=self.epsilon**0.5)
        r = (stddev / renorm_stddev).detach()
        d = ((mean - self.renorm_mean) / renorm_stddev).detach()
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = torch.clamp(r, min=clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = torch.clamp(r, max=clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = torch.clamp(d, -clipping["dmax"], clipping["dmax"])
        effective_gamma = r if gamma is None else r * gamma
        effective_beta = d if gamma is None else d * gamma
        if beta is not None:
            effective_beta = effective_beta + beta
        with torch.no_grad():
            mean, stddev = mean.detach(), stddev.detach()
            renorm_momentum, momentum = self.renorm_momentum, self.momentum
            self.renorm_mean.copy_(self.renorm_mean * renorm_momentum + mean * (1.0 - renorm_momentum))
            self.renorm_stddev.copy_(self.renorm_stddev * renorm_momentum + stddev * (1.0 - renorm_momentum))
            self.moving_mean.copy_(self.moving_mean * momentum + mean * (1.0 - momentum))
            self.moving_stddev.copy_(self.moving_stddev * momentum + stddev * (1.0 - momentum))
            self.moving_variance.copy_(torch.relu(self.moving_stddev * self.moving_stddev - self.epsilon))
        return effective_gamma, effective_beta

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }


class _SqrtOf:
    """The square root of another initializer's values: the renorm standard deviations start at
    `sqrt(moving_variance_initializer)`."""

    def __init__(self, initializer):
        self.initializer = initializer

    def __call__(self, shape, dtype=None):
        return torch.sqrt(torch.as_tensor(self.initializer(shape, dtype=dtype)))


def _distributed() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def _synchronized_moments(x, axes):
    """Mean and biased variance over the inputs of every process, with gradients through the all-reduce."""
    from torch.distributed.nn.functional import all_reduce

    sums, squares = x.sum(axes), x.square().sum(axes)
    count = torch.full((1,), x.numel() // sums.numel(), dtype=x.dtype, device=x.device)
    totals = all_reduce(torch.cat([sums, squares, count]))
    channels = sums.numel()
    mean = totals[:channels] / totals[-1]
    variance = torch.relu(totals[channels : 2 * channels] / totals[-1] - mean.square())
    return mean, variance
