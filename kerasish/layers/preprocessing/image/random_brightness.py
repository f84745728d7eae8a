"""RandomBrightness: adds one random offset per image."""

from __future__ import annotations

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer


class RandomBrightness(ColorPreprocessingLayer):
    """Randomly adjusts brightness during training: adds `delta * (high - low)` to every pixel of an image, with
    `delta` drawn per image from the factor's range, and clips to `value_range`.

    Args:
        factor: a number in [-1, 1] (drawn from `[-factor, factor]`) or a pair `(lower, upper)`. -1 turns an
            image black, 1 white.
        value_range: the `[low, high]` range of the input pixels (sorted); outputs are clipped to it.
        seed: an int for reproducible draws.

    Example:
        layer = RandomBrightness(0.2)
        augmented = layer(images, training=True)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self.seed = seed
        self.generator = make_seed_generator(seed)
        self._set_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        delta = self._uniform((self._batch_size(data), 1, 1, 1), self.factor[0], self.factor[1], seed, images.device)
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        images = images + transformation["rgb_delta"].to(images.dtype)
        return images.clamp_(self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
