"""RandomPosterization: keeps only the top bits of each 8-bit colour value."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer


class RandomPosterization(ColorPreprocessingLayer):
    """Randomly posterizes images: per image, a bit count `b` is drawn from `[lower, upper)` (or is `lower` when the
    bounds are equal) and each 8-bit value keeps its top `b` bits.

    Values are mapped to [0, 255] and truncated to integers first; kerasish clips them to [0, 255] before that
    (Keras's cast of out-of-range values to uint8 is backend-dependent).

    Args:
        factor: an int in [1, 8] (the range `[1, factor)`) or a pair `(lower, upper)`.
        value_range: the `[low, high]` range of the input pixels (sorted).
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomPosterization(factor=4)
        augmented = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._set_value_range(value_range)
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        batch = self._batch_size(data)
        low, high = int(self.factor[0]), int(self.factor[1])
        if low != high:
            bits = torch.randint(
                low, high, (batch,), generator=self._generator(seed, images.device), device=images.device
            )
        else:
            bits = torch.full((batch,), low, device=images.device)
        return {"shift_factor": (self._MAX_FACTOR - bits).to(torch.uint8)}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        dtype = images.dtype
        shift = transformation["shift_factor"].to(device=images.device, dtype=torch.uint8).reshape(-1, 1, 1, 1)
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=dtype)
        pixels = images.clamp(0, 255).to(torch.uint8)
        pixels = torch.bitwise_left_shift(torch.bitwise_right_shift(pixels, shift), shift)
        return self._transform_value_range(pixels.to(dtype), (0, 255), self.value_range, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
