"""RandomRotation: rotates images by a random angle during training."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


class RandomRotation(BaseImagePreprocessingLayer):
    """Rotates each image about its center by an angle drawn from `factor * 360` degrees during training; the
    identity at inference.

    Args:
        factor: a fraction of a full turn, as a number `f` (the range `[-f, f]`) or a pair `(lower, upper)`;
            positive values rotate counter-clockwise.
        fill_mode: how points outside the image are filled: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`.
        interpolation: `"bilinear"` or `"nearest"`.
        seed: an int for reproducible draws.
        fill_value: the fill for `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomRotation(0.1)  # up to 36 degrees either way
    """

    def __init__(
        self,
        factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._check_choice("fill_mode", fill_mode, FILL_MODES)
        self._check_choice("interpolation", interpolation, INTERPOLATIONS)
        self.seed = seed
        self.generator = make_seed_generator(seed)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        batch = self._batch_size(data)
        height, width = images.shape[-3:-1] if self.data_format == "channels_last" else images.shape[-2:]
        angle = self._uniform((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0, seed, images.device)
        zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
        matrix = self._compute_affine_matrix(0.5, 0.5, angle, zeros, zeros, ones, zeros, zeros, height, width)
        return {
            "angle": angle,
            "rotation_matrix": matrix,
            "image_height": height,
            "image_width": width,
            "batch_size": batch,
        }

    def _transform_images(self, images, transformation, interpolation):
        return self._affine(images, transformation["rotation_matrix"], interpolation)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "data_format": self.data_format,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
