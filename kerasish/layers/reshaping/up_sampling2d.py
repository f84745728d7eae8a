"""UpSampling2D: enlarges images by integer factors, repeating pixels or interpolating bilinearly."""

from __future__ import annotations

import torch.nn.functional as F

from kerasish.layers.convolutional.conv_utils import standardize_data_format, standardize_tuple
from kerasish.layers.reshaping.base_up_sampling import BaseUpSampling

_INTERPOLATIONS = ("nearest", "bilinear")


class UpSampling2D(BaseUpSampling):
    """Upsamples the height and width of `(batch, height, width, channels)` inputs (or channels-first).

    Args:
        size: an int or 2 ints, the factors for height and width.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        interpolation: `"nearest"` (each pixel repeated) or `"bilinear"` (half-pixel centres, as
            `keras.ops.image.resize`).

    Example:
        y = UpSampling2D(2, interpolation="bilinear")(torch.ones(2, 3, 4, 5))  # shape (2, 6, 8, 5)
    """

    def __init__(self, size=(2, 2), data_format: str | None = None, interpolation: str = "nearest", **kwargs):
        size = standardize_tuple(size, 2, "size")
        super().__init__(size, standardize_data_format(data_format), **kwargs)
        self.size = size
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in _INTERPOLATIONS:
            raise ValueError(
                f"UpSampling2D supports interpolation in {_INTERPOLATIONS}. Received: interpolation={interpolation!r}"
            )

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        channels_last = self.data_format == "channels_last"
        x = inputs.permute(0, 3, 1, 2) if channels_last else inputs
        size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        outputs = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        return outputs.permute(0, 2, 3, 1) if channels_last else outputs

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }
