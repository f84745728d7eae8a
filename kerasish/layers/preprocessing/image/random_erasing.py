"""RandomErasing: fills a random rectangle of some images with noise or a constant."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    images_shape,
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer, factor_pair
from kerasish.layers.preprocessing.image.cut_mix import crop_bounds, rectangle_masks


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class RandomErasing(ColorPreprocessingLayer):
    """Random erasing (cutout): with a probability drawn per image from the factor's range, a rectangle of the image
    is replaced by `fill_value`. The rectangle's sides are `sqrt(s)` of the image's, with `s` drawn from `scale`
    for each side, at a uniform position.

    Args:
        factor: a number in [0, 1] (the range `[0, factor]`) or a pair `(lower, upper)`.
        scale: a number or pair in [0, 1]: the range of each side's squared fraction.
        fill_value: None (Gaussian noise times `value_range[1]`), a number, or one number per channel (3);
            clipped to `value_range`.
        value_range: the `[low, high]` range of the input pixels.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomErasing(factor=0.5, fill_value=0.0)
        augmented = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        scale=(0.02, 0.33),
        fill_value=None,
        value_range=(0, 255),
        seed=None,
        data_format=None,
        **kwargs,
    ):
        if fill_value is not None and not (
            _number(fill_value)
            or (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3 and all(map(_number, fill_value)))
        ):
            raise ValueError(
                "RandomErasing: the `fill_value` argument should be a number (or a list of three numbers). "
                f"Received: fill_value={fill_value}"
            )
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = factor_pair(scale, self._FACTOR_BOUNDS, "RandomErasing", "scale")
        self.fill_value = fill_value
        self.value_range = value_range
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        device, batch = images.device, self._batch_size(data)
        height, width, channels = images_shape(images, self.data_format)
        sides = torch.sqrt(self._uniform((batch, 2), self.scale[0], self.scale[1], seed, device))
        x0, x1 = crop_bounds(width, sides[:, 0] * width, self._uniform((batch,), 0.0, 1.0, seed, device))
        y0, y1 = crop_bounds(height, sides[:, 1] * height, self._uniform((batch,), 0.0, 1.0, seed, device))
        probability = self._uniform((batch,), self.factor[0], self.factor[1], seed, device)
        apply = self._uniform((batch,), 0.0, 1.0, seed, device) < probability
        image_shape = (height, width, channels) if self.data_format == "channels_last" else (channels, height, width)
        return {
            "apply_erasing": apply,
            "batch_masks": rectangle_masks(height, width, x0, x1, y0, y1, self.data_format),
            "fill_value": self._fill((batch, *image_shape), seed, device),
        }

    def _fill(self, shape, seed, device) -> torch.Tensor:
        if self.fill_value is None:
            noise = torch.randn(shape, generator=self._generator(seed, device), device=device)
            fill = noise * self.value_range[1]
        elif _number(self.fill_value):
            fill = torch.full(shape, float(self.fill_value), device=device)
        else:
            per_channel = torch.tensor(self.fill_value, dtype=torch.float32, device=device)
            per_channel = per_channel.reshape(3, 1, 1) if self.data_format == "channels_first" else per_channel
            fill = torch.broadcast_to(per_channel, shape)
        return fill.clamp(self.value_range[0], self.value_range[1])

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        masks = transformation["batch_masks"].to(images.device)
        apply = transformation["apply_erasing"].to(images.device).reshape(-1, 1, 1, 1)
        fill = transformation["fill_value"].to(device=images.device, dtype=images.dtype)
        return torch.where(masks & apply, fill, images)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "fill_value": self.fill_value,
            "value_range": self.value_range,
            "seed": self.seed,
        }
