"""Dropout: zeroes a fraction of inputs during training."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish.layers.layer import Layer


class Dropout(Layer):
    """Sets inputs to 0 with probability `rate` in training and scales the rest by `1 / (1 - rate)`.

    Args:
        rate: the fraction of inputs to drop, in [0, 1).
        noise_shape: shape of the binary mask, broadcast against the inputs (None entries take the input's size).
        seed: an int makes the masks reproducible.

    Example:
        layer = Dropout(0.5)
        y = layer(x, training=True)
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate}"
            )
        self.rate = float(rate)
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        self._generator = None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None and self.seed is None:
            if torch.compiler.is_compiling():
                # torch's dropout kernel reads `numel()`, which a dynamic batch size under `torch.func.grad` (the
                # compiled train step) does not have; the mask written out is the same arithmetic.
                return inputs * (torch.rand_like(inputs) >= self.rate) / (1 - self.rate)
            return F.dropout(inputs, self.rate, training=True)
        shape = self.noise_shape or tuple(inputs.shape)
        shape = tuple(inputs.shape[i] if d is None else d for i, d in enumerate(shape))
        keep = torch.empty(shape, dtype=inputs.dtype, device=inputs.device)
        keep.bernoulli_(1 - self.rate, generator=self._seeded_generator(inputs.device))
        return inputs * keep / (1 - self.rate)

    def _seeded_generator(self, device):
        if self.seed is None:
            return None
        if self._generator is None or self._generator.device != device:
            self._generator = torch.Generator(device=device)
            self._generator.manual_seed(self.seed)
        return self._generator

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": list(self.noise_shape) if self.noise_shape else None,
            "seed": self.seed,
        }
