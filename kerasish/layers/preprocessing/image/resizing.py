"""Resizing: resizes images to a fixed height and width."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from kerasish.ops import image as image_ops


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to `(height, width)`, as `keras.ops.image.resize` does; integer images keep their dtype.

    Args:
        height: the output height (a positive int).
        width: the output width (a positive int).
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"`, `"area"`, `"lanczos3"` or `"lanczos5"`.
        crop_to_aspect_ratio: first crop the largest centered window with the target aspect ratio.
        pad_to_aspect_ratio: first pad (with `fill_value`) to the target aspect ratio.
        fill_mode: only `"constant"`.
        fill_value: the padding value for `pad_to_aspect_ratio`.
        antialias: widen the filter when downsampling.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = Resizing(224, 224, crop_to_aspect_ratio=True)
    """

    _USE_BASE_FACTOR = False
    _CAST_INPUTS = False

    def __init__(
        self,
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=False,
        pad_to_aspect_ratio=False,
        fill_mode="constant",
        fill_value=0.0,
        antialias=False,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        for name, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Resizing: `{name}` must be a positive integer. Received: {name}={value!r}")
        self._check_choice("interpolation", interpolation, image_ops.RESIZE_INTERPOLATIONS)
        self._check_choice("fill_mode", fill_mode, ("constant",))
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def get_random_transformation(self, data, training=True, seed=None):
        images = self._images_of(data)
        h_axis, w_axis = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        return (images.shape[h_axis], images.shape[w_axis])

    def transform_images(self, images, transformation=None, training=True):
        return self._transform_images(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        return self._transform_images(segmentation_masks, transformation, "nearest")

    def _transform_images(self, images, transformation, interpolation) -> torch.Tensor:
        return image_ops.resize(
            images,
            (self.height, self.width),
            interpolation=interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def _output_image_shape(self, input_shape):
        return self._set_image_size(input_shape, self.height, self.width)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
            "data_format": self.data_format,
        }
