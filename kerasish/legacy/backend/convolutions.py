"""Keras 2's convolution and pooling `K` functions beyond `functions.py`'s: `conv2d_transpose` (to an explicit
output shape), `separable_conv2d`, the unshared-weight `local_conv1d`/`local_conv2d`, and `pool3d`."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from kerasish import config, ops
from kerasish.backend.common.tensors import convert_to_tensors

__all__ = ["conv2d_transpose", "local_conv1d", "local_conv2d", "pool3d", "separable_conv2d"]


def _data_format(data_format) -> str:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Unknown data_format: {data_format}")
    return data_format


def _pair(value) -> tuple:
    return (value, value) if isinstance(value, int) else tuple(value)


def conv2d_transpose(
    x, kernel, output_shape, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)
) -> torch.Tensor:
    """2-D transposed convolution to `output_shape` (batch first, in `data_format`'s layout; its batch may be None).

    The kernel is `(h, w, out_channels, in_channels)`. Of the output lengths a convolution would map back to the
    input's, `output_shape` picks one, as TensorFlow's `conv2d_transpose` does.
    """
    x, kernel = convert_to_tensors(x, kernel)
    data_format = _data_format(data_format)
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"Invalid padding: {padding}")
    strides, dilation = _pair(strides), _pair(dilation_rate)
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
        out_size, out_channels = tuple(output_shape[1:3]), output_shape[3]
    else:
        out_size, out_channels = tuple(output_shape[2:4]), output_shape[1]
    if out_channels is not None and out_channels != kernel.shape[2]:
        raise ValueError(
            f"conv2d_transpose: output_shape has {out_channels} channels; the kernel {tuple(kernel.shape)} makes "
            f"{kernel.shape[2]}."
        )
    full = F.conv_transpose2d(x, kernel.permute(3, 2, 0, 1).to(x.dtype), None, strides, 0, 0, 1, dilation)
    crops = []
    for size, target, k, s, d in zip(x.shape[2:], out_size, kernel.shape[:2], strides, dilation):
        effective = (k - 1) * d + 1
        low = (size - 1) * s + 1 if padding == "same" else (size - 1) * s + effective
        high = size * s if padding == "same" else (size - 1) * s + effective + s - 1
        if not low <= target <= high:
            raise ValueError(
                f"conv2d_transpose: output length {target} cannot come from input length {size} with kernel {k}, "
                f"stride {s} and padding '{padding}' (expected {low} to {high})."
            )
        start = max((size - 1) * s + effective - target, 0) // 2 if padding == "same" else 0
        crops.append((start, target))
    # Output positions past the full result (a "valid" output longer than it) receive no input: zeros.
    extra = [max(start + target - full.shape[2 + i], 0) for i, (start, target) in enumerate(crops)]
    if any(extra):
        full = F.pad(full, (0, extra[1], 0, extra[0]))
    out = full[:, :, crops[0][0] : crops[0][0] + crops[0][1], crops[1][0] : crops[1][0] + crops[1][1]]
    return out.permute(0, 2, 3, 1) if data_format == "channels_last" else out


def separable_conv2d(
    x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)
) -> torch.Tensor:
    """A depthwise 2-D convolution (kernel `(h, w, in, multiplier)`) followed by a 1x1 one (`(1, 1, in * multiplier,
    out)`)."""
    if len(_pair(strides)) != 2:
        raise ValueError("`strides` must be a tuple of 2 integers.")
    return ops.separable_conv(
        x, depthwise_kernel, pointwise_kernel, strides, padding, _data_format(data_format), dilation_rate
    )


def _local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format) -> torch.Tensor:
    inputs, kernel = convert_to_tensors(inputs, kernel)
    data_format = _data_format(data_format)
    n = len(output_shape)
    x = inputs.movedim(1, -1) if data_format == "channels_first" else inputs  # (batch, *spatial, channels)
    for d in range(n):  # windows of each spatial axis, appended as trailing axes
        x = x.unfold(1 + d, kernel_size[d], strides[d])
    x = x.narrow(1, 0, output_shape[0]) if n == 1 else x[:, : output_shape[0], : output_shape[1]]
    # (batch, *positions, channels, *window) -> (batch, positions, features) with Keras 2's feature order.
    window_first = list(range(n + 2, 2 * n + 2)) + [n + 1]
    if data_format == "channels_first":
        window_first = [n + 1] + list(range(n + 2, 2 * n + 2))
    x = x.permute([0] + list(range(1, n + 1)) + window_first).reshape(x.shape[0], math.prod(output_shape), -1)
    if kernel.shape[:2] != (x.shape[1], x.shape[2]):
        raise ValueError(
            f"local_conv: the kernel must be (positions, features, filters) = ({x.shape[1]}, {x.shape[2]}, ...); "
            f"received {tuple(kernel.shape)}."
        )
    out = torch.einsum("bpf,pfo->bpo", x, kernel.to(x.dtype)).reshape((x.shape[0],) + tuple(output_shape) + (-1,))
    return out.movedim(-1, 1) if data_format == "channels_first" else out


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None) -> torch.Tensor:
    """1-D convolution with a different kernel at each output position: `kernel` is
    `(output_length, kernel_size * channels, filters)`."""
    return _local_conv(inputs, kernel, tuple(kernel_size), tuple(strides), (kernel.shape[0],), data_format)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None) -> torch.Tensor:
    """2-D convolution with a different kernel at each of the `output_shape = (rows, cols)` positions: `kernel` is
    `(rows * cols, kh * kw * channels, filters)`."""
    return _local_conv(inputs, kernel, tuple(kernel_size), tuple(strides), tuple(output_shape), data_format)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max") -> torch.Tensor:
    """3-D max (`pool_mode="max"`) or average (`"avg"`) pooling."""
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"Invalid pooling mode: {pool_mode}")
    pool = ops.max_pool if pool_mode == "max" else ops.average_pool
    return pool(x, tuple(pool_size), tuple(strides), padding, _data_format(data_format))
