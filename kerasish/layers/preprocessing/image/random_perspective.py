"""RandomPerspective: moves the image corners at random (a perspective warp) during training."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.random_rotation import INTERPOLATIONS
from kerasish.ops import image as image_ops


class RandomPerspective(BaseImagePreprocessingLayer):
    """Warps images by moving each corner by up to `scale / 2` of its coordinates, with a per-image probability
    drawn from `factor`, during training; the identity at inference.

    Args:
        factor: a number in [0, 1] or a pair: the probability range of applying the warp.
        scale: the distortion strength, in [0, 1].
        interpolation: `"bilinear"` or `"nearest"`.
        fill_value: the value outside the warped image.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomPerspective(factor=0.5, scale=0.3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None, data_format=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        if not 0.0 <= scale <= 1.0:
            raise ValueError(
                f"RandomPerspective: `scale` should be a number in the range [0,1]. Received: scale={scale}"
            )
        self._check_choice("interpolation", interpolation, INTERPOLATIONS)
        self.scale = scale
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
        device = images.device
        probability = self._uniform((batch,), self.factor[0], self.factor[1], seed, device)
        threshold = self._uniform((batch,), 0.0, 1.0, seed, device)
        perspective = self._uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale, seed, device)
        corners = [[0.0, 0.0], [width - 1.0, 0.0], [0.0, height - 1.0], [width - 1.0, height - 1.0]]
        start_points = torch.tensor([corners], dtype=torch.float32, device=device).repeat(batch, 1, 1)
        return {
            "apply_perspective": threshold < probability,
            "start_points": start_points,
            "end_points": start_points + start_points * perspective,
            "input_shape": tuple(images.shape),
        }

    def _transform_images(self, images, transformation, interpolation):
        outputs = image_ops.perspective_transform(
            images,
            transformation["start_points"],
            transformation["end_points"],
            interpolation=interpolation,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )
        apply = transformation["apply_perspective"].to(images.device).view(-1, 1, 1, 1)
        return torch.where(apply, outputs, images)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "interpolation": self.interpolation,
            "fill_value": self.fill_value,
            "seed": self.seed,
        }
