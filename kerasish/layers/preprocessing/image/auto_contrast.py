"""AutoContrast: stretches each channel of each image to the full value range."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer


class AutoContrast(ColorPreprocessingLayer):
    """Maps each channel of each image linearly so that its lowest value becomes `value_range[0]` and its highest
    `value_range[1]`. Channels of a single value are left unchanged. Deterministic, and (as in Keras) applied at
    inference too.

    Args:
        value_range: the `[low, high]` range of the input pixels (sorted).

    Example:
        layer = AutoContrast(value_range=(0, 1))
        stretched = layer(images)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self._set_value_range(value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = images
        spatial = (-2, -1) if self.data_format == "channels_first" else (-3, -2)
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=images.dtype)
        low = images.amin(dim=spatial, keepdim=True)
        high = images.amax(dim=spatial, keepdim=True)
        # `255.0 / tensor` is a reciprocal times 255 in torch; a true division rounds as Keras does.
        scale = torch.full_like(high, 255.0) / (high - low)
        results = (images * scale - low * scale).clamp(0.0, 255.0)
        results = self._transform_value_range(results, (0, 255), self.value_range, dtype=images.dtype)
        # A constant channel divides by zero: the NaNs mark the channels to keep as they were.
        return torch.where(torch.isnan(results), original.to(results.dtype), results)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range}
