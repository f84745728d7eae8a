"""Equalization: histogram equalization of each colour channel."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer


class Equalization(ColorPreprocessingLayer):
    """Equalizes the histogram of each colour channel, spreading the values over the whole range.

    In the [0, 255] scale each value falls in one of `bins` bins; a lookup table built from the cumulative histogram
    maps each bin to its new value. As in Keras, one histogram per channel is taken over all images of the batch
    (a single image gets its own), a channel with a single occupied bin is left unchanged, and the layer is the
    identity at inference.

    Args:
        value_range: the `[low, high]` range of the input pixels (sorted).
        bins: the number of histogram bins.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = Equalization()
        equalized = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
            raise ValueError(f"Equalization: `bins` should be an integer of at least 2. Received: bins={bins}")
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self._set_value_range(value_range)

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        dtype, bins = images.dtype, self.bins
        channel_axis = 1 if self.data_format == "channels_first" else -1
        channels = images.movedim(channel_axis, 0)  # (C, batch, height, width)
        low, high = float(self.value_range[0]), float(self.value_range[1])
        values = channels * (255.0 / (high - low)) + (0.0 - low * (255.0 / (high - low)))
        flat = values.reshape(values.shape[0], -1).to(torch.float32)

        # Keras's two index formulas differ in the order of operations; each is kept for equal bins at the edges.
        hist_index = (flat * (bins - 1) / 255.0).to(torch.int32).clamp(0, bins - 1).long()
        offsets = torch.arange(flat.shape[0], device=flat.device).unsqueeze(1) * bins
        hist = torch.bincount((hist_index + offsets).reshape(-1), minlength=flat.shape[0] * bins)
        hist = hist.reshape(flat.shape[0], bins)

        cdf = hist.cumsum(dim=1)
        big = torch.iinfo(cdf.dtype).max
        cdf_min = torch.where(cdf > 0, cdf, torch.full_like(cdf, big)).amin(dim=1, keepdim=True)
        denominator = cdf[:, -1:] - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        lookup = (((cdf - cdf_min) * 255).double() / denominator.double()).round().clamp(0, 255)

        lookup_index = ((values / 255.0) * (bins - 1)).clamp(0, bins - 1).to(torch.int32).long()
        lookup_index = lookup_index.reshape(flat.shape[0], -1)
        equalized = torch.gather(lookup, 1, lookup_index).to(dtype)
        occupied = (hist > 0).sum(dim=1, keepdim=True)
        equalized = torch.where(occupied <= 1, values.reshape(flat.shape[0], -1), equalized)
        equalized = equalized * ((high - low) / 255.0) + (low - 0.0 * ((high - low) / 255.0))
        return equalized.reshape(channels.shape).movedim(0, channel_axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}
