"""RandomShear: shears images along x and/or y by random amounts during training."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.random_rotation import FILL_MODES, INTERPOLATIONS


class RandomShear(BaseImagePreprocessingLayer):
    """Shears each image during training: output pixel `(x, y)` reads input `(x + sx * y, sy * x + y)`, with
    `sx`, `sy` drawn from the factors and a random sign per image; the identity at inference.

    Args:
        x_factor: a number `f` in [0, 1] (shear in `[-f, f]`) or a pair `(lower, upper)` in [0, 1].
        y_factor: the same along y.
        interpolation: `"bilinear"` or `"nearest"`.
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`.
        fill_value: the fill for `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomShear(x_factor=0.2)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        x_factor=0.0,
        y_factor=0.0,
        interpolation="bilinear",
        fill_mode="reflect",
        fill_value=0.0,
        data_format=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)

        self.x_factor = self._shear_factor("x_factor", x_factor)
        self.y_factor = self._shear_factor("y_factor", y_factor)
        self._factor_args = (x_factor, y_factor)
        self._check_choice("fill_mode", fill_mode, FILL_MODES)
        self._check_choice("interpolation", interpolation, INTERPOLATIONS)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def _shear_factor(self, name: str, factor) -> tuple:
        # Keras checks pairs against [0, 1] too, so it cannot reload the `(-f, f)` its get_config writes; pairs in
        # [-1, 1] are accepted here so that such configs load.
        if isinstance(factor, (tuple, list)):
            return self._symmetric_factor(name, factor, lambda v: -1.0 <= v <= 1.0, "[-1.0, 1.0] (pairs)")
        return self._symmetric_factor(name, factor, lambda v: 0.0 <= v <= 1.0, "[0, 1.0]")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        shape = (self._batch_size(data), 1)
        invert = torch.where(self._uniform(shape, 0.0, 1.0, seed, images.device) > 0.5, -1.0, 1.0)
        shear_y = self._uniform(shape, self.y_factor[0], self.y_factor[1], seed, images.device)
        shear_x = self._uniform(shape, self.x_factor[0], self.x_factor[1], seed, images.device)
        return {"shear_factor": torch.cat([shear_x, shear_y], dim=1) * invert, "input_shape": tuple(images.shape)}

    def _transform_images(self, images, transformation, interpolation):
        shear = transformation["shear_factor"].to(torch.float32)
        ones, zeros = torch.ones_like(shear[:, 0]), torch.zeros_like(shear[:, 0])
        matrix = torch.stack([ones, shear[:, 0], zeros, shear[:, 1], ones, zeros, zeros, zeros], dim=1)
        return self._affine(images, matrix, interpolation)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            # The arguments as given: Keras writes the parsed `(-f, f)` here, which its own __init__ rejects.
            "x_factor": self._factor_args[0],
            "y_factor": self._factor_args[1],
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
            "data_format": self.data_format,
        }
