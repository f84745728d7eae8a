"""RandomHue: rotates the hue of each image by a random amount."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer
from kerasish.ops import image as image_ops


class RandomHue(ColorPreprocessingLayer):
    """Randomly shifts the hue of RGB images: each image goes to HSV, its hue turns by `±factor / 2` of a full
    circle (the sign drawn with even odds), and it comes back to RGB.

    Args:
        factor: a number in [0, 1] (the shift is drawn from `[0, factor]`) or a pair `(lower, upper)`. 0 leaves
            images unchanged; 1 allows the largest shift (half the hue circle either way).
        value_range: the `[low, high]` range of the input pixels.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomHue(factor=0.5, value_range=[0, 1])
        augmented = layer(images, training=True)
    """

    _CHANNELS = (3,)
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        batch = (self._batch_size(data),)
        sign = torch.where(self._uniform(batch, 0.0, 1.0, seed, images.device) > 0.5, -1.0, 1.0)
        factor = self._uniform(batch, self.factor[0], self.factor[1], seed, images.device)
        return {"factor": sign * factor * 0.5}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        dtype = images.dtype
        images = self._transform_value_range(images, self.value_range, (0, 1), dtype=dtype)
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        axis = 1 if self.data_format == "channels_first" else -1
        hue, saturation, value = hsv.unbind(axis)
        hue = hue + transformation["factor"].to(dtype).reshape(-1, 1, 1)
        # Keras wraps by one turn at most: factors are within half a turn, hues within [0, 1].
        hue = torch.where(hue > 1.0, hue - 1.0, hue)
        hue = torch.where(hue < 0.0, hue + 1.0, hue)
        images = image_ops.hsv_to_rgb(torch.stack([hue, saturation, value], dim=axis), data_format=self.data_format)
        images = images.clamp(0.0, 1.0)
        return self._transform_value_range(images, (0, 1), self.value_range, dtype=dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
