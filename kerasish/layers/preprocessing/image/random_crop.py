"""RandomCrop: crops a random window of images during training."""

from __future__ import annotations

import random as python_random

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)
from kerasish.ops import image as image_ops


class RandomCrop(BaseImagePreprocessingLayer):
    """Crops a random `(height, width)` window during training (one window for the whole batch, as Keras); images
    not larger than the window in both dimensions are instead center-cropped to its aspect ratio and resized. As in
    Keras 3, the layer is the identity at inference.

    Args:
        height: the crop height (a positive int).
        width: the crop width (a positive int).
        seed: an int for reproducible draws (a random one is drawn, and kept in the config, when None).
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomCrop(200, 200)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        for arg, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"RandomCrop: `{arg}` must be a positive integer. Received: {arg}={value!r}")
        self.height = height
        self.width = width
        self.seed = seed if seed is not None else python_random.randint(1, int(1e9))
        self.generator = make_seed_generator(seed)
        self.supports_masking = False

    def get_random_transformation(self, data, training=True, seed=None):
        images = self._images_of(data)
        h_axis, w_axis = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        input_height, input_width = images.shape[h_axis], images.shape[w_axis]
        if training and input_height > self.height and input_width > self.width:
            generator = self._generator(seed, images.device)
            draws = torch.rand((2,), generator=generator, device=images.device)
            h_start = int(draws[0] * float(input_height - self.height + 1))
            w_start = int(draws[1] * float(input_width - self.width + 1))
        else:
            crop_height = max(min(input_height, int(float(input_width * self.height) / self.width)), 1)
            crop_width = max(min(input_width, int(float(input_height * self.width) / self.height)), 1)
            h_start = int(float(input_height - crop_height) / 2)
            w_start = int(float(input_width - crop_width) / 2)
        return (h_start, w_start)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        h_start, w_start = transformation
        rows, cols = slice(h_start, h_start + self.height), slice(w_start, w_start + self.width)
        if self.data_format == "channels_last":
            x = images[:, rows, cols, :]
            height, width = x.shape[1:3]
        else:
            x = images[:, :, rows, cols]
            height, width = x.shape[2:4]
        # An image smaller than the window: Keras slices from the aspect-ratio crop's corner and resizes what it got.
        if height != self.height or width != self.width:
            x = image_ops.resize(x, (self.height, self.width), data_format=self.data_format)
        return x

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def _output_image_shape(self, input_shape):
        return self._set_image_size(input_shape, self.height, self.width)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "seed": self.seed,
            "data_format": self.data_format,
        }
