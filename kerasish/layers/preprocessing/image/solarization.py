"""Solarization: inverts the pixels above a threshold, after adding an offset."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer


class Solarization(ColorPreprocessingLayer):
    """Solarizes images: in the [0, 255] scale, each image gets `x + addition` (clipped to [0, 255]), and values at or
    above `threshold` become `255 - x`. `addition` and `threshold` are drawn per image: from
    `[lower, upper * 255]` of `addition_factor` and `threshold_factor` respectively (Keras scales only the upper
    bound). With the default factors of 0 the layer inverts every image.

    Args:
        addition_factor: a number in [0, 1] (the range `[0, factor]`) or a pair.
        threshold_factor: a number in [0, 1] or a pair.
        value_range: the `[low, high]` range of the input pixels (sorted).
        seed: an int for reproducible draws.

    Example:
        layer = Solarization(threshold_factor=(0.5, 0.5))  # inverts the values >= 127.5
        augmented = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_VALIDATION_ERROR = (
        "The `addition_factor` and `threshold_factor` arguments should be a number (or a list of two numbers) "
        "in the range [0, 1]. "
    )

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = make_seed_generator(seed)
        self.addition_factor = self._parse_factor(addition_factor, "addition_factor")
        self.threshold_factor = self._parse_factor(threshold_factor, "threshold_factor")
        self._set_value_range(value_range)

    def _parse_factor(self, factor, name):
        def number(value):
            return isinstance(value, (int, float)) and not isinstance(value, bool)

        error = f"Solarization: {self._FACTOR_VALIDATION_ERROR}Received: {name}={factor}"
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(number(f) and 0 <= f <= 1 for f in factor):
                raise ValueError(error)
            return tuple(sorted(factor))
        if number(factor) and 0 <= factor <= 1:
            return (0, factor)
        raise ValueError(error)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        shape = (self._batch_size(data), 1, 1, 1)
        additions = self._uniform(shape, self.addition_factor[0], self.addition_factor[1] * 255, seed, images.device)
        thresholds = self._uniform(shape, self.threshold_factor[0], self.threshold_factor[1] * 255, seed, images.device)
        return {"additions": additions, "thresholds": thresholds}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        dtype = images.dtype
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=dtype)
        results = (images + transformation["additions"].to(dtype)).clamp(0, 255)
        results = torch.where(results < transformation["thresholds"].to(dtype), results, 255 - results)
        return self._transform_value_range(results, (0, 255), self.value_range, dtype=dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "addition_factor": self.addition_factor,
            "threshold_factor": self.threshold_factor,
            "seed": self.seed,
        }
