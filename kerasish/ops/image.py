"""Image ops (`keras.ops.image`), with the numbers Keras gives on its TensorFlow backend.

Images are rank 3 (one image) or rank 4 (a batch), channels-last unless `data_format="channels_first"` (default:
`config.image_data_format()`). Inside, each op works on a channels-first batch: for channels-last input that is a
permuted view (torch's channels_last memory format), so no copy is made.

Where TensorFlow's kernels have their own arithmetic (half-pixel resizing, Keys cubic weights from a 1024-entry
table, area overlaps, the fill modes of `ImageProjectiveTransformV3`) the ops below follow it, so `resize` and
`affine_transform` agree with Keras on TensorFlow to float rounding.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
import torch.nn.functional as F

from kerasish import config
from kerasish.backend.common.tensors import convert_to_tensor
from kerasish.ops.operation import keras_op

__all__ = [
    "affine_transform",
    "crop_images",
    "elastic_transform",
    "extract_patches",
    "extract_patches_3d",
    "gaussian_blur",
    "hsv_to_rgb",
    "map_coordinates",
    "pad_images",
    "perspective_transform",
    "resize",
    "rgb_to_grayscale",
    "rgb_to_hsv",
    "scale_and_translate",
    "sobel_edges",
    "ssim",
]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
AFFINE_TRANSFORM_INTERPOLATIONS = ("nearest", "bilinear")
AFFINE_TRANSFORM_FILL_MODES = ("constant", "nearest", "wrap", "reflect")
MAP_COORDINATES_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
SCALE_AND_TRANSLATE_METHODS = (
    "linear",
    "bilinear",
    "trilinear",
    "cubic",
    "bicubic",
    "tricubic",
    "lanczos3",
    "lanczos5",
)


# ---- layout helpers ----------------------------------------------------------------------------------------


def _data_format(data_format) -> str:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"The `data_format` argument must be 'channels_last' or 'channels_first'. Received: "
            f"data_format={data_format!r}"
        )
    return data_format


def _check_rank(images: torch.Tensor, name: str = "images") -> None:
    if images.ndim not in (3, 4):
        raise ValueError(
            f"Invalid {name} rank: expected rank 3 (single image) or rank 4 (batch of images). Received input "
            f"with shape: {name}.shape={tuple(images.shape)}"
        )


def _to_nchw(images: torch.Tensor, data_format: str) -> torch.Tensor:
    """A channels-first batch (a view where possible)."""
    if images.ndim == 3:
        images = images.unsqueeze(0)
    return images.permute(0, 3, 1, 2) if data_format == "channels_last" else images


def _from_nchw(images: torch.Tensor, data_format: str, batched: bool) -> torch.Tensor:
    if data_format == "channels_last":
        images = images.permute(0, 2, 3, 1)
    return images if batched else images.squeeze(0)


def _float_dtype(dtype: torch.dtype) -> torch.dtype:
    return dtype if dtype.is_floating_point else torch.float32


# ---- colour spaces -----------------------------------------------------------------------------------------


@keras_op
def rgb_to_grayscale(images, data_format=None):
    """Converts RGB images to grayscale with weights `[0.2989, 0.5870, 0.1140]`; the output has one channel and
    the input's dtype (grayscale input passes through)."""
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    _check_rank(images)
    channels_axis = -1 if data_format == "channels_last" else -3
    if images.shape[channels_axis] not in (1, 3):
        raise ValueError(
            f"Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received input with shape: "
            f"images.shape={tuple(images.shape)}"
        )
    if images.shape[channels_axis] == 1:
        return images.clone()
    weights = torch.tensor([0.2989, 0.5870, 0.1140], dtype=_float_dtype(images.dtype), device=images.device)
    gray = torch.tensordot(images.to(weights.dtype), weights, dims=([channels_axis], [0]))
    return gray.unsqueeze(channels_axis).to(images.dtype)


def _check_float(images: torch.Tensor) -> None:
    if not images.is_floating_point():
        raise ValueError(
            f"Invalid images dtype: expected float dtype. Received: images.dtype={config.dtype_name(images.dtype)}"
        )


def _channels_to_last(images: torch.Tensor, data_format: str) -> torch.Tensor:
    return images if data_format == "channels_last" else torch.movedim(images, -3, -1)


def _channels_from_last(images: torch.Tensor, data_format: str) -> torch.Tensor:
    return images if data_format == "channels_last" else torch.movedim(images, -1, -3)


@keras_op
def rgb_to_hsv(images, data_format=None):
    """Converts RGB images (floats in [0, 1]) to HSV, as `tf.image.rgb_to_hsv` does."""
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    _check_rank(images)
    _check_float(images)
    rgb = _channels_to_last(images, data_format)
    r, g, b = rgb.unbind(-1)
    value = torch.maximum(torch.maximum(r, g), b)
    minimum = torch.minimum(torch.minimum(r, g), b)
    spread = value - minimum
    saturation = torch.where(value > 0, spread / value, torch.zeros_like(value))
    norm = 1.0 / (6.0 * spread)
    hue = torch.where(
        r == value, norm * (g - b), torch.where(g == value, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    )
    hue = torch.where(spread > 0, hue, torch.zeros_like(hue))
    hue = torch.where(hue < 0, hue + 1.0, hue)
    return _channels_from_last(torch.stack([hue, saturation, value], dim=-1), data_format)


@keras_op
def hsv_to_rgb(images, data_format=None):
    """Converts HSV images to RGB, as `tf.image.hsv_to_rgb` does."""
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    _check_rank(images)
    _check_float(images)
    h, s, v = _channels_to_last(images, data_format).unbind(-1)
    c = s * v
    m = v - c
    dh = h * 6.0
    x = c * (1.0 - torch.abs(torch.remainder(dh, 2.0) - 1.0))
    category = torch.floor(dh)
    zero = torch.zeros_like(c)
    # (r, g, b) per hue sextant; a hue outside [0, 1) gives (c, 0, 0), as TensorFlow's kernel does.
    table = [(c, x, zero), (x, c, zero), (zero, c, x), (zero, x, c), (x, zero, c), (c, zero, x)]
    channels = []
    for i in range(3):
        out = c if i == 0 else zero
        for k, row in enumerate(table):
            out = torch.where(category == k, row[i], out)
        channels.append(out + m)
    return _channels_from_last(torch.stack(channels, dim=-1), data_format)


# ---- resizing ----------------------------------------------------------------------------------------------

_KEYS_TABLE_SIZE = 1024


def _keys_cubic_table(device) -> torch.Tensor:
    """TensorFlow's bicubic coefficient table (Keys, a = -0.5): entry `i` holds the weights of the near and far
    taps for a fractional offset `i / 1024`, as float32."""
    a = -0.5
    x = np.arange(_KEYS_TABLE_SIZE + 1, dtype=np.float64) / _KEYS_TABLE_SIZE
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + 1.0
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return torch.tensor(np.stack([near, far], axis=1).astype(np.float32), device=device)


def _bicubic_weights(in_size: int, out_size: int, device) -> torch.Tensor:
    """The (out, in) matrix of TensorFlow's half-pixel bicubic resize (ResizeBicubic, half_pixel_centers)."""
    scale = np.float32(in_size) / np.float32(out_size)
    loc = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    base = np.floor(loc)
    offset = np.rint((loc - base) * np.float32(_KEYS_TABLE_SIZE)).astype(np.int64)
    table = _keys_cubic_table("cpu").numpy()
    weights = np.stack(
        [table[offset, 1], table[offset, 0], table[_KEYS_TABLE_SIZE - offset, 0], table[_KEYS_TABLE_SIZE - offset, 1]],
        axis=1,
    )
    taps = base.astype(np.int64)[:, None] + np.arange(-1, 3)[None, :]
    weights = np.where((taps >= 0) & (taps < in_size), weights, np.float32(0))  # out-of-image taps drop out...
    total = weights.sum(axis=1, keepdims=True, dtype=np.float32)
    weights = np.where(np.abs(total) >= 1000 * np.finfo(np.float32).tiny, weights / total, weights)  # ...renormed
    matrix = np.zeros((out_size, in_size), dtype=np.float32)
    rows = np.repeat(np.arange(out_size), 4)
    np.add.at(matrix, (rows, np.clip(taps, 0, in_size - 1).reshape(-1)), weights.reshape(-1))
    return torch.tensor(matrix, device=device)


def _area_weights(in_size: int, out_size: int, device) -> torch.Tensor:
    """The (out, in) matrix of TensorFlow's ResizeArea: each output pixel averages the input pixels its box covers,
    weighted by overlap."""
    scale = in_size / out_size
    starts = np.arange(out_size, dtype=np.float64)[:, None] * scale
    ends = starts + scale
    pixels = np.arange(in_size, dtype=np.float64)[None, :]
    overlap = np.clip(np.minimum(pixels + 1, ends) - np.maximum(pixels, starts), 0, None)
    return torch.tensor(overlap / scale, dtype=torch.float32, device=device)


def _triangle_kernel(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic_kernel(x):
    x = np.abs(x)
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos_kernel(radius: float):
    def kernel(x):
        x = np.abs(x)
        safe = np.where(x != 0, x, 1.0)
        out = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (np.pi**2 * safe**2)
        out = np.where(x > 1e-3, out, 1.0)
        return np.where(x > radius, 0.0, out)

    return kernel


_KERNELS = {
    "linear": _triangle_kernel,
    "cubic": _keys_cubic_kernel,
    "lanczos3": _lanczos_kernel(3.0),
    "lanczos5": _lanczos_kernel(5.0),
}


def _scale_translate_weights(in_size, out_size, scale, translation, kernel, antialias: bool) -> np.ndarray:
    """The (out, in) sampling matrix of TensorFlow's ScaleAndTranslate: the kernel, widened by `1 / scale` when
    antialiasing a downscale, evaluated between each output sample and the input pixel centers, normalized."""
    inv_scale = 1.0 / scale
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    sample = (np.arange(out_size, dtype=np.float64) + 0.5) * inv_scale - translation * inv_scale - 0.5
    weights = kernel(np.abs(sample[:, None] - np.arange(in_size, dtype=np.float64)[None, :]) / kernel_scale)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(
        np.abs(total) > 1000.0 * float(np.finfo(np.float32).eps), weights / np.where(total != 0, total, 1), 0.0
    )
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return np.where(inside[:, None], weights, 0.0)


def _apply_separable(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """`rows @ x @ cols.T` over the last two axes of a channels-first batch."""
    return torch.matmul(torch.matmul(rows.to(x.dtype), x), cols.to(x.dtype).transpose(0, 1))


def _nearest_indices(in_size: int, out_size: int, device) -> torch.Tensor:
    scale = np.float32(in_size) / np.float32(out_size)
    index = np.floor((np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale).astype(np.int64)
    return torch.tensor(np.clip(index, 0, in_size - 1), device=device)


def _resize_nchw(x: torch.Tensor, size, interpolation: str, antialias: bool) -> torch.Tensor:
    height, width = x.shape[-2:]
    out_h, out_w = size
    device = x.device
    if interpolation == "nearest":
        rows = _nearest_indices(height, out_h, device)
        cols = _nearest_indices(width, out_w, device)
        return x.index_select(-2, rows).index_select(-1, cols)
    x = x.to(torch.float32)  # TensorFlow resizes in float32
    if interpolation == "bilinear" and not antialias:
        return F.interpolate(x, size=(out_h, out_w), mode="bilinear", align_corners=False)
    if interpolation == "bicubic" and not antialias:
        return _apply_separable(x, _bicubic_weights(height, out_h, device), _bicubic_weights(width, out_w, device))
    if interpolation == "area":
        return _apply_separable(x, _area_weights(height, out_h, device), _area_weights(width, out_w, device))
    kernel = _KERNELS[{"bilinear": "linear", "bicubic": "cubic"}.get(interpolation, interpolation)]
    rows = _scale_translate_weights(height, out_h, np.float32(out_h) / np.float32(height), 0.0, kernel, antialias)
    cols = _scale_translate_weights(width, out_w, np.float32(out_w) / np.float32(width), 0.0, kernel, antialias)
    return _apply_separable(x, torch.tensor(rows, device=device), torch.tensor(cols, device=device))


def _crop_to_aspect_ratio(x: torch.Tensor, size) -> torch.Tensor:
    height, width = x.shape[-2:]
    target_h, target_w = size
    crop_h = max(min(height, int(np.float32(width * target_h) / np.float32(target_w))), 1)
    crop_w = max(min(width, int(np.float32(height * target_w) / np.float32(target_h))), 1)
    top = int(np.float32(height - crop_h) / 2)
    left = int(np.float32(width - crop_w) / 2)
    return x[..., top : top + crop_h, left : left + crop_w]


def _pad_to_aspect_ratio(x: torch.Tensor, size, fill_value) -> torch.Tensor:
    height, width = x.shape[-2:]
    target_h, target_w = size
    pad_h = max(height, int(np.float32(width * target_h) / np.float32(target_w)))
    pad_w = max(width, int(np.float32(height * target_w) / np.float32(target_h)))
    top = int(np.float32(pad_h - height) / 2)
    left = int(np.float32(pad_w - width) / 2)
    # Keras pads the same amount on both sides (so an odd difference loses a row), with `fill_value`.
    if top > 0 or left > 0:
        x = F.pad(x, (left, left, top, top), value=float(fill_value))
    return x


@keras_op(config_args=("fill_value",))
def resize(
    images,
    size,
    interpolation="bilinear",
    antialias=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    fill_mode="constant",
    fill_value=0.0,
    data_format=None,
):
    """Resizes images to `size = (height, width)`, as `tf.image.resize` does (half-pixel centers).

    Args:
        images: a rank-3 or rank-4 image tensor.
        size: the output `(height, width)`.
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"`, `"area"`, `"lanczos3"` or `"lanczos5"`.
        antialias: widen the filter when downsampling (bilinear, bicubic, lanczos).
        crop_to_aspect_ratio: first crop the largest centered window of the target aspect ratio.
        pad_to_aspect_ratio: first pad (with `fill_value`) to the target aspect ratio.
        fill_mode: only `"constant"`.
        fill_value: the padding value for `pad_to_aspect_ratio`.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The resized images, in the input's dtype (integers rounded).
    """
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers. Received: size={size}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"`size` must have positive height and width. Received: size={size}")
    _check_rank(images)
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected of one {RESIZE_INTERPOLATIONS}. Received: "
            f"interpolation={interpolation}"
        )
    if fill_mode != "constant":
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Only `'constant'` is supported. Received: fill_mode={fill_mode}"
        )
    size = (int(size[0]), int(size[1]))
    x = _to_nchw(images, data_format)
    if crop_to_aspect_ratio:
        x = _crop_to_aspect_ratio(x, size)
    elif pad_to_aspect_ratio:
        x = _pad_to_aspect_ratio(x, size, fill_value)
    out = _resize_nchw(x, size, interpolation, antialias)
    if out.dtype != images.dtype:
        if not images.dtype.is_floating_point:
            info = torch.iinfo(images.dtype)
            out = torch.round(out).clamp(info.min, info.max)
        out = out.to(images.dtype)
    return _from_nchw(out, data_format, images.ndim == 4)


# ---- geometric transforms ----------------------------------------------------------------------------------


def _tf_map_coordinate(coord: torch.Tensor, length: int, fill_mode: str) -> torch.Tensor:
    """Where an out-of-image sample coordinate reads from under ImageProjectiveTransformV3's fill modes."""
    if fill_mode == "constant":
        return coord
    upper = float(length - 1)
    if fill_mode == "nearest" or length <= 1:
        return coord.clamp(0.0, upper)
    if fill_mode == "reflect":  # (d c b a | a b c d | d c b a): period 2 * length, mirrored about -0.5
        period = 2.0 * length
        mapped = torch.remainder(coord, period)
        mapped = torch.where(mapped >= length, period - 1.0 - mapped, mapped)
    else:  # wrap, with TensorFlow's arithmetic (it divides by length - 1)
        below = coord + length * (torch.trunc(-coord / upper) + 1.0)
        above = coord - length * torch.trunc(coord / upper)
        mapped = torch.where(coord < 0, below, torch.where(coord > upper, above, coord))
    return mapped.clamp(0.0, upper)


# grid_sample's padding modes that equal TensorFlow's fill modes for bilinear sampling: zeros outside (constant;
# fill_value is added separately), clamping to the edge pixels (nearest), and reflection about the image's outer
# pixel edges, -0.5 and size - 0.5, then clamping (reflect).
_GRID_PADDING = {"constant": "zeros", "nearest": "border", "reflect": "reflection"}


def _sample_coordinates(transform: torch.Tensor, height: int, width: int, normalized: bool) -> torch.Tensor:
    """(N, H, W, 2) input coordinates (x, y) read by each output pixel under the projective `transform`, in pixels
    or, with `normalized`, in grid_sample's [-1, 1] (align_corners=False) units."""
    device = transform.device
    t = transform.to(torch.float64)
    rows = torch.stack([t[:, 0:3], t[:, 3:6], torch.cat([t[:, 6:8], torch.ones_like(t[:, :1])], dim=1)], dim=1)
    if normalized:  # x -> (2x + 1) / W - 1, folded into the matrix: ((2/W) X + (1/W - 1) K) / K
        scale = torch.tensor([2.0 / width, 2.0 / height], dtype=torch.float64, device=device).view(1, 2, 1)
        shift = torch.tensor([1.0 / width - 1.0, 1.0 / height - 1.0], dtype=torch.float64, device=device)
        rows = torch.cat([rows[:, :2] * scale + shift.view(1, 2, 1) * rows[:, 2:3], rows[:, 2:3]], dim=1)
    rows = rows.to(torch.float32)
    xs = torch.arange(width, dtype=torch.float32, device=device).view(1, 1, width)
    ys = torch.arange(height, dtype=torch.float32, device=device).view(1, height, 1)

    def plane(row):  # row . (x, y, 1) for every pixel
        if normalized:  # one full-size add (of a row and a column)
            return (row[:, 0].view(-1, 1, 1) * xs) + (row[:, 1].view(-1, 1, 1) * ys + row[:, 2].view(-1, 1, 1))
        # In pixels, TensorFlow's float32 order of operations, so that rounding and wrapping pick the same pixels.
        return (row[:, 0].view(-1, 1, 1) * xs + row[:, 1].view(-1, 1, 1) * ys) + row[:, 2].view(-1, 1, 1)

    gx, gy = plane(rows[:, 0]), plane(rows[:, 1])
    # An affine transform (checked without a device sync only on the CPU) needs no perspective division.
    if device.type != "cpu" or bool(transform[:, 6:8].any()):
        k = plane(rows[:, 2])
        gx, gy = gx / k, gy / k
    return torch.stack([gx, gy], dim=-1)


def _gather_nearest(x: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor, fill_value) -> torch.Tensor:
    """Samples a channels-first float batch at the nearest pixels of (xs, ys) ((N, H', W') each): rounding half
    away from zero as TensorFlow does; pixels outside the image read `fill_value`."""
    n, c, height, width = x.shape
    xi = torch.sign(xs) * torch.floor(torch.abs(xs) + 0.5)
    yi = torch.sign(ys) * torch.floor(torch.abs(ys) + 0.5)
    inside = (xi >= 0) & (xi <= width - 1) & (yi >= 0) & (yi <= height - 1)
    index = (yi.clamp(0, height - 1) * width + xi.clamp(0, width - 1)).to(torch.int64).reshape(n, 1, -1)
    out = torch.gather(x.reshape(n, c, height * width), 2, index.expand(n, c, index.shape[-1]))
    out = out.reshape(n, c, *xs.shape[1:])
    return torch.where(inside.unsqueeze(1), out, torch.as_tensor(fill_value, dtype=x.dtype, device=x.device))


def _grid_sample_bilinear(x: torch.Tensor, grid: torch.Tensor, padding: str, fill_value) -> torch.Tensor:
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode=padding, align_corners=False)
    if padding == "zeros" and fill_value != 0:
        # TensorFlow reads fill_value for each tap outside the image: add it times the weight that fell outside.
        ones = torch.ones((x.shape[0], 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
        coverage = F.grid_sample(ones, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        out = out + float(fill_value) * (1.0 - coverage)
    return out


def _projective_transform(x: torch.Tensor, transform: torch.Tensor, interpolation, fill_mode, fill_value):
    """ImageProjectiveTransformV3 on a channels-first batch: each output pixel (x, y) reads the input at
    `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)` with `k = c0 x + c1 y + 1`."""
    n, _, height, width = x.shape
    transform = transform.to(device=x.device, dtype=torch.float32)
    if transform.shape[0] == 1 and n > 1:
        transform = transform.expand(n, 8)
    dtype = x.dtype
    xf = x.to(torch.float32)
    if interpolation == "bilinear" and fill_mode in _GRID_PADDING:
        grid = _sample_coordinates(transform, height, width, normalized=True)
        out = _grid_sample_bilinear(xf, grid, _GRID_PADDING[fill_mode], fill_value)
    else:
        coords = _sample_coordinates(transform, height, width, normalized=False)
        in_x = _tf_map_coordinate(coords[..., 0], width, fill_mode)
        in_y = _tf_map_coordinate(coords[..., 1], height, fill_mode)
        if interpolation == "nearest":
            out = _gather_nearest(xf, in_x, in_y, fill_value)
        else:  # bilinear after TensorFlow's wrap mapping: the mapped points lie inside the image
            grid = torch.stack([(2.0 * in_x + 1.0) / width - 1.0, (2.0 * in_y + 1.0) / height - 1.0], dim=-1)
            out = _grid_sample_bilinear(xf, grid, "zeros", fill_value)
    return out.to(dtype) if dtype.is_floating_point else torch.round(out).to(dtype)


def _check_interpolation(interpolation: str) -> None:
    if interpolation not in AFFINE_TRANSFORM_INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected of one {AFFINE_TRANSFORM_INTERPOLATIONS}. "
            f"Received: interpolation={interpolation}"
        )


def _check_fill_mode(fill_mode: str) -> None:
    if fill_mode not in AFFINE_TRANSFORM_FILL_MODES:
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Expected of one {AFFINE_TRANSFORM_FILL_MODES}. Received: "
            f"fill_mode={fill_mode}"
        )


@keras_op(config_args=("fill_value",))
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0, data_format=None):
    """Applies projective transforms `[a0, a1, a2, b0, b1, b2, c0, c1]` (output -> input pixel) to images.

    Args:
        images: a rank-3 or rank-4 image tensor.
        transform: shape `(8,)` or `(batch, 8)`.
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"` or `"reflect"`: how points outside the image are read.
        fill_value: the value outside the image for `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.
    """
    images, transform = convert_to_tensor(images), convert_to_tensor(transform)
    data_format = _data_format(data_format)
    _check_interpolation(interpolation)
    _check_fill_mode(fill_mode)
    _check_rank(images)
    if transform.ndim not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError(
            f"Invalid transform shape: expected (8,) (single transform) or (batch, 8) (batch of transforms). "
            f"Received input with shape: transform.shape={tuple(transform.shape)}"
        )
    transform = transform.reshape(-1, 8)
    out = _projective_transform(_to_nchw(images, data_format), transform, interpolation, fill_mode, fill_value)
    return _from_nchw(out, data_format, images.ndim == 4)


def compute_homography_matrix(start_points: torch.Tensor, end_points: torch.Tensor) -> torch.Tensor:
    """The `(batch, 8)` projective transforms mapping each `end_points` quad onto its `start_points` quad."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zeros, ones = torch.zeros_like(ex), torch.ones_like(ex)
    rows = []
    for i in range(4):
        rows.append(
            torch.stack(
                [
                    ex[:, i],
                    ey[:, i],
                    ones[:, i],
                    zeros[:, i],
                    zeros[:, i],
                    zeros[:, i],
                    -sx[:, i] * ex[:, i],
                    -sx[:, i] * ey[:, i],
                ],
                dim=-1,
            )
        )
        rows.append(
            torch.stack(
                [
                    zeros[:, i],
                    zeros[:, i],
                    zeros[:, i],
                    ex[:, i],
                    ey[:, i],
                    ones[:, i],
                    -sy[:, i] * ex[:, i],
                    -sy[:, i] * ey[:, i],
                ],
                dim=-1,
            )
        )
    matrix = torch.stack(rows, dim=1)
    target = torch.stack([sx[:, 0], sy[:, 0], sx[:, 1], sy[:, 1], sx[:, 2], sy[:, 2], sx[:, 3], sy[:, 3]], dim=-1)
    return torch.linalg.solve(matrix, target.unsqueeze(-1)).reshape(-1, 8)


@keras_op(config_args=("fill_value",))
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0, data_format=None):
    """Warps images so that the quad `start_points` moves to `end_points` (each `(4, 2)` or `(batch, 4, 2)`,
    points as `(x, y)`: top-left, top-right, bottom-right, bottom-left)."""
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    start_points = convert_to_tensor(start_points).to(torch.float32)
    end_points = convert_to_tensor(end_points).to(torch.float32)
    _check_interpolation(interpolation)
    _check_rank(images)
    for name, points in (("start_points", start_points), ("end_points", end_points)):
        if points.ndim not in (2, 3) or tuple(points.shape[-2:]) != (4, 2):
            raise ValueError(
                f"Invalid {name} shape: expected (4,2) for a single image or (N,4,2) for a batch. Received shape: "
                f"{tuple(points.shape)}"
            )
    if start_points.shape != end_points.shape:
        raise ValueError(
            f"start_points and end_points must have the same shape. Received start_points.shape="
            f"{tuple(start_points.shape)}, end_points.shape={tuple(end_points.shape)}"
        )
    start_points, end_points = start_points.reshape(-1, 4, 2), end_points.reshape(-1, 4, 2)
    transform = compute_homography_matrix(start_points.to(images.device), end_points.to(images.device))
    out = _projective_transform(_to_nchw(images, data_format), transform, interpolation, "constant", fill_value)
    return _from_nchw(out, data_format, images.ndim == 4)


# ---- map_coordinates and elastic_transform -----------------------------------------------------------------


def _fix_index(index: torch.Tensor, size: int, fill_mode: str):
    """The in-range index a tap reads under map_coordinates' fill modes (scipy's, as Keras's JAX and torch
    backends compute them), and whether it is valid (only `constant` has invalid taps)."""
    if fill_mode == "constant":
        return index.clamp(0, size - 1), (index >= 0) & (index < size)
    if fill_mode == "nearest":
        return index.clamp(0, size - 1), None
    if fill_mode == "wrap":
        return torch.remainder(index, size), None
    if fill_mode == "mirror":  # (d c b | a b c d | c b a): a triangular wave of half-period size - 1
        return _mirror(index, size), None
    return torch.div(_mirror(2 * index + 1, 2 * size + 1) - 1, 2, rounding_mode="floor"), None  # reflect


def _mirror(index: torch.Tensor, size: int) -> torch.Tensor:
    half = size - 1
    if half == 0:
        return torch.zeros_like(index)
    return torch.abs(torch.remainder(index + half, 2 * half) - half)


def _interpolation_nodes(coordinate: torch.Tensor, size: int, order: int, fill_mode: str, dtype):
    """(index, valid, weight) for each tap of an order-0 or order-1 interpolation along one axis."""
    if order == 0:
        coordinate = torch.round(coordinate) if coordinate.is_floating_point() else coordinate
        nodes = [(coordinate.to(torch.int64), None)]
    else:
        coordinate = coordinate.to(dtype)
        lower = torch.floor(coordinate)
        upper_weight = coordinate - lower
        index = lower.to(torch.int64)
        nodes = [(index, 1 - upper_weight), (index + 1, upper_weight)]
    return [(*_fix_index(index, size, fill_mode), weight) for index, weight in nodes]


def _interpolate(flat: torch.Tensor, per_axis: list, strides: list, fill, dtype) -> torch.Tensor:
    """Sums weight * value over every combination of the per-axis taps. `flat` is (B, C, L); each tap's index,
    validity and weight are (B, 1, K), broadcast over the channels."""
    result = 0
    for items in itertools.product(*per_axis):
        offset = items[0][0] * strides[0]
        for (index, _, _), stride in zip(items[1:], strides[1:]):
            offset = offset + index * stride
        gathered = torch.take_along_dim(flat, offset, dim=-1).to(dtype)
        valid = [v for _, v, _ in items if v is not None]
        if valid:
            mask = valid[0]
            for v in valid[1:]:
                mask = mask & v
            gathered = torch.where(mask, gathered, fill)
        for _, _, weight in items:
            if weight is not None:
                gathered = weight * gathered
        result = result + gathered
    return result


@keras_op(config_args=("fill_value",))
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Samples `inputs` at `coordinates` (shape `(inputs.ndim, ...)`) with spline interpolation of `order` 0
    (nearest) or 1 (linear), like `scipy.ndimage.map_coordinates`.

    Args:
        inputs: the array to sample.
        coordinates: one array of coordinates per axis of `inputs`.
        order: 0 or 1.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`.
        fill_value: the value outside the array for `fill_mode="constant"`.
    """
    inputs = convert_to_tensor(inputs)
    coordinates = convert_to_tensor(coordinates)
    if coordinates.ndim < 2:
        raise ValueError(
            f"Invalid coordinates rank: expected at least rank 2. Received input with shape: {tuple(coordinates.shape)}"
        )
    if coordinates.shape[0] != inputs.ndim:
        raise ValueError(
            f"First dim of `coordinates` must be the same as the rank of `inputs`. Received inputs with shape: "
            f"{tuple(inputs.shape)} and coordinate leading dim of {coordinates.shape[0]}"
        )
    if fill_mode not in MAP_COORDINATES_FILL_MODES:
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Expected one of {set(MAP_COORDINATES_FILL_MODES)}. "
            f"Received: fill_mode={fill_mode}"
        )
    if order not in (0, 1):
        raise ValueError(f"map_coordinates requires `order` 0 or 1. Received: order={order}")
    coordinates = coordinates.to(inputs.device)
    dtype = coordinates.dtype if coordinates.is_floating_point() else _float_dtype(inputs.dtype)
    per_axis = [
        _interpolation_nodes(coordinate.reshape(1, 1, -1), size, order, fill_mode, dtype)
        for coordinate, size in zip(coordinates.unbind(0), inputs.shape)
    ]
    strides = [math.prod(inputs.shape[axis + 1 :]) for axis in range(inputs.ndim)]
    fill = torch.as_tensor(fill_value, dtype=dtype, device=inputs.device)
    result = _interpolate(inputs.reshape(1, 1, -1), per_axis, strides, fill, dtype).reshape(coordinates.shape[1:])
    if not inputs.is_floating_point():
        result = torch.round(result)
    return result.to(inputs.dtype)


@keras_op(config_args=("fill_value",))
def elastic_transform(
    images,
    alpha=20.0,
    sigma=5.0,
    interpolation="bilinear",
    fill_mode="reflect",
    fill_value=0.0,
    seed=None,
    data_format=None,
):
    """Displaces every pixel by smooth random offsets: normal noise blurred by a Gaussian of `sigma`, scaled by
    `alpha`, then sampled with `map_coordinates` semantics.

    Args:
        images: a rank-3 or rank-4 image tensor.
        alpha: the displacement's scale.
        sigma: the smoothing Gaussian's standard deviation (kernel `6 * int(sigma) | 1` wide).
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"` or `"reflect"`.
        fill_value: the value outside the image for `fill_mode="constant"`.
        seed: an int or a `SeedGenerator` for reproducible displacements.
        data_format: `"channels_last"` or `"channels_first"`.
    """
    from kerasish.random.random import _generator  # same floor: the seed rules of keras.random

    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    _check_interpolation(interpolation)
    _check_fill_mode(fill_mode)
    _check_rank(images)
    x = _to_nchw(images, data_format)
    n, _, height, width = x.shape
    dtype = _float_dtype(images.dtype)
    noise = torch.randn((2 * n, 1, height, width), generator=_generator(seed, x.device), device=x.device, dtype=dtype)
    ksize = (6 * int(sigma)) | 1
    noise = gaussian_blur_channels_first(noise * sigma, (ksize, ksize), (float(sigma), float(sigma)))
    out = displace(x, noise[:n, 0], noise[n:, 0], alpha, interpolation, fill_mode, fill_value)
    return _from_nchw(out.to(images.dtype), data_format, images.ndim == 4)


def displace(x: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor, alpha, interpolation, fill_mode, fill_value):
    """Samples the channels-first batch `x` at `(row + alpha * dy, col + alpha * dx)` (dx, dy: (N, H, W)) with
    map_coordinates' interpolation and fill modes, all channels at once."""
    n, c, height, width = x.shape
    dtype = dx.dtype
    rows = torch.arange(height, dtype=dtype, device=x.device).view(1, height, 1)
    cols = torch.arange(width, dtype=dtype, device=x.device).view(1, 1, width)
    ys, xs = rows + alpha * dy, cols + alpha * dx
    order = AFFINE_TRANSFORM_INTERPOLATIONS.index(interpolation)
    per_axis = [
        _interpolation_nodes(ys.reshape(n, 1, -1), height, order, fill_mode, dtype),
        _interpolation_nodes(xs.reshape(n, 1, -1), width, order, fill_mode, dtype),
    ]
    fill = torch.as_tensor(fill_value, dtype=dtype, device=x.device)
    out = _interpolate(x.reshape(n, c, height * width), per_axis, [width, 1], fill, dtype).reshape(x.shape)
    return torch.round(out) if not x.is_floating_point() else out


# ---- filters -----------------------------------------------------------------------------------------------


def _gaussian_kernel_1d(size: int, sigma: float, dtype, device) -> torch.Tensor:
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def gaussian_blur_channels_first(x: torch.Tensor, kernel_size, sigma) -> torch.Tensor:
    """Depthwise Gaussian blur with TensorFlow's "same" zero padding. As Keras builds the kernel, the outer product
    (size[1], size[0]) is reshaped (not transposed) to (size[0], size[1])."""
    channels = x.shape[1]
    kx = _gaussian_kernel_1d(int(kernel_size[0]), sigma[0], x.dtype, x.device)
    ky = _gaussian_kernel_1d(int(kernel_size[1]), sigma[1], x.dtype, x.device)
    kh, kw = int(kernel_size[0]), int(kernel_size[1])
    kernel = torch.outer(ky, kx).reshape(1, 1, kh, kw).expand(channels, 1, kh, kw)
    padded = F.pad(x, ((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2))
    return F.conv2d(padded, kernel, groups=channels)


@keras_op
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blurs images with a Gaussian kernel of `kernel_size` and standard deviations `sigma` (zero padding, same
    size out).

    Args:
        images: a rank-3 or rank-4 float image tensor.
        kernel_size: `(height, width)` of the kernel.
        sigma: the Gaussian's standard deviations, `(sigma_x, sigma_y)`.
        data_format: `"channels_last"` or `"channels_first"`.
    """
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    _check_rank(images)
    kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    sigma = (sigma, sigma) if isinstance(sigma, (int, float)) else tuple(float(s) for s in sigma)
    if len(kernel_size) != 2 or any(int(k) <= 0 for k in kernel_size):
        raise ValueError(f"`kernel_size` must be two positive integers. Received: kernel_size={kernel_size}")
    dtype = images.dtype
    x = _to_nchw(images, data_format).to(_float_dtype(dtype))
    out = gaussian_blur_channels_first(x, kernel_size, sigma).to(dtype)
    return _from_nchw(out, data_format, images.ndim == 4)


@keras_op
def sobel_edges(images, data_format=None):
    """Sobel edge maps, as `tf.image.sobel_edges`: shape `images.shape + (2,)`, the last axis holding the
    vertical (dy) and horizontal (dx) gradients (reflect-padded)."""
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    if images.ndim != 4:
        raise ValueError(
            f"sobel_edges expects a batch of images (rank 4). Received: images.shape={tuple(images.shape)}"
        )
    x = _to_nchw(images, data_format).to(_float_dtype(images.dtype))
    channels = x.shape[1]
    dy = torch.tensor([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=x.dtype, device=x.device)
    kernels = torch.stack([dy, dy.T]).unsqueeze(1)  # (2, 1, 3, 3): dy, then dx
    padded = F.pad(x, (1, 1, 1, 1), mode="reflect")
    edges = F.conv2d(padded, kernels.repeat(channels, 1, 1, 1), groups=channels)  # (N, 2C, H, W)
    edges = edges.reshape(x.shape[0], channels, 2, *x.shape[2:]).movedim(2, -1)  # (N, C, H, W, 2)
    if data_format == "channels_last":
        edges = edges.permute(0, 2, 3, 1, 4)
    return edges


# ---- scale_and_translate -----------------------------------------------------------------------------------


@keras_op
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    """Resamples `images` along `spatial_dims` to `output_shape`, with output = input * scale + translation
    (pixel centers), as `jax.image.scale_and_translate`.

    Args:
        images: a tensor.
        output_shape: the full output shape.
        scale: one scale per spatial dim.
        translation: one translation per spatial dim.
        spatial_dims: the axes to resample.
        method: `"linear"`/`"bilinear"`/`"trilinear"`, `"cubic"`/`"bicubic"`/`"tricubic"`, `"lanczos3"`,
            `"lanczos5"`.
        antialias: widen the kernel when downscaling.
    """
    if method not in SCALE_AND_TRANSLATE_METHODS:
        raise ValueError(
            f"Invalid value for argument `method`. Expected of one {SCALE_AND_TRANSLATE_METHODS}. Received: "
            f"method={method}"
        )
    kernel_name = "linear" if "linear" in method else "cubic" if "cubic" in method else method
    images = convert_to_tensor(images)
    scale = np.asarray(convert_to_tensor(scale).detach().cpu(), dtype=np.float64).reshape(-1)
    translation = np.asarray(convert_to_tensor(translation).detach().cpu(), dtype=np.float64).reshape(-1)
    integer = not images.is_floating_point()
    out = images.to(torch.float32) if integer else images
    for i, axis in enumerate(spatial_dims):
        axis = axis % images.ndim
        weights = _scale_translate_weights(
            images.shape[axis], int(output_shape[axis]), scale[i], translation[i], _KERNELS[kernel_name], antialias
        )
        weights = torch.tensor(weights, dtype=out.dtype, device=out.device)
        out = torch.movedim(torch.tensordot(out, weights, dims=([axis], [1])), -1, axis)
    if integer:
        out = torch.round(out).clamp(images.min(), images.max()).to(images.dtype)
    return out


# ---- patches -----------------------------------------------------------------------------------------------


def _patch_conv(inputs, size: tuple, strides, dilation_rate, padding, data_format, spatial: int):
    """Patches as Keras extracts them: a convolution with an identity kernel, so each output pixel holds its patch
    flattened in (spatial..., channels) order."""
    from kerasish.ops.nn import conv  # same floor

    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[-spatial - 1]
    out_dim = math.prod(size) * channels
    kernel = torch.eye(out_dim, dtype=inputs.dtype, device=inputs.device).reshape(*size, channels, out_dim)
    batched = inputs.ndim == spatial + 2
    x = inputs if batched else inputs.unsqueeze(0)
    out = conv(x, kernel, strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation_rate)
    return out if batched else out.squeeze(0)


@keras_op
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Extracts patches of `size` (an int, `(h, w)`, or `(d, h, w)` for volumes) from images; each output
    position holds one patch, flattened.

    Args:
        images: a rank-3 or rank-4 image tensor (rank 4 or 5 for 3D patches).
        size: the patch size.
        strides: the step between patches (defaults to `size`).
        dilation_rate: the dilation of each patch.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`.
    """
    if not isinstance(size, int):
        if not isinstance(size, (tuple, list)):
            raise TypeError(
                f"Invalid `size` argument. Expected an int or a tuple. Received: size={size} of type "
                f"{type(size).__name__}"
            )
        if len(size) not in (2, 3):
            raise ValueError(
                f"Invalid `size` argument. Expected a tuple of length 2 or 3. Received: size={size} with length "
                f"{len(size)}"
            )
        if len(size) == 3:
            return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    size = (size, size) if isinstance(size, int) else tuple(size)
    return _patch_conv(images, size, strides or size, dilation_rate, padding, data_format, 2)


@keras_op
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Extracts 3D patches of `size` (an int or `(d, h, w)`) from volumes (rank 4 or 5)."""
    volumes = convert_to_tensor(volumes)
    data_format = _data_format(data_format)
    size = (size,) * 3 if isinstance(size, int) else tuple(size)
    if len(size) != 3:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 3. Received: size={size}")
    strides = size if strides is None else strides
    strides = (strides,) * 3 if isinstance(strides, int) else tuple(strides)
    if len(strides) != 3:
        raise ValueError(f"Invalid `strides` argument. Got: {strides}")
    return _patch_conv(volumes, size, strides, dilation_rate, padding, data_format, 3)


# ---- crop and pad ------------------------------------------------------------------------------------------


def _check_two_of(names: tuple, values: tuple) -> None:
    if list(values).count(None) != 1:
        given = ", ".join(f"{n}={v}" for n, v in zip(names, values))
        raise ValueError(f"Must specify exactly two of {', '.join(names)}. Received: {given}")
    for name, value in zip(names, values):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def _height_width(images: torch.Tensor, data_format: str) -> tuple[int, int]:
    return tuple(images.shape[-3:-1]) if data_format == "channels_last" else tuple(images.shape[-2:])


@keras_op
def pad_images(
    images,
    top_padding=None,
    left_padding=None,
    bottom_padding=None,
    right_padding=None,
    target_height=None,
    target_width=None,
    data_format=None,
):
    """Zero-pads images; give exactly two of (top, bottom, target_height) and two of (left, right, target_width)."""
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). Received: "
            f"images.shape={tuple(images.shape)}"
        )
    _check_two_of(("top_padding", "bottom_padding", "target_height"), (top_padding, bottom_padding, target_height))
    _check_two_of(("left_padding", "right_padding", "target_width"), (left_padding, right_padding, target_width))
    height, width = _height_width(images, data_format)
    if top_padding is None:
        top_padding = target_height - bottom_padding - height
    if bottom_padding is None:
        bottom_padding = target_height - top_padding - height
    if left_padding is None:
        left_padding = target_width - right_padding - width
    if right_padding is None:
        right_padding = target_width - left_padding - width
    for name, value in (
        ("top_padding", top_padding),
        ("left_padding", left_padding),
        ("right_padding", right_padding),
        ("bottom_padding", bottom_padding),
    ):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    x = _to_nchw(images, data_format)
    out = F.pad(x, (int(left_padding), int(right_padding), int(top_padding), int(bottom_padding)))
    return _from_nchw(out, data_format, images.ndim == 4)


@keras_op
def crop_images(
    images,
    top_cropping=None,
    left_cropping=None,
    bottom_cropping=None,
    right_cropping=None,
    target_height=None,
    target_width=None,
    data_format=None,
):
    """Crops images; give exactly two of (top, bottom, target_height) and two of (left, right, target_width)."""
    images = convert_to_tensor(images)
    data_format = _data_format(data_format)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). Received: "
            f"images.shape={tuple(images.shape)}"
        )
    _check_two_of(("top_cropping", "bottom_cropping", "target_height"), (top_cropping, bottom_cropping, target_height))
    _check_two_of(("left_cropping", "right_cropping", "target_width"), (left_cropping, right_cropping, target_width))
    height, width = _height_width(images, data_format)
    if top_cropping is None:
        top_cropping = height - target_height - bottom_cropping
    if target_height is None:
        target_height = height - bottom_cropping - top_cropping
    if left_cropping is None:
        left_cropping = width - target_width - right_cropping
    if target_width is None:
        target_width = width - right_cropping - left_cropping
    for name, value in (
        ("top_cropping", top_cropping),
        ("target_height", target_height),
        ("left_cropping", left_cropping),
        ("target_width", target_width),
    ):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    if top_cropping + target_height > height or left_cropping + target_width > width:
        raise ValueError(
            f"crop_images: the crop ({top_cropping}+{target_height}, {left_cropping}+{target_width}) does not fit "
            f"in images of height {height} and width {width}."
        )
    x = _to_nchw(images, data_format)
    out = x[..., top_cropping : top_cropping + target_height, left_cropping : left_cropping + target_width]
    return _from_nchw(out, data_format, images.ndim == 4)


# ---- ssim --------------------------------------------------------------------------------------------------


@keras_op
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    """The structural similarity of two images (or batches), with a `filter_size` Gaussian window ("valid"
    filtering), averaged over pixels and channels.

    Args:
        image1, image2: rank-3 or rank-4 image tensors of the same shape.
        max_val: the dynamic range of the pixel values.
        filter_size: the Gaussian window's size.
        filter_sigma: its standard deviation.
        k1, k2: the stability constants.
        data_format: `"channels_last"` or `"channels_first"`.
    """
    image1, image2 = convert_to_tensor(image1), convert_to_tensor(image2)
    data_format = _data_format(data_format)
    _check_rank(image1, "image1")
    _check_rank(image2, "image2")
    dtype = image1.dtype
    compute = _float_dtype(dtype)
    x1 = _to_nchw(image1, data_format).to(compute)
    x2 = _to_nchw(image2, data_format).to(compute)
    n, c, height, width = x1.shape
    window = _gaussian_kernel_1d(filter_size, filter_sigma, compute, x1.device)
    kernel = torch.outer(window, window).reshape(1, 1, filter_size, filter_size)
    x1 = x1.reshape(n * c, 1, height, width)
    x2 = x2.reshape(n * c, 1, height, width)

    def filtered(x):
        return F.conv2d(x, kernel)

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = filtered(x1), filtered(x2)
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    sigma1_sq = filtered(x1 * x1) - mu1_sq
    sigma2_sq = filtered(x2 * x2) - mu2_sq
    sigma12 = filtered(x1 * x2) - mu12
    ssim_map = ((2.0 * mu12 + c1) * (2.0 * sigma12 + c2)) / ((mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2))
    result = ssim_map.mean(dim=(1, 2, 3)).reshape(n, c).mean(-1)
    if image1.ndim == 3:
        result = result.squeeze(0)
    return result.to(dtype)
