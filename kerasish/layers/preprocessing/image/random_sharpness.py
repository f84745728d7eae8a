"""RandomSharpness: blends each image with a smoothed copy, sharpening or blurring it."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer


class RandomSharpness(ColorPreprocessingLayer):
    """Randomly adjusts sharpness: with `s = 2 * f` for `f` drawn per image from the factor's range, each image
    becomes `x + (1 - s) * (smooth(x) - x)`, where `smooth` is the 3x3 filter `[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`
    (zero padded), clipped to `value_range`. `f = 0.5` leaves images unchanged; lower values blur, higher sharpen.

    Args:
        factor: a number in [0, 1] (the range `[0, factor]`) or a pair `(lower, upper)`.
        value_range: the `[low, high]` range of the input pixels (sorted).
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomSharpness(factor=(0.5, 1.0))
        augmented = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

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
        factor = self._uniform((self._batch_size(data),), self.factor[0], self.factor[1], seed, images.device)
        return {"factor": factor}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        nchw = images if self.data_format == "channels_first" else images.permute(0, 3, 1, 2)
        channels = nchw.shape[1]
        kernel = torch.full((3, 3), 1.0 / 13.0, dtype=images.dtype, device=images.device)
        kernel[1, 1] = 5.0 / 13.0
        smoothed = F.conv2d(nchw, kernel.expand(channels, 1, 3, 3), padding=1, groups=channels)
        if self.data_format == "channels_last":
            smoothed = smoothed.permute(0, 2, 3, 1)
        sharpness = (transformation["factor"] * 2).to(images.dtype).reshape(-1, 1, 1, 1)
        images = images + (1.0 - sharpness) * (smoothed - images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
