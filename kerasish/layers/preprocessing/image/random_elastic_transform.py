"""RandomElasticTransform: distorts images with smooth random displacement fields during training."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.random_rotation import INTERPOLATIONS
from kerasish.ops import image as image_ops

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


class RandomElasticTransform(BaseImagePreprocessingLayer):
    """Applies an elastic distortion (Gaussian-smoothed random displacements) to each image with a per-image
    probability drawn from `factor`, during training; outputs are clipped to `value_range`. The identity at
    inference.

    The strength `s` is drawn from `scale` once per batch; the displacement field has scale
    `alpha = 0.1 * s * max(height, width)` and smoothness `sigma = 0.05 * s * min(height, width)`.

    Args:
        factor: a number in [0, 1] or a pair: the probability range of distorting an image.
        scale: a number in [0, 1] or a pair: the range of the distortion strength.
        interpolation: `"bilinear"` or `"nearest"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`.
        fill_value: the fill for `fill_mode="constant"`.
        value_range: the `(low, high)` range of the pixels.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomElasticTransform(factor=0.5, scale=0.5, value_range=(0, 1))
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        scale=1.0,
        interpolation="bilinear",
        fill_mode="reflect",
        fill_value=0.0,
        value_range=(0, 255),
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        probability_factor = self.factor
        self._set_factor(scale)  # the same bounds and parsing as `factor`
        self.scale, self.factor = self.factor, probability_factor
        self._check_choice("interpolation", interpolation, INTERPOLATIONS)
        self._check_choice("fill_mode", fill_mode, FILL_MODES)
        self._set_value_range(value_range)
        self.value_range = value_range
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = self._images_of(data)
        batch = self._batch_size(data)
        height, width = images.shape[-3:-1] if self.data_format == "channels_last" else images.shape[-2:]
        device = images.device
        probability = self._uniform((batch,), self.factor[0], self.factor[1], seed, device)
        threshold = self._uniform((batch,), 0.0, 1.0, seed, device)
        strength = self._uniform((), self.scale[0], self.scale[1], seed, device)
        # The displacement noise is drawn here (Keras draws it inside the op from a seed), so that a
        # transformation fully determines the output.
        noise = torch.randn((2 * batch, 1, height, width), generator=self._generator(seed, device), device=device)
        return {"apply_transform": threshold < probability, "distortion_factor": strength, "noise": noise}

    @staticmethod
    def get_elastic_transform_params(height, width, factor):
        return max(height, width) * 0.1 * factor, min(height, width) * 0.05 * factor

    def _transform_images(self, images, transformation, interpolation):
        x = images if self.data_format == "channels_first" else images.permute(0, 3, 1, 2)
        n, _, height, width = x.shape
        factor = float(transformation["distortion_factor"])
        alpha, sigma = self.get_elastic_transform_params(height, width, factor)
        if sigma <= 0 or alpha == 0:  # no distortion (a zero-width Gaussian has no kernel)
            return images.clamp(self.value_range[0], self.value_range[1])
        kernel = (6 * int(sigma)) | 1
        noise = transformation["noise"].to(device=x.device, dtype=torch.float32) * sigma
        noise = image_ops.gaussian_blur_channels_first(noise, (kernel, kernel), (sigma, sigma))
        warped = image_ops.displace(
            x, noise[:n, 0], noise[n:, 0], alpha, interpolation, self.fill_mode, self.fill_value
        )
        warped = warped.to(images.dtype)
        if self.data_format == "channels_last":
            warped = warped.permute(0, 2, 3, 1)
        apply = transformation["apply_transform"].to(images.device).view(-1, 1, 1, 1)
        outputs = torch.where(apply, warped, images)
        return outputs.clamp(self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "interpolation": self.interpolation,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "value_range": self.value_range,
            "seed": self.seed,
        }
