"""RandomSaturation: scales the saturation of each image by a random factor."""

from __future__ import annotations

import torch

from kerasish import config
from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer
from kerasish.ops import image as image_ops


class RandomSaturation(ColorPreprocessingLayer):
    """Randomly adjusts the saturation of RGB images: a value `f` drawn per image from the factor's range
    multiplies the HSV saturation by `f / (1 - f)`, so 0.5 leaves images unchanged, 0 makes them gray and 1 fully
    saturated.

    As in Keras, a single number `factor` gives the range `[-factor, factor]` (negative draws also give gray), and
    the scaled saturation is clipped to `value_range`.

    Args:
        factor: a number in [-1, 1] or a pair `(lower, upper)`.
        value_range: the `[low, high]` range of the input pixels (sorted).
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomSaturation(factor=(0.2, 0.8))
        augmented = layer(images, training=True)
    """

    _CHANNELS = (3,)

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
        return {"factor": factor / (1 - factor + config.epsilon())}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        axis = 1 if self.data_format == "channels_first" else -1
        hue, saturation, value = hsv.unbind(axis)
        saturation = saturation * transformation["factor"].to(images.dtype).reshape(-1, 1, 1)
        saturation = saturation.clamp(self.value_range[0], self.value_range[1])
        return image_ops.hsv_to_rgb(torch.stack([hue, saturation, value], dim=axis), data_format=self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
