"""RandomGaussianBlur: blurs some images with a Gaussian kernel of random width."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer, factor_pair
from kerasish.ops import image as image_ops


class RandomGaussianBlur(ColorPreprocessingLayer):
    """Randomly blurs images: with a probability drawn per image from the factor's range, an image is blurred with a
    `kernel_size` Gaussian kernel whose standard deviations `(sigma_x, sigma_y)` are drawn (once per call) from
    `sigma`'s range; outputs are clipped to `value_range`.

    Args:
        factor: a number in [0, 1] (the range `[0, factor]`) or a pair `(lower, upper)`.
        kernel_size: an odd int, or a pair of odd ints `(height, width)`.
        sigma: a number in [0, 1] (the range `[0, sigma]`) or a pair.
        value_range: the `[low, high]` range of the input pixels.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomGaussianBlur(factor=0.5, kernel_size=5, sigma=(0.5, 1.0))
        blurred = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.kernel_size = self._parse_kernel_size(kernel_size)
        self._set_factor(factor)
        self.sigma = factor_pair(sigma, self._FACTOR_BOUNDS, "RandomGaussianBlur", "sigma")
        self.value_range = value_range
        self.seed = seed
        self.generator = make_seed_generator(seed)

    @staticmethod
    def _parse_kernel_size(kernel_size):
        sizes = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
        if len(sizes) != 2 or not all(isinstance(k, int) and not isinstance(k, bool) and k > 0 for k in sizes):
            raise ValueError(
                "RandomGaussianBlur: the `kernel_size` argument should be a positive odd number (or a list of two). "
                f"Received: kernel_size={kernel_size}"
            )
        if sizes[0] % 2 == 0 or sizes[1] % 2 == 0:
            raise ValueError(
                f"RandomGaussianBlur: kernel_size must be an odd number. Received: kernel_size={kernel_size}"
            )
        return tuple(sizes)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        device, batch = images.device, (self._batch_size(data),)
        probability = self._uniform(batch, self.factor[0], self.factor[1], seed, device)
        apply = self._uniform(batch, 0.0, 1.0, seed, device) < probability
        blur_factor = self._uniform((2,), self.sigma[0], self.sigma[1], seed, device) + 1e-6
        return {"should_apply_blur": apply, "blur_factor": blur_factor}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        sigma = tuple(float(s) for s in transformation["blur_factor"].cpu())
        blurred = image_ops.gaussian_blur(images, self.kernel_size, sigma, data_format=self.data_format)
        apply = transformation["should_apply_blur"].to(images.device).reshape(-1, 1, 1, 1)
        images = torch.where(apply, blurred, images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "kernel_size": self.kernel_size,
            "sigma": self.sigma,
            "value_range": self.value_range,
            "seed": self.seed,
        }
