"""RandomTranslation: shifts images by a random offset during training."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.random_rotation import FILL_MODES, INTERPOLATIONS


class RandomTranslation(BaseImagePreprocessingLayer):
    """Shifts each image by a random fraction of its height and width during training; the identity at inference.

    Args:
        height_factor: a number `f` (a shift in `[-f, f]` of the height) or a pair `(lower, upper)`, in [-1, 1];
            positive shifts move the image down.
        width_factor: the same for the width; positive shifts move the image right.
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`.
        interpolation: `"bilinear"` or `"nearest"`.
        seed: an int for reproducible draws.
        fill_value: the fill for `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomTranslation(0.1, 0.1)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)

        def in_range(value):
            return -1.0 <= value <= 1.0

        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._symmetric_factor(
            "height_factor", height_factor, in_range, "[-1.0, 1.0]"
        )
        self.width_factor = width_factor
        self.width_lower, self.width_upper = self._symmetric_factor(
            "width_factor", width_factor, in_range, "[-1.0, 1.0]"
        )
        self._check_choice("fill_mode", fill_mode, FILL_MODES)
        self._check_choice("interpolation", interpolation, INTERPOLATIONS)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        batch = self._batch_size(data)
        height, width = images.shape[-3:-1] if self.data_format == "channels_last" else images.shape[-2:]
        dy = self._uniform((batch, 1), self.height_lower, self.height_upper, seed, images.device) * height
        dx = self._uniform((batch, 1), self.width_lower, self.width_upper, seed, images.device) * width
        return {"translations": torch.cat([dx, dy], dim=1), "input_shape": tuple(images.shape)}

    def _transform_images(self, images, transformation, interpolation):
        translations = transformation["translations"].to(torch.float32)
        ones, zeros = torch.ones_like(translations[:, :1]), torch.zeros_like(translations[:, :1])
        matrix = torch.cat([ones, zeros, -translations[:, 0:1], zeros, ones, -translations[:, 1:], zeros, zeros], dim=1)
        return self._affine(images, matrix, interpolation)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
            "data_format": self.data_format,
        }
