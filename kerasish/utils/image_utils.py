"""Image files and arrays, as `keras.utils`: `load_img`, `img_to_array`, `array_to_img`, `save_img`, `smart_resize`.

Images decode and encode with Pillow, so `load_img`'s resampling is Pillow's, as in Keras. `smart_resize` resizes
in torch with the numbers of Keras's default (TensorFlow) backend: TF's bilinear resize (half-pixel centers, no
antialiasing) is torch's `interpolate(mode="bilinear", align_corners=False)`, and TF's nearest is torch's
`"nearest-exact"`.
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from kerasish import config
from kerasish.saving.atomic import atomic_write

PIL_INTERPOLATION_METHODS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "hamming": Image.Resampling.HAMMING,
    "box": Image.Resampling.BOX,
    "lanczos": Image.Resampling.LANCZOS,
}
_COLOR_MODES = {"grayscale": ("L", "I;16", "I"), "rgb": ("RGB",), "rgba": ("RGBA",)}
# smart_resize's interpolations: the torch mode that gives TensorFlow's numbers for each.
_TORCH_RESIZE_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact"}


def _data_format(data_format: str | None) -> str:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; got {data_format!r}.")
    return data_format


def load_img(
    path,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
    *,
    grayscale: bool = False,
) -> Image.Image:
    """Loads an image file into a PIL image.

    Args:
        path: Path to the image file (str, bytes or `pathlib.Path`), or an `io.BytesIO` holding one.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`: the mode the image is converted to (grayscale keeps
            8-, 16- and 32-bit grayscale images as they are).
        target_size: `None` (the file's size) or `(height, width)`.
        interpolation: Pillow resampling used when resizing: `"nearest"` (default), `"bilinear"`, `"bicubic"`,
            `"hamming"`, `"box"` or `"lanczos"`.
        keep_aspect_ratio: Crop the largest centered region with the target's aspect ratio before resizing,
            instead of stretching the image.
        grayscale: tf.keras 2's deprecated spelling of `color_mode="grayscale"` (with a warning, as there).

    Returns:
        A PIL image.

    Raises:
        ValueError: for a bad argument, or a file that is not an image Pillow can decode (the message names it).

    Example:
        img = kerasish.utils.load_img("cat.jpg", target_size=(180, 180))
        batch = kerasish.utils.img_to_array(img)[None]
    """
    if grayscale:
        warnings.warn("grayscale is deprecated. Please use color_mode = 'grayscale'", stacklevel=2)
        color_mode = "grayscale"
    if color_mode not in _COLOR_MODES:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba"; got {color_mode!r}.')
    if target_size is not None and interpolation not in PIL_INTERPOLATION_METHODS:
        raise ValueError(
            f"Invalid interpolation method {interpolation!r} specified. Supported methods are "
            f"{', '.join(PIL_INTERPOLATION_METHODS)}."
        )
    if isinstance(path, io.BytesIO):
        name, data = "<BytesIO>", path
    elif isinstance(path, (str, bytes, pathlib.Path)):
        name = os.fsdecode(path)
        with open(path, "rb") as f:
            data = io.BytesIO(f.read())
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    try:
        img = Image.open(data)
        img.load()  # decode now, so a truncated file fails here, naming the file
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise ValueError(f"Cannot read {name} as an image: {e}") from e
    if img.mode not in _COLOR_MODES[color_mode]:
        img = img.convert(_COLOR_MODES[color_mode][0])
    if target_size is not None:
        width_height = (int(target_size[1]), int(target_size[0]))
        if img.size != width_height:
            resample = PIL_INTERPOLATION_METHODS[interpolation]
            box = _aspect_ratio_crop_box(img.size, width_height) if keep_aspect_ratio else None
            img = img.resize(width_height, resample, box=box)
    return img


def _aspect_ratio_crop_box(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest centered `(left, top, right, bottom)` box of an image of `size` with `target`'s aspect ratio."""
    width, height = size
    target_width, target_height = target
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    top = (height - crop_height) // 2
    left = (width - crop_width) // 2
    return left, top, left + crop_width, top + crop_height


def img_to_array(img, data_format: str | None = None, dtype: str | None = None) -> np.ndarray:
    """Converts a PIL image to a 3D NumPy array.

    Args:
        img: A PIL image (or anything `np.asarray` turns into a 2D or 3D array).
        data_format: `"channels_last"` (`(height, width, channels)`) or `"channels_first"`; defaults to
            `kerasish.config.image_data_format()`.
        dtype: The array's dtype; defaults to `kerasish.config.floatx()`.

    Returns:
        A 3D array; a grayscale image gets a channel axis of size 1.
    """
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format: str | None = None, scale: bool = True, dtype: str | None = None) -> Image.Image:
    """Converts a 3D array to a PIL image.

    Args:
        x: A 3D array (or tensor): 1 channel gives a grayscale image, 3 an RGB and 4 an RGBA image.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `kerasish.config.image_data_format()`.
        scale: Rescale the values so that the minimum becomes 0 and the maximum 255.
        dtype: dtype of the intermediate array; defaults to `kerasish.config.floatx()`.

    Returns:
        A PIL image.
    """
    data_format = _data_format(data_format)
    x = np.array(x, dtype=dtype or config.floatx())  # a copy: scaling below works in place
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x -= np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # beyond 8 bits: a 32-bit integer grayscale image, as Keras makes
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels} (expected 1, 3 or 4).")


def save_img(
    path, x, data_format: str | None = None, file_format: str | None = None, scale: bool = True, **kwargs
) -> None:
    """Saves a 3D array as an image file (written atomically) or into a file object.

    Args:
        path: Path or writable file object.
        x: A 3D array, as `array_to_img` takes it.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `kerasish.config.image_data_format()`.
        file_format: The image format (`"png"`, `"jpeg"`, ...); by default taken from the path's extension.
            Required for a file object.
        scale: Rescale the values to `[0, 255]` first.
        **kwargs: Passed to `PIL.Image.Image.save` (e.g. `quality=90`).
    """
    is_path = isinstance(path, (str, bytes, os.PathLike))
    if file_format is None and is_path:
        file_format = pathlib.Path(os.fsdecode(path)).suffix[1:]
    if not file_format:
        raise ValueError(
            f"Cannot tell which image format to write to {path!r}: give the file an extension such "
            "as .png or pass file_format=."
        )
    pil_format = Image.registered_extensions().get("." + file_format.lower())
    if pil_format is None:
        raise ValueError(
            f"Unknown image format {file_format!r} for {path!r}; Pillow writes: "
            f"{', '.join(sorted({e[1:] for e in Image.registered_extensions()}))}."
        )
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and pil_format == "JPEG":
        img = img.convert("RGB")  # JPEG has no alpha channel, as Keras converts
    if not is_path:
        img.save(path, format=pil_format, **kwargs)
        return
    with atomic_write(path) as tmp:
        img.save(tmp, format=pil_format, **kwargs)


def smart_resize(x, size: tuple[int, int], interpolation: str = "bilinear", data_format: str = "channels_last"):
    """Resizes images to `size` without distorting their aspect ratio: crops the largest centered region with
    the target's aspect ratio, then resizes it.

    The numbers equal Keras's with its default TensorFlow backend.

    Args:
        x: An image `(height, width, channels)` or a batch `(batch, height, width, channels)` (channels first with
            `data_format="channels_first"`), as a NumPy array or torch tensor.
        size: `(height, width)` of the result.
        interpolation: `"bilinear"` (default) or `"nearest"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Returns:
        The resized images: a NumPy array for a NumPy input, else a torch tensor. Bilinear gives float32, nearest
        keeps the dtype.

    Example:
        smart_resize(np.zeros((340, 500, 3)), (200, 200)).shape  # (200, 200, 3), from the centered 340x340 crop
    """
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    if interpolation not in _TORCH_RESIZE_MODES:
        raise ValueError(
            f"smart_resize: unsupported interpolation {interpolation!r}; expected one of "
            f"{', '.join(_TORCH_RESIZE_MODES)}."
        )
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; got {data_format!r}.")
    images = x if isinstance(x, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(x))
    if images.ndim not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or `(batch_size, height, "
            f"width, channels)`, but got input with incorrect rank, of shape {tuple(images.shape)}."
        )
    batch = images if images.ndim == 4 else images[None]
    if data_format == "channels_last":
        batch = batch.permute(0, 3, 1, 2)
    height, width = batch.shape[-2:]
    target_height, target_width = (int(s) for s in size)
    # Keras's crop arithmetic, to the digit: float division, truncated.
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    batch = batch[:, :, top : top + crop_height, left : left + crop_width]
    batch = _resize(batch, (target_height, target_width), interpolation)
    if data_format == "channels_last":
        batch = batch.permute(0, 2, 3, 1)
    result = batch if images.ndim == 4 else batch[0]
    if isinstance(x, torch.Tensor):
        return result.contiguous()
    return result.contiguous().numpy()


def _resize(images: torch.Tensor, size: tuple[int, int], interpolation: str) -> torch.Tensor:
    """Resizes a channels-first batch as `tf.image.resize` does (no antialiasing)."""
    mode = _TORCH_RESIZE_MODES[interpolation]
    if mode == "bilinear":
        images = images.float()  # TensorFlow's bilinear resize computes in and returns float32 for any input
        return F.interpolate(images, size=size, mode="bilinear", align_corners=False, antialias=False)
    return F.interpolate(images, size=size, mode=mode)
