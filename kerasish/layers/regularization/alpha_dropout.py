"""AlphaDropout: dropout that keeps the self-normalizing property of SELU networks."""

from __future__ import annotations

import torch

from kerasish.layers.layer import Layer
from kerasish.random import SeedGenerator

# SELU's constants: dropped units are set to SELU's negative saturation value, -alpha * scale.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """In training, sets a fraction `rate` of the inputs to SELU's negative saturation value and applies the
    affine correction `a * x + b` that keeps the inputs' mean and variance; the identity in inference.

    Args:
        rate: the fraction of inputs to drop, in [0, 1].
        noise_shape: shape of the drop mask, broadcast against the inputs (None entries take the input's size).
        seed: an int makes the masks reproducible.

    Example:
        y = AlphaDropout(0.1)(x, training=True)
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate}"
            )
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self._seed_generator = SeedGenerator(seed) if seed is not None else None  # None: torch's global stream
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = (
            tuple(inputs.shape)
            if self.noise_shape is None
            else tuple(inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        )
        uniform = torch.rand(shape, generator=self._generator(inputs.device), dtype=inputs.dtype, device=inputs.device)
        kept = (uniform >= self.rate).to(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * kept + alpha_p * (1 - kept)
        return a * x + b

    def _generator(self, device):
        return None if self._seed_generator is None else self._seed_generator.generator(device)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": list(self.noise_shape) if self.noise_shape is not None else None,
        }
