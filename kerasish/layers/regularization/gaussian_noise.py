"""GaussianNoise: adds zero-centered Gaussian noise in training."""

from __future__ import annotations

import torch

from kerasish.layers.layer import Layer
from kerasish.random import SeedGenerator


class GaussianNoise(Layer):
    """Adds Gaussian noise of mean 0 and standard deviation `stddev` in training; the identity in inference.

    Args:
        stddev: the noise's standard deviation, in [0, 1].
        seed: an int makes the noise reproducible.

    Example:
        y = GaussianNoise(0.1)(x, training=True)
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError(
                f"Invalid value received for argument `stddev`. Expected a float value between 0 and "
                f"1. Received: stddev={stddev}"
            )
        self.stddev = stddev
        self.seed = seed
        self._seed_generator = SeedGenerator(seed) if seed is not None else None  # None: torch's global stream
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = torch.randn(
            inputs.shape, generator=self._generator(inputs.device), dtype=inputs.dtype, device=inputs.device
        )
        return inputs + self.stddev * noise

    def _generator(self, device):
        return None if self._seed_generator is None else self._seed_generator.generator(device)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
