"""Normalization: feature-wise `(x - mean) / sqrt(variance)`, with statistics given or learnt by `adapt`."""

from __future__ import annotations

import math

import numpy as np
import torch

from kerasish import config
from kerasish.layers.layer import Layer


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1: `(x - mean) / max(sqrt(variance), epsilon)`.

    The statistics are kept per position along `axis` and reduced over the other axes. Learnt ones are the layer's
    non-trainable weights `mean`, `variance` and `count`, as Keras's, so they are saved with the model.

    Args:
        axis: the axis or axes that keep separate statistics (-1: one per feature; None: one scalar).
        mean: the mean to use instead of `adapt` (broadcast over the kept axes).
        variance: the variance to use instead of `adapt`.
        invert: undo a normalization instead: `mean + x * max(sqrt(variance), epsilon)`.

    Example:
        layer = Normalization()
        layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
        layer(np.array([[1.0, 20.0]]))  # [[0., 0.]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                f"Normalization: set both mean and variance, or neither; got mean={mean} and variance={variance}."
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    f"Normalization: mean and variance must have the same shape, got "
                    f"{np.shape(mean)} and {np.shape(variance)}."
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    f"Normalization: the rank of mean ({len(np.shape(mean))}) must be at most the number "
                    f"of axes ({len(self.axis)}), axis={self.axis}."
                )
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Normalization: axis values must be in [-{ndim}, {ndim}) for inputs of rank {ndim}, "
                f"got axis={self.axis}."
            )
        self._keep = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[a] is None for a in self._keep):
            raise ValueError(
                f"Normalization: the kept axes {self._keep} need known sizes, got input shape {tuple(input_shape)}."
            )
        self._reduce = tuple(a for a in range(ndim) if a not in self._keep)
        self._broadcast = [input_shape[a] if a in self._keep else 1 for a in range(ndim)]
        self._stat_shape = tuple(input_shape[a] for a in self._keep)
        self._input_shape = tuple(input_shape)
        if self.input_mean is None:
            self.mean = self.add_weight(shape=self._stat_shape, initializer="zeros", trainable=False, name="mean")
            self.variance = self.add_weight(
                shape=self._stat_shape, initializer="ones", trainable=False, name="variance"
            )
            self.count = self.add_weight(shape=(), initializer="zeros", dtype="int64", trainable=False, name="count")
        else:
            # Given statistics align with the kept axes from the right, then broadcast.
            self._given = [
                self._aligned(np.asarray(v, np.float64), ndim) for v in (self.input_mean, self.input_variance)
            ]

    def _aligned(self, value: np.ndarray, ndim: int) -> torch.Tensor:
        shape = [1] * ndim
        for i in range(1, value.ndim + 1):
            shape[self._keep[-i]] = value.shape[-i]
        value = np.broadcast_to(value.reshape(shape), self._broadcast)
        return torch.tensor(value, dtype=config.standardize_dtype(self.compute_dtype))

    def adapt(self, data) -> None:
        """Learns the mean and variance of `data` over the reduced axes (Keras's numerics: one pass over an array,
        or a running merge of each batch's statistics for an iterable of batches).

        Args:
            data: a numpy array or tensor, or an iterable of batches.
        """
        if self.input_mean is not None:
            raise ValueError("Normalization: cannot adapt a layer given mean and variance.")
        single = isinstance(data, (np.ndarray, torch.Tensor))
        batches = [data] if single else iter(data)
        total_mean = total_var = None
        total_count = 0
        for batch in batches:
            array = np.asarray(batch.cpu() if isinstance(batch, torch.Tensor) else batch, np.float32)
            if not self.built:
                self.build(array.shape)
            if any(array.shape[a] != self._input_shape[a] for a in self._keep):
                raise ValueError(
                    f"Normalization: adapt() got data of shape {array.shape}, incompatible with the "
                    f"input shape {self._input_shape} the layer was built with."
                )
            batch_mean, batch_var = array.mean(axis=self._reduce), array.var(axis=self._reduce)
            if single:
                total_mean, total_var = batch_mean, batch_var
                break
            count = math.prod(array.shape[a] for a in self._reduce)
            total_count += count
            weight = count / total_count
            if total_mean is None:
                total_mean, total_var = np.zeros_like(batch_mean), np.zeros_like(batch_var)
            new_mean = total_mean * (1 - weight) + batch_mean * weight
            total_var = (total_var + (total_mean - new_mean) ** 2) * (1 - weight) + (
                batch_var + (batch_mean - new_mean) ** 2
            ) * weight
            total_mean = new_mean
        if total_mean is None:
            raise ValueError("Normalization: adapt() got no data (an empty iterable of batches).")
        with torch.no_grad():
            self.mean.copy_(torch.as_tensor(np.asarray(total_mean)))
            self.variance.copy_(torch.as_tensor(np.asarray(total_var)))

    def call(self, inputs):
        dtype = config.standardize_dtype(self.compute_dtype)
        if self.input_mean is None:
            mean, variance = self.mean.reshape(self._broadcast), self.variance.reshape(self._broadcast)
        else:
            mean, variance = self._given
        mean = mean.to(device=inputs.device, dtype=dtype)
        scale = variance.to(device=inputs.device, dtype=dtype).sqrt().clamp(min=config.epsilon())
        inputs = inputs.to(dtype)
        return mean + inputs * scale if self.invert else (inputs - mean) / scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": list(self.axis),
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }
