"""RandomZoom: zooms images in or out by a random factor during training."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.random_rotation import FILL_MODES, INTERPOLATIONS


class RandomZoom(BaseImagePreprocessingLayer):
    """Zooms each image about its center during training; the identity at inference. A draw `z` from
    `1 + factor` scales the sampling grid: `z > 1` zooms out, `z < 1` zooms in.

    Args:
        height_factor: a number `f` (the range `[-f, f]`) or a pair `(lower, upper)`, each in (-1, 1].
        width_factor: the same for the width; None zooms the width as the height (aspect ratio kept).
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`.
        interpolation: `"bilinear"` or `"nearest"`.
        seed: an int for reproducible draws.
        fill_value: the fill for `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomZoom(0.2)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height_factor,
        width_factor=None,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)

        def in_range(value):
            return -1.0 < value <= 1.0

        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._symmetric_factor(
            "height_factor", height_factor, in_range, "(-1.0, 1.0]"
        )
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = self._symmetric_factor(
                "width_factor", width_factor, in_range, "(-1.0, 1.0]"
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
        shape = (self._batch_size(data), 1)
        height_zoom = self._uniform(shape, 1.0 + self.height_lower, 1.0 + self.height_upper, seed, images.device)
        if self.width_factor is not None:
            width_zoom = self._uniform(shape, 1.0 + self.width_lower, 1.0 + self.width_upper, seed, images.device)
        else:
            width_zoom = height_zoom
        return {"height_zoom": height_zoom, "width_zoom": width_zoom, "input_shape": tuple(images.shape)}

    def _transform_images(self, images, transformation, interpolation):
        height, width = images.shape[1:3] if self.data_format == "channels_last" else images.shape[2:4]
        zooms = torch.cat([transformation["width_zoom"], transformation["height_zoom"]], dim=1).to(torch.float32)
        return self._affine(images, self._zoom_matrix(zooms, height, width), interpolation)

    @staticmethod
    def _zoom_matrix(zooms: torch.Tensor, height: int, width: int) -> torch.Tensor:
        x_offset = (width - 1.0) / 2.0 * (1.0 - zooms[:, 0:1])
        y_offset = (height - 1.0) / 2.0 * (1.0 - zooms[:, 1:])
        zeros = torch.zeros_like(x_offset)
        return torch.cat([zooms[:, 0:1], zeros, x_offset, zeros, zooms[:, 1:], y_offset, zeros, zeros], dim=1)

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
