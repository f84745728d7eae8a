"""Keras 2's resizing and padding `K` functions: `resize_images`, `resize_volumes`, `temporal_padding`,
`spatial_2d_padding`, `spatial_3d_padding`."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import config, ops
from kerasish.backend.common.tensors import convert_to_tensor

__all__ = ["resize_images", "resize_volumes", "spatial_2d_padding", "spatial_3d_padding", "temporal_padding"]

# tf.image.resize's methods that kerasish.ops.image.resize computes the same way.
_INTERPOLATIONS = ("area", "bicubic", "bilinear", "lanczos3", "lanczos5", "nearest")


def _data_format(data_format) -> str:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Invalid data_format: {data_format}")
    return data_format


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest") -> torch.Tensor:
    """Images `(batch, rows, cols, channels)` (or channels first) scaled by the integer factors, as
    `tf.image.resize` does with `interpolation`."""
    x = convert_to_tensor(x)
    data_format = _data_format(data_format)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"`interpolation` argument should be one of: {', '.join(repr(i) for i in _INTERPOLATIONS)}. "
            f'Received: "{interpolation}".'
        )
    rows, cols = (1, 2) if data_format == "channels_last" else (2, 3)
    if interpolation == "nearest":  # integer factors: each pixel repeated, exactly
        return x.repeat_interleave(height_factor, dim=rows).repeat_interleave(width_factor, dim=cols)
    size = (x.shape[rows] * height_factor, x.shape[cols] * width_factor)
    return ops.image.resize(x, size, interpolation=interpolation, data_format=data_format)


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format) -> torch.Tensor:
    """A 5-D volume with each voxel repeated by the integer factors along depth, height and width."""
    x = convert_to_tensor(x)
    data_format = _data_format(data_format)
    first = 1 if data_format == "channels_last" else 2
    for offset, factor in enumerate((depth_factor, height_factor, width_factor)):
        x = x.repeat_interleave(factor, dim=first + offset)
    return x


def _check_pairs(padding, count: int, name: str) -> list[tuple[int, int]]:
    pairs = [tuple(p) for p in padding]
    if len(pairs) != count or any(len(p) != 2 for p in pairs):
        raise ValueError(f"{name}: `padding` must be {count} pairs of ints; received {padding!r}.")
    return pairs


def temporal_padding(x, padding=(1, 1)) -> torch.Tensor:
    """Zeros added before and after the middle (time) axis of a 3-D tensor."""
    if len(padding) != 2:
        raise ValueError(f"temporal_padding: `padding` must be a pair of ints; received {padding!r}.")
    return F.pad(convert_to_tensor(x), (0, 0, padding[0], padding[1]))


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None) -> torch.Tensor:
    """Zeros added around the rows and columns of a 4-D image tensor: `((top, bottom), (left, right))`."""
    (top, bottom), (left, right) = _check_pairs(padding, 2, "spatial_2d_padding")
    widths = (left, right, top, bottom)  # F.pad lists the last axis first
    if _data_format(data_format) == "channels_last":
        widths = (0, 0) + widths
    return F.pad(convert_to_tensor(x), widths)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None) -> torch.Tensor:
    """Zeros added around the three spatial axes of a 5-D tensor."""
    pairs = _check_pairs(padding, 3, "spatial_3d_padding")
    widths = [w for pair in reversed(pairs) for w in pair]
    if _data_format(data_format) == "channels_last":
        widths = [0, 0] + widths
    return F.pad(convert_to_tensor(x), tuple(widths))
