"""RandomInvert: inverts the pixel values of some images."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer


class RandomInvert(ColorPreprocessingLayer):
    """Randomly inverts images to `value_range[1] - x`. Per image, a probability is drawn from the factor's range
    and the image is inverted if a second uniform draw falls below it (so `factor=1.0`, the range `[0, 1]`,
    inverts about half the images, and `factor=(1.0, 1.0)` all of them).

    Args:
        factor: a number in [0, 1] or a pair `(lower, upper)`.
        value_range: the `[low, high]` range of the input pixels.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomInvert(factor=(1.0, 1.0), value_range=(0, 1))
        inverted = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
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
        probability = self._uniform(batch, self.factor[0], self.factor[1], seed, images.device)
        threshold = self._uniform(batch, 0.0, 1.0, seed, images.device)
        return {"apply_inversion": threshold < probability}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        apply = transformation["apply_inversion"].reshape(-1, 1, 1, 1)
        return torch.where(apply, self.value_range[1] - images, images)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
