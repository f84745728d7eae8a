"""RandomGrayscale: turns each image gray with probability `factor`."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer
from kerasish.ops import image as image_ops


class RandomGrayscale(ColorPreprocessingLayer):
    """Randomly converts images to grayscale (kept as 3 equal channels) with probability `factor` per image.

    Args:
        factor: the probability, in [0, 1], that an image is converted.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomGrayscale(factor=0.3)
        augmented = layer(images, training=True)
    """

    _CHANNELS = (1, 3)

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 <= factor <= 1:
            raise ValueError(f"RandomGrayscale: `factor` should be between 0 and 1. Received: factor={factor}")
        super().__init__(data_format=data_format, **kwargs)
        self.factor = factor
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        draws = self._uniform((self._batch_size(data),), 0.0, 1.0, seed, images.device)
        return (draws < self.factor).reshape(-1, 1, 1, 1)

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        return torch.where(transformation, gray, images)

    def get_config(self) -> dict:
        # Keras leaves `seed` out of this layer's config; kerasish keeps it so that a round trip keeps the layer.
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
