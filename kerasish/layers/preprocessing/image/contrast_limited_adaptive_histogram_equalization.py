"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE): histogram equalization per tile, blended between tiles."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer


class ContrastLimitedAdaptiveHistogramEqualization(ColorPreprocessingLayer):
    """Contrast Limited Adaptive Histogram Equalization.

    Each channel of each image is cut into a `tile_grid_size` grid of tiles (the image is padded symmetrically to a
    multiple of the grid); each tile's 256-bin histogram is clipped at `clip_limit * tile_pixels / 256` with the
    excess spread evenly over all bins, and its cumulative histogram becomes a lookup table. Each pixel's new value
    interpolates bilinearly between the tables of the four nearest tile centres. Deterministic, and (as in Keras)
    applied at inference too.

    Args:
        value_range: the `[low, high]` range of the input pixels.
        clip_limit: the histogram clip factor; 0 or less disables clipping.
        tile_grid_size: `(rows, columns)` of tiles.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = ContrastLimitedAdaptiveHistogramEqualization(value_range=(0, 1), tile_grid_size=(4, 4))
        equalized = layer(images)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        if (
            not isinstance(tile_grid_size, (tuple, list))
            or len(tile_grid_size) != 2
            or not all(isinstance(g, int) and not isinstance(g, bool) and g > 0 for g in tile_grid_size)
        ):
            raise ValueError(
                "ContrastLimitedAdaptiveHistogramEqualization: `tile_grid_size` should be two positive integers. "
                f"Received: tile_grid_size={tile_grid_size}"
            )
        super().__init__(data_format=data_format, **kwargs)
        self._set_value_range(value_range)
        self.value_range = value_range  # Keras keeps it as given
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def call(self, data, training=True):
        images = data["images"] if isinstance(data, dict) else data
        out = super().call(data, training=training)
        if torch.is_tensor(images) and not images.is_floating_point():
            # Keras returns the input's dtype: integer images come back truncated to integers.
            if isinstance(out, dict):
                return {**out, "images": out["images"].to(images.dtype)}
            return out.to(images.dtype)
        return out

    def transform_images(self, images, transformation=None, training=True):
        if self.data_format == "channels_first":
            images = images.permute(0, 2, 3, 1)
        dtype = images.dtype
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=torch.float32)
        result = self._clahe(images.to(torch.float32))
        result = self._transform_value_range(result, (0, 255), self.value_range, dtype=torch.float32).to(dtype)
        return result.permute(0, 3, 1, 2) if self.data_format == "channels_first" else result

    def _clahe(self, images):
        batch, height, width, channels = images.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        padded_h, padded_w = tile_h * grid_h, tile_w * grid_w
        device = images.device
        padded = images[:, _symmetric_index(height, padded_h, device)][:, :, _symmetric_index(width, padded_w, device)]

        tiles = padded.reshape(batch, grid_h, tile_h, grid_w, tile_w, channels).permute(0, 1, 3, 5, 2, 4)
        tiles = tiles.reshape(batch, grid_h, grid_w, channels, tile_h * tile_w)
        levels = tiles.to(torch.int32).clamp(0, 255).long()
        hists = torch.zeros((*levels.shape[:-1], 256), dtype=torch.float32, device=device)
        hists.scatter_add_(-1, levels, torch.ones_like(levels, dtype=torch.float32))

        if self.clip_limit > 0:
            limit = float(self.clip_limit * (tile_h * tile_w) / 256.0)
            clipped = hists.clamp(0, limit)
            hists = clipped + (hists - clipped).sum(dim=-1, keepdim=True) / 256.0
        cdf = hists.cumsum(dim=-1)
        cdf_min = cdf.amin(dim=-1, keepdim=True)
        denominator = float(tile_h * tile_w) - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        tables = ((cdf - cdf_min) * 255.0 / denominator).clamp(0, 255)
        # Edge tiles repeat outwards so that pixels beyond the outer tile centres use that tile's table alone.
        tables = torch.cat([tables[:, :1], tables, tables[:, -1:]], dim=1)
        tables = torch.cat([tables[:, :, :1], tables, tables[:, :, -1:]], dim=2)

        def corners(size, tile, grid):
            position = (torch.arange(size, dtype=torch.float32, device=device) - tile / 2.0) / tile + 1.0
            low = torch.floor(position)
            weight = position - low
            return low.clamp(0, grid + 1).long(), (low + 1.0).clamp(0, grid + 1).long(), weight

        y0, y1, wy = corners(padded_h, tile_h, grid_h)
        x0, x1, wx = corners(padded_w, tile_w, grid_w)
        pixels = padded.clamp(0, 255).to(torch.int32).long()
        b = torch.arange(batch, device=device).reshape(-1, 1, 1, 1)
        c = torch.arange(channels, device=device).reshape(1, 1, 1, -1)
        y0, y1, wy = y0.reshape(1, -1, 1, 1), y1.reshape(1, -1, 1, 1), wy.reshape(1, -1, 1, 1)
        x0, x1, wx = x0.reshape(1, 1, -1, 1), x1.reshape(1, 1, -1, 1), wx.reshape(1, 1, -1, 1)
        top = tables[b, y0, x0, c, pixels] * (1.0 - wx) + tables[b, y0, x1, c, pixels] * wx
        bottom = tables[b, y1, x0, c, pixels] * (1.0 - wx) + tables[b, y1, x1, c, pixels] * wx
        result = top * (1.0 - wy) + bottom * wy
        return result[:, :height, :width, :]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "clip_limit": self.clip_limit,
            "tile_grid_size": self.tile_grid_size,
            "data_format": self.data_format,
        }


def _symmetric_index(size: int, padded: int, device) -> torch.Tensor:
    """Indices of numpy's "symmetric" padding at the end of an axis (the edge value repeats, then mirrors)."""
    index = torch.arange(padded, device=device) % (2 * size)
    return torch.where(index < size, index, 2 * size - 1 - index)
