"""GaussianDropout: multiplicative Gaussian noise of mean 1 in training."""

from __future__ import annotations

import math

import torch

from kerasish.layers.layer import Layer
from kerasish.random import SeedGenerator


class GaussianDropout(Layer):
    """Multiplies the inputs by Gaussian noise of mean 1 and standard deviation `sqrt(rate / (1 - rate))` in
    training (the variance of dropout at `rate`, without zeros); the identity in inference.

    Args:
        rate: the equivalent drop probability, in [0, 1].
        seed: an int makes the noise reproducible.

    Example:
        y = GaussianDropout(0.2)(x, training=True)
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate}"
            )
        self.rate = rate
        self.seed = seed
        self._seed_generator = SeedGenerator(seed) if seed is not None else None  # None: torch's global stream
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = torch.randn(
            inputs.shape, generator=self._generator(inputs.device), dtype=inputs.dtype, device=inputs.device
        )
        return inputs * (1.0 + stddev * noise)

    def _generator(self, device):
        return None if self._seed_generator is None else self._seed_generator.generator(device)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
