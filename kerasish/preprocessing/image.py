"""tf.keras 2's image preprocessing, as `keras.preprocessing.image`: `ImageDataGenerator` and its iterators, the
random augmentation functions, and the image utilities of `kerasish.utils`.

The numbers equal tf.keras 2's. Its warps are `scipy.ndimage.affine_transform`, which this module reproduces in
NumPy (spline orders 0 and 1; fill modes constant, nearest, reflect, wrap) so that SciPy is not needed. Random draws
come from NumPy's legacy generator in tf.keras's order: a seeded iterator seeds batch `i` of epoch `e` with
`seed + e * len(iterator) + i` (tf.keras's `seed + total_batches_seen` when read in order), so
`ImageDataGenerator(...).flow(x, seed=1)` yields tf.keras's batches. Each batch draws from its own generator, so
batches loaded by parallel workers are the same as batches loaded one after the other; `on_epoch_end` draws the
next order where tf.keras does, after the epoch's last batch, by replaying that batch's draws, so it needs no batch
loaded in its own process.

The iterators are `kerasish.utils.PyDataset`s: `model.fit(datagen.flow(x, y), workers=4)` loads batches in
parallel. Like tf.keras's, iterating over one with `for` or `next()` never ends.
"""

from __future__ import annotations

import collections
import contextlib
import os
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import ImageEnhance

from kerasish import config
from kerasish.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize
from kerasish.utils.py_dataset import PyDataset

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")
_thread_draws = threading.local()


def _random_state():
    """Where augmentations draw from: the current batch's generator inside an iterator, else NumPy's global one."""
    rng = getattr(_thread_draws, "rng", None)
    return np.random if rng is None else rng


@contextlib.contextmanager
def _drawing_from(rng):
    previous = getattr(_thread_draws, "rng", None)
    _thread_draws.rng = rng
    try:
        yield
    finally:
        _thread_draws.rng = previous


# ---------------------------------------------------------------------------------------------------------------
# The affine warp: scipy.ndimage.affine_transform, orders 0 and 1.
# ---------------------------------------------------------------------------------------------------------------


def _map_coordinate(coord: np.ndarray, size: int, mode: str) -> np.ndarray:
    """Where scipy.ndimage reads a coordinate that falls outside `[0, size - 1]` (float64 arrays in and out).

    "constant" maps outside coordinates to -1 (read as `cval`); "mirror" is the extension scipy uses for the
    samples around an interpolated point in constant and wrap modes.
    """
    low, high = coord < 0, coord > size - 1
    if mode == "constant":
        return np.where(low | high, -1.0, coord)
    if mode == "nearest":
        return np.clip(coord, 0, size - 1)
    if size <= 1:
        return np.zeros_like(coord)
    if mode == "reflect":  # half-sample symmetric: dcba|abcd|dcba
        period = 2 * size
        below = np.where(coord < -period, period * np.trunc(-coord / period) + coord, coord)
        below = np.where(below < -size, below + period, np.where(below > -1e-15, 1e-15, -below) - 1)
        above = coord - period * np.trunc(coord / period)
        above = np.where(above >= size, period - above - 1, above)
    elif mode == "mirror":  # whole-sample symmetric: dcb|abcd|cba
        period = 2 * size - 2
        below = period * np.trunc(-coord / period) + coord
        below = np.where(below <= 1 - size, below + period, -below)
        above = coord - period * np.trunc(coord / period)
        above = np.where(above >= size, period - above, above)
    elif mode == "wrap":  # scipy's "wrap" repeats with period size - 1
        period = size - 1
        below = coord + period * (np.trunc(-coord / period) + 1)
        above = coord - period * np.trunc(coord / period)
    else:
        raise ValueError(f"Unknown fill mode {mode!r}; expected one of {', '.join(_FILL_MODES)}.")
    return np.where(low, below, np.where(high, above, coord))


def _axis_taps(coord: np.ndarray, size: int, order: int, mode: str):
    """For coordinates along one axis: the samples each output reads, their weights, and where `cval` goes."""
    if mode != "nearest":  # scipy clamps nearest through the samples' indices instead
        coord = _map_coordinate(coord, size, mode)
    outside = coord == -1.0 if mode == "constant" else None
    start = np.floor(coord) if order == 1 else np.floor(coord + 0.5)
    sample_mode = "mirror" if mode in ("constant", "wrap") else mode
    taps = [_map_coordinate(start + k, size, sample_mode).astype(np.intp) for k in range(order + 1)]
    if order == 0:
        return taps, None, outside
    first = 1.0 - (coord - start)
    return taps, [first, 1.0 - first], outside


def _cast_like_scipy(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """scipy's conversion of the interpolated float64 values to the input's dtype: integers round half away
    from zero and saturate."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        low = 0.0 if info.min == 0 else values - 0.5
        values = np.clip(np.where(values > 0, values + 0.5, low), info.min, info.max)
        return np.trunc(values).astype(dtype)
    if dtype == np.bool_:
        return values != 0
    return values.astype(dtype)


def _affine_warp(
    channels: np.ndarray, matrix: np.ndarray, offset: np.ndarray, order: int, mode: str, cval: float
) -> np.ndarray:
    """`scipy.ndimage.affine_transform(c, matrix, offset, order=order, mode=mode, cval=cval)` for each channel `c` of a
    `(channels, rows, cols)` array: output pixel `o` reads the input at `matrix @ o + offset`."""
    if order not in (0, 1):
        raise ValueError(f"interpolation_order must be 0 or 1 (nearest or linear); got {order!r}.")
    if mode not in _FILL_MODES:
        raise ValueError(f"fill_mode must be one of {', '.join(_FILL_MODES)}; got {mode!r}.")
    _, height, width = channels.shape
    rows, cols = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64), indexing="ij")
    axes = []
    for axis, size in ((0, height), (1, width)):
        # The same float64 operations, in the same order, as scipy's: the coordinates match to the bit, so the same
        # pixels fall outside the image.
        coord = offset[axis] + rows * matrix[axis, 0] + cols * matrix[axis, 1]
        axes.append(_axis_taps(coord, size, order, mode))
    (row_taps, row_weights, row_outside), (col_taps, col_weights, col_outside) = axes
    values = channels.astype(np.float64)
    result = np.zeros(channels.shape, dtype=np.float64)
    for i, row in enumerate(row_taps):
        for j, col in enumerate(col_taps):
            sample = values[:, row, col]
            if order:
                sample = sample * row_weights[i] * col_weights[j]
            result += sample
    if mode == "constant":
        result[:, row_outside | col_outside] = cval
    return _cast_like_scipy(result, channels.dtype)


def transform_matrix_offset_center(matrix: np.ndarray, x: float, y: float) -> np.ndarray:
    """Conjugates a 3x3 transform with a shift to the image center, so that it applies about the center."""
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def apply_affine_transform(
    x: np.ndarray,
    theta: float = 0,
    tx: float = 0,
    ty: float = 0,
    shear: float = 0,
    zx: float = 1,
    zy: float = 1,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    order: int = 1,
) -> np.ndarray:
    """Applies a rotation, shift, shear and zoom (in that order, about the image center) to one image.

    Args:
        x: 3D array: a 2D image with one or more channels.
        theta: Rotation angle in degrees.
        tx: Shift along the rows (height), in pixels.
        ty: Shift along the columns (width), in pixels.
        shear: Shear angle in degrees.
        zx: Zoom along the rows.
        zy: Zoom along the columns.
        row_axis, col_axis, channel_axis: Which axes of `x` are the rows, columns and channels (channels first or
            last).
        fill_mode: How points outside the image are filled: `"constant"` (`cval`), `"nearest"`, `"reflect"` or
            `"wrap"`, as `scipy.ndimage` fills them.
        cval: The value outside the image with `fill_mode="constant"`.
        order: Interpolation order: 0 (nearest) or 1 (linear).

    Returns:
        The transformed image, of `x`'s shape and dtype.
    """
    if len({row_axis, col_axis, channel_axis}) != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(f"Invalid axis' indices: {({row_axis, col_axis, channel_axis}) - {0, 1, 2}}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"Input arrays must be multi-channel 2D images; got an array of shape {x.shape}.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    transform = None
    for matrix in _affine_factors(theta, tx, ty, shear, zx, zy):
        transform = matrix if transform is None else np.dot(transform, matrix)
    if transform is None:
        return x
    transform = transform_matrix_offset_center(transform, x.shape[row_axis], x.shape[col_axis])
    if col_axis > row_axis:
        # The matrix works on (x, y) = (row, col) when rows come first, else on (col, row): swap to array order.
        transform[:, [0, 1]] = transform[:, [1, 0]]
        transform[[0, 1]] = transform[[1, 0]]
    channels = np.moveaxis(x, channel_axis, 0)
    warped = _affine_warp(channels, transform[:2, :2], transform[:2, 2], order, fill_mode, cval)
    return np.moveaxis(warped, 0, channel_axis)


def _affine_factors(theta, tx, ty, shear, zx, zy) -> list[np.ndarray]:
    factors = []
    if theta != 0:
        theta = np.deg2rad(theta)
        factors.append(np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        factors.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        shear = np.deg2rad(shear)
        factors.append(np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        factors.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    return factors


# ---------------------------------------------------------------------------------------------------------------
# Random augmentations of one image.
# ---------------------------------------------------------------------------------------------------------------


def random_rotation(
    x: np.ndarray,
    rg: float,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Rotates an image by a random angle drawn uniformly from `[-rg, rg)` degrees (see `apply_affine_transform`)."""
    theta = _random_state().uniform(-rg, rg)
    return apply_affine_transform(
        x,
        theta=theta,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_shift(
    x: np.ndarray,
    wrg: float,
    hrg: float,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Shifts an image by random fractions of its height (`[-hrg, hrg)`) and width (`[-wrg, wrg)`)."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    rng = _random_state()
    tx = rng.uniform(-hrg, hrg) * h
    ty = rng.uniform(-wrg, wrg) * w
    return apply_affine_transform(
        x,
        tx=tx,
        ty=ty,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_shear(
    x: np.ndarray,
    intensity: float,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Shears an image by a random angle drawn uniformly from `[-intensity, intensity)` degrees."""
    shear = _random_state().uniform(-intensity, intensity)
    return apply_affine_transform(
        x,
        shear=shear,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_zoom(
    x: np.ndarray,
    zoom_range: tuple[float, float],
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Zooms an image by random factors for rows and columns, each drawn uniformly from `zoom_range`."""
    if len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = _random_state().uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(
        x,
        zx=zx,
        zy=zy,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def apply_channel_shift(x: np.ndarray, intensity: float, channel_axis: int = 0) -> np.ndarray:
    """Adds `intensity` to every channel, clipped to the image's original value range."""
    x = np.moveaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    shifted = np.stack([np.clip(channel + intensity, min_x, max_x) for channel in x], axis=0)
    return np.moveaxis(shifted, 0, channel_axis)


def random_channel_shift(x: np.ndarray, intensity_range: float, channel_axis: int = 0) -> np.ndarray:
    """`apply_channel_shift` with an intensity drawn uniformly from `[-intensity_range, intensity_range)`."""
    intensity = _random_state().uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x: np.ndarray, brightness: float, scale: bool = True) -> np.ndarray:
    """Changes an image's brightness by `brightness` (1.0 keeps it) with Pillow's `ImageEnhance.Brightness`.

    Args:
        x: 3D array.
        brightness: The brightness factor.
        scale: Rescale the image to `[0, 255]` first (values outside `[0, 255]` are always rescaled, and then mapped
            back to their range when `scale=False`).
    """
    x_min, x_max = np.min(x), np.max(x)
    local_scale = (x_min < 0) or (x_max > 255)
    img = array_to_img(x, scale=local_scale or scale)
    x = img_to_array(ImageEnhance.Brightness(img).enhance(brightness))
    if not scale and local_scale:
        x = x / 255 * (x_max - x_min) + x_min
    return x


def random_brightness(x: np.ndarray, brightness_range: tuple[float, float], scale: bool = True) -> np.ndarray:
    """`apply_brightness_shift` with a factor drawn uniformly from `brightness_range`."""
    if len(brightness_range) != 2:
        raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
    brightness = _random_state().uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, brightness, scale)


# ---------------------------------------------------------------------------------------------------------------
# Iterators.
# ---------------------------------------------------------------------------------------------------------------


class Iterator(PyDataset):
    """Base class of the image iterators: batches of `batch_size` samples out of `n`, by index (a `PyDataset`) or
    with `next()` (an endless generator, as tf.keras's).

    Subclasses implement `_get_batches_of_transformed_samples(index_array)` and, if a batch draws random numbers,
    `_draw_random_parameters(size)`, which that method draws them through.

    Args:
        n: Number of samples.
        batch_size: Samples per batch.
        shuffle: Whether to shuffle the samples at the start of each epoch.
        seed: Seed for the shuffling and the random augmentations (`None`: NumPy's global generator).
        **kwargs: `workers`, `use_multiprocessing`, `max_queue_size`, as `PyDataset` takes them.
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: int | None, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None
        self._epoch = 0
        self.lock = threading.Lock()
        self.index_generator = self._flow_index()

    def __getstate__(self):  # worker processes get a copy without the lock and the generator
        state = self.__dict__.copy()
        del state["lock"], state["index_generator"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.Lock()
        self.index_generator = self._flow_index()

    def _set_index_array(self, rng) -> None:
        self.index_array = rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def _batch_random_state(self, idx: int):
        if self.seed is None:
            return np.random
        rng = np.random.RandomState(self.seed + self._epoch * len(self) + idx)
        if self._epoch == 0 and idx == 0 and self.shuffle:
            rng.permutation(self.n)  # tf.keras draws the first epoch's order from this stream, before the batch's
        return rng

    def __getitem__(self, idx: int):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        rng = self._batch_random_state(idx)
        with self.lock:
            self.total_batches_seen += 1
            if self.index_array is None:
                self._set_index_array(np.random if self.seed is None else np.random.RandomState(self.seed))
        index_array = self.index_array[self.batch_size * idx : self.batch_size * (idx + 1)]
        with _drawing_from(rng):
            return self._get_batches_of_transformed_samples(index_array)

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self) -> None:
        """Reshuffles the samples; the next epoch's augmentations use new seeds."""
        self._set_index_array(self._epoch_end_random_state())
        self._epoch += 1

    def _epoch_end_random_state(self):
        """The generator as the epoch's last batch leaves it, which tf.keras draws the next order from.

        The last batch's draws are replayed here (parameters only, no images) rather than kept from `__getitem__`:
        the process that ends the epoch may not have loaded that batch, when worker processes did.
        """
        if self.seed is None:  # the batches drew from NumPy's global generator; nothing to replay
            return np.random
        last = max(len(self) - 1, 0)
        rng = self._batch_random_state(last)
        with _drawing_from(rng):
            self._draw_random_parameters(self.n - last * self.batch_size)
        return rng

    def _draw_random_parameters(self, size: int) -> tuple[list, list]:
        """Every random number a batch of `size` samples uses, from the current generator in tf.keras's order:
        each sample's transformation parameters, then, with `save_to_dir`, the random part of each file name.

        This base draws nothing; iterators that draw override it.
        """
        return [None] * size, []

    def _draw_file_names(self, size: int, hash_range: int) -> list[int]:
        if not self.save_to_dir:
            return []
        rng = _random_state()
        return [rng.randint(hash_range) for _ in range(size)]

    def reset(self) -> None:
        """Restarts `next()` at the first batch of an epoch."""
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            rng = np.random if self.seed is None else np.random.RandomState(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array(rng)
            current_index = (self.batch_index * self.batch_size) % self.n if self.n else 0
            if self.n > current_index + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current_index : current_index + self.batch_size], rng

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """The next batch; after the last batch of an epoch, the first of the next one."""
        with self.lock:
            index_array, rng = next(self.index_generator)
        with _drawing_from(rng):  # the transformations run outside the lock, so threads can share the iterator
            return self._get_batches_of_transformed_samples(index_array)

    def _save_batch(self, batch_x: np.ndarray, index_array: np.ndarray, file_names: list[int]) -> None:
        """Writes the augmented images to `save_to_dir`, for looking at them."""
        for i, (j, name) in enumerate(zip(index_array, file_names)):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            fname = f"{self.save_prefix}_{j}_{name}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from arrays; `ImageDataGenerator.flow` makes them.

    Args:
        x: Images, a rank-4 array; or a tuple `(images, misc)` where `misc` is an array or a list of arrays passed
            through with each batch (`[images, *misc]` as the inputs).
        y: Targets, or `None` to yield images only.
        image_data_generator: The `ImageDataGenerator` that augments and standardizes each image.
        batch_size: Samples per batch.
        shuffle: Whether to shuffle the samples each epoch.
        sample_weight: Per-sample weights, yielded third.
        seed: Seed for the shuffling and the augmentations.
        data_format: `"channels_last"` or `"channels_first"`.
        save_to_dir: A folder to save the augmented images to, for looking at them.
        save_prefix: File name prefix for `save_to_dir`.
        save_format: Image format for `save_to_dir`.
        subset: `"training"` or `"validation"`, with the generator's `validation_split`.
        ignore_class_split: Allow the two subsets to hold different sets of classes.
        dtype: dtype of the image batches.
    """

    def __init__(
        self,
        x,
        y,
        image_data_generator: ImageDataGenerator,
        batch_size: int = 32,
        shuffle: bool = False,
        sample_weight=None,
        seed: int | None = None,
        data_format: str | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        ignore_class_split: bool = False,
        dtype: str | None = None,
        **kwargs,
    ):
        data_format = data_format or config.image_data_format()
        self.dtype = dtype or config.floatx()
        x_misc = []
        if isinstance(x, (tuple, list)):
            x_misc = [np.asarray(m) for m in x[1]] if isinstance(x[1], list) else [np.asarray(x[1])]
            x = x[0]
            for misc in x_misc:
                if len(x) != len(misc):
                    raise ValueError(
                        "All of the arrays in `x` should have the same length. Found a pair with: "
                        f"len(x[0]) = {len(x)}, len(x[?]) = {len(misc)}"
                    )
        if y is not None and len(x) != len(y):
            raise ValueError(
                "`x` (images tensor) and `y` (labels) should have the same length. Found: "
                f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}"
            )
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                "`x` (images tensor) and `sample_weight` should have the same length. Found: "
                f"x.shape = {np.asarray(x).shape}, "
                f"sample_weight.shape = {np.asarray(sample_weight).shape}"
            )
        if subset is not None:
            x, y, x_misc = self._split(x, y, x_misc, subset, image_data_generator._validation_split, ignore_class_split)
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(
                f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with shape {self.x.shape}"
            )
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention "{data_format}" (channels on '
                f"axis {channels_axis}), i.e. expected either 1, 3, or 4 channels on axis {channels_axis}. "
                f"However, it was passed an array with shape {self.x.shape} "
                f"({self.x.shape[channels_axis]} channels).",
                stacklevel=2,
            )
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed, **kwargs)

    @staticmethod
    def _split(x, y, x_misc, subset, validation_split, ignore_class_split):
        """The validation subset is the first `validation_split` of the samples; training is the rest."""
        if subset not in {"training", "validation"}:
            raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation".')
        split_idx = int(len(x) * validation_split)
        if (
            y is not None
            and not ignore_class_split
            and not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:]))
        ):
            raise ValueError(
                "Training and validation subsets have different number of classes after the split. "
                "If your numpy arrays are sorted by the label, you might want to shuffle them."
            )
        part = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
        return x[part], None if y is None else y[part], [np.asarray(m[part]) for m in x_misc]

    def _draw_random_parameters(self, size: int) -> tuple[list, list]:
        transforms = [self.image_data_generator.get_random_transform(self.x.shape[1:]) for _ in range(size)]
        return transforms, self._draw_file_names(size, hash_range=10_000)

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        generator = self.image_data_generator
        transforms, file_names = self._draw_random_parameters(len(index_array))
        for i, j in enumerate(index_array):
            x = generator.apply_transform(self.x[j].astype(self.dtype), transforms[i])
            batch_x[i] = generator.standardize(x)
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, file_names)
        batch_misc = [m[index_array] for m in self.x_misc]
        inputs = [batch_x] + batch_misc if batch_misc else batch_x
        if self.y is None:
            return inputs
        if self.sample_weight is None:
            return inputs, self.y[index_array]
        return inputs, self.y[index_array], self.sample_weight[index_array]


class _FileIterator(Iterator):
    """Batches of augmented images read from files; subclasses set `filepaths`, `classes`, `class_indices`,
    `class_mode` and, for `"raw"`/`"multi_output"`, `labels`."""

    def _set_processing_attrs(
        self,
        image_data_generator,
        target_size,
        color_mode,
        data_format,
        save_to_dir,
        save_prefix,
        save_format,
        subset,
        interpolation,
        keep_aspect_ratio,
    ) -> None:
        if color_mode not in {"rgb", "rgba", "grayscale"}:
            raise ValueError(f'Invalid color mode: {color_mode!r}; expected "rgb", "rgba", or "grayscale".')
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        self.color_mode = color_mode
        self.data_format = data_format
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        self.image_shape = (
            self.target_size + (channels,) if data_format == "channels_last" else (channels,) + self.target_size
        )
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self.split = None
        if subset is not None:
            validation_split = image_data_generator._validation_split
            if subset == "validation":
                self.split = (0, validation_split)
            elif subset == "training":
                self.split = (validation_split, 1)
            else:
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation"')
        self.subset = subset

    def _draw_random_parameters(self, size: int) -> tuple[list, list]:
        generator = self.image_data_generator
        # A loaded image has `image_shape` (resized to `target_size`), so its parameters need no file.
        transforms = [generator.get_random_transform(self.image_shape) if generator else None for _ in range(size)]
        return transforms, self._draw_file_names(size, hash_range=10_000_000)

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        generator = self.image_data_generator
        transforms, file_names = self._draw_random_parameters(len(index_array))
        for i, j in enumerate(index_array):
            img = load_img(
                self.filepaths[j],
                color_mode=self.color_mode,
                target_size=self.target_size,
                interpolation=self.interpolation,
                keep_aspect_ratio=self.keep_aspect_ratio,
            )
            x = img_to_array(img, data_format=self.data_format)
            img.close()
            if generator:
                x = generator.standardize(generator.apply_transform(x, transforms[i]))
            batch_x[i] = x
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, file_names)
        batch_y = self._batch_labels(batch_x, index_array)
        if batch_y is None:
            return batch_x
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]

    def _batch_labels(self, batch_x: np.ndarray, index_array: np.ndarray):
        if self.class_mode == "input":
            return batch_x.copy()
        if self.class_mode in {"binary", "sparse"}:
            return np.array([self.classes[j] for j in index_array], dtype=self.dtype)
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(index_array):
                batch_y[i, self.classes[j]] = 1.0  # a list of classes (multi-label) sets several
            return batch_y
        if self.class_mode == "multi_output":
            return [output[index_array] for output in self.labels]
        if self.class_mode == "raw":
            return self.labels[index_array]
        return None

    @property
    def filepaths(self) -> list[str]:
        """Paths of the image files, in sample order."""
        return self._filepaths

    @property
    def labels(self):
        """The class of every sample (the targets for `"raw"` and `"multi_output"`)."""
        return self.classes

    @property
    def sample_weight(self):
        return None


def _valid_files(directory: str, white_list_formats: tuple[str, ...], follow_links: bool):
    """`(folder, file name)` of each image file under `directory`, folders and files in sorted order."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda walked: walked[0]):
        for fname in sorted(files):
            if fname.lower().endswith(".tiff"):
                warnings.warn(
                    'Using ".tiff" files with multiple bands will cause distortion. Please verify your output.',
                    stacklevel=2,
                )
            if fname.lower().endswith(white_list_formats):
                yield root, fname


def _class_files(directory: str, white_list_formats, split, follow_links) -> list[str]:
    """The image files of one class folder, relative to its parent (`"cats/1.jpg"`), cut to `split`."""
    files = list(_valid_files(directory, white_list_formats, follow_links))
    if split:
        files = files[int(split[0] * len(files)) : int(split[1] * len(files))]
    dirname = os.path.basename(directory)
    return [os.path.join(dirname, os.path.relpath(os.path.join(root, fname), directory)) for root, fname in files]


class DirectoryIterator(_FileIterator):
    """Batches of augmented images from a folder with one subfolder per class; `flow_from_directory` makes them.

    Args:
        directory: The folder. Each subfolder (in alphanumeric order, or those named in `classes`) is a class.
        image_data_generator: The `ImageDataGenerator` that augments and standardizes each image (or `None`).
        target_size: `(height, width)` the images are resized to.
        color_mode: `"rgb"`, `"rgba"` or `"grayscale"`.
        classes: Names of the class subfolders to use, in label order.
        class_mode: `"categorical"` (one-hot), `"binary"`, `"sparse"` (integer labels), `"input"` (the images
            themselves) or `None` (images only).
        batch_size: Images per batch.
        shuffle: Whether to shuffle the images each epoch.
        seed: Seed for the shuffling and the augmentations.
        data_format: `"channels_last"` or `"channels_first"`.
        save_to_dir, save_prefix, save_format: Save the augmented images there, for looking at them.
        follow_links: Follow symbolic links to folders.
        subset: `"training"` or `"validation"`, with the generator's `validation_split`.
        interpolation: Pillow resampling for the resize (see `load_img`).
        keep_aspect_ratio: Crop to the target's aspect ratio before resizing.
        dtype: dtype of the batches.
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(
        self,
        directory: str,
        image_data_generator: ImageDataGenerator | None,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        data_format: str | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
        dtype: str | None = None,
        **kwargs,
    ):
        self._set_processing_attrs(
            image_data_generator,
            target_size,
            color_mode,
            data_format or config.image_data_format(),
            save_to_dir,
            save_prefix,
            save_format,
            subset,
            interpolation,
            keep_aspect_ratio,
        )
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: {self.allowed_class_modes}")
        self.directory = directory
        self.class_mode = class_mode
        self.dtype = dtype or config.floatx()
        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames, labels = [], []
        for name in classes:
            files = _class_files(os.path.join(directory, name), self.white_list_formats, self.split, follow_links)
            self.filenames += files
            labels += [self.class_indices[name]] * len(files)
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed, **kwargs)


class DataFrameIterator(_FileIterator):
    """Batches of augmented images listed in a pandas DataFrame; `flow_from_dataframe` makes them.

    Args:
        dataframe: A DataFrame with the image paths (relative to `directory`, or absolute when `directory` is
            `None`) in the column `x_col`, and the targets in `y_col` as `class_mode` needs them.
        directory: Folder the paths are relative to.
        image_data_generator: The `ImageDataGenerator` that augments and standardizes each image (or `None`).
        x_col: Column of file paths.
        y_col: Column (or list of columns, for `"raw"` and `"multi_output"`) of targets.
        weight_col: Column of sample weights.
        target_size: `(height, width)` the images are resized to.
        color_mode: `"rgb"`, `"rgba"` or `"grayscale"`.
        classes: Classes to use (others are dropped), in label order; by default all classes, sorted.
        class_mode: `"categorical"` (one-hot; a list of classes per row gives multi-hot), `"binary"`, `"sparse"`,
            `"input"`, `"multi_output"` (a list of the `y_col` columns), `"raw"` (the `y_col` values) or `None`.
        batch_size, shuffle, seed, data_format, save_to_dir, save_prefix, save_format, subset, interpolation,
        keep_aspect_ratio, dtype: As for `DirectoryIterator`.
        validate_filenames: Drop (with a warning) rows whose file does not exist or is not an image file name.
    """

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw", "sparse", None}

    def __init__(
        self,
        dataframe,
        directory: str | None = None,
        image_data_generator: ImageDataGenerator | None = None,
        x_col: str = "filename",
        y_col: str | list[str] = "class",
        weight_col: str | None = None,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        data_format: str = "channels_last",
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
        dtype: str = "float32",
        validate_filenames: bool = True,
        **kwargs,
    ):
        self._set_processing_attrs(
            image_data_generator,
            target_size,
            color_mode,
            data_format,
            save_to_dir,
            save_prefix,
            save_format,
            subset,
            interpolation,
            keep_aspect_ratio,
        )
        df = dataframe.copy()
        self.directory = directory or ""
        self.class_mode = class_mode
        self.dtype = dtype
        self._check_params(df, x_col, y_col, weight_col, classes)
        if validate_filenames:
            df = self._filter_valid_filepaths(df, x_col)
        with_classes = class_mode not in ("input", "multi_output", "raw", None)
        if with_classes:
            df, classes = self._filter_classes(df, y_col, classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        if self.split:
            df = df.iloc[int(self.split[0] * len(df)) : int(self.split[1] * len(df)), :]
        if with_classes:
            self.classes = self.get_classes(df, y_col)
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(df[col].tolist()) for col in y_col]
        if class_mode == "raw":
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        validated = "validated" if validate_filenames else "non-validated"
        suffix = f" belonging to {len(classes)} classes." if with_classes else "."
        print(f"Found {self.samples} {validated} image filenames{suffix}")
        self._filepaths = [os.path.join(self.directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed, **kwargs)

    def _check_params(self, df, x_col, y_col, weight_col, classes) -> None:
        if self.class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {self.class_mode}; expected one of: {self.allowed_class_modes}")
        if self.class_mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(
                f'If class_mode="{self.class_mode}", y_col must be a list. Received {type(y_col).__name__}.'
            )
        if not all(df[x_col].apply(lambda v: isinstance(v, str))):
            raise TypeError(f"All values in column x_col={x_col} must be strings.")
        if self.class_mode in {"binary", "sparse"} and not all(df[y_col].apply(lambda v: isinstance(v, str))):
            raise TypeError(f'If class_mode="{self.class_mode}", y_col="{y_col}" column values must be strings.')
        if self.class_mode == "binary":
            count = len(set(classes)) if classes else df[y_col].nunique()
            if count != 2:
                found = f"{count} class/es were given." if classes else f"Found {count} classes."
                raise ValueError(f'If class_mode="binary" there must be 2 classes. {found}')
        if self.class_mode == "categorical" and not all(df[y_col].apply(lambda v: isinstance(v, (str, list, tuple)))):
            raise TypeError(
                f'If class_mode="{self.class_mode}", y_col="{y_col}" column values must be type string, list or tuple.'
            )
        if classes and self.class_mode in {"input", "multi_output", "raw", None}:
            warnings.warn(f'`classes` will be ignored given the class_mode="{self.class_mode}"', stacklevel=3)
        if weight_col and not issubclass(df[weight_col].dtype.type, np.number):
            raise TypeError(f"Column weight_col={weight_col} must be numeric.")

    def get_classes(self, df, y_col) -> list:
        """The class index (or list of indices) of each row."""
        return [
            [self.class_indices[c] for c in label] if isinstance(label, (list, tuple)) else self.class_indices[label]
            for label in df[y_col]
        ]

    @staticmethod
    def _filter_classes(df, y_col, classes):
        """Keeps the rows with a class in `classes` (all classes, sorted, when not given)."""
        df = df.copy()
        if classes:
            classes = list(collections.OrderedDict.fromkeys(classes))

            def keep_known(labels):
                if isinstance(labels, (list, tuple)):
                    return [c for c in labels if c in classes] or None
                if isinstance(labels, str):
                    return labels if labels in classes else None
                raise TypeError(f"Expect string, list or tuple but found {type(labels)} in {y_col} column ")

            df[y_col] = df[y_col].apply(keep_known)
        else:
            found = set()
            for labels in df[y_col]:
                found.update(labels if isinstance(labels, (list, tuple)) else [labels])
            classes = sorted(found)
        return df.dropna(subset=[y_col]), classes

    def _filter_valid_filepaths(self, df, x_col):
        filepaths = df[x_col].map(lambda fname: os.path.join(self.directory, fname))
        mask = filepaths.apply(lambda path: path.lower().endswith(self.white_list_formats) and os.path.isfile(path))
        n_invalid = int((~mask).sum())
        if n_invalid:
            warnings.warn(
                f'Found {n_invalid} invalid image filename(s) in x_col="{x_col}". These filename(s) will be ignored.',
                stacklevel=3,
            )
        return df[mask]

    @property
    def labels(self):
        return self._targets if self.class_mode in {"multi_output", "raw"} else self.classes

    @property
    def sample_weight(self):
        return self._sample_weight


# ---------------------------------------------------------------------------------------------------------------
# ImageDataGenerator.
# ---------------------------------------------------------------------------------------------------------------


class ImageDataGenerator:
    """Generates batches of images with real-time data augmentation, as tf.keras 2's `ImageDataGenerator`.

    Each image gets a random transformation (rotation, shifts, shear, zoom, channel shift, flips, brightness), then
    the standardization (`preprocessing_function`, `rescale`, centering and normalization, ZCA whitening).

    Args:
        featurewise_center: Subtract the dataset's per-channel mean (computed by `fit`).
        samplewise_center: Subtract each image's mean.
        featurewise_std_normalization: Divide by the dataset's per-channel std (computed by `fit`).
        samplewise_std_normalization: Divide each image by its std.
        zca_whitening: Apply ZCA whitening (computed by `fit`).
        zca_epsilon: Epsilon for ZCA whitening.
        rotation_range: Degree range for random rotations.
        width_shift_range: A float (a fraction of the width if < 1, else pixels: uniform in `[-r, r)`), an int
            (whole pixels in `(-r, r)`) or a list (one of its values, with a random sign).
        height_shift_range: As `width_shift_range`, for the height.
        brightness_range: `(low, high)` range of brightness factors.
        shear_range: Shear angle range in degrees (counter-clockwise).
        zoom_range: A float `r` (zoom in `[1 - r, 1 + r]`) or `[low, high]`.
        channel_shift_range: Range of random channel shifts.
        fill_mode: How points outside the image are filled: `"constant"`, `"nearest"` (default), `"reflect"` or
            `"wrap"`.
        cval: The value for `fill_mode="constant"`.
        horizontal_flip: Randomly flip images horizontally.
        vertical_flip: Randomly flip images vertically.
        rescale: Multiply the images by this factor (after the other transformations); `None` or 0: no rescaling.
        preprocessing_function: A function applied to each image (rank-3 array) first in the standardization.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `kerasish.config.image_data_format()`.
        validation_split: Fraction of the images reserved for `subset="validation"`.
        interpolation_order: Interpolation of the warps: 1 (linear, default) or 0 (nearest).
        dtype: dtype of the generated arrays; defaults to `kerasish.config.floatx()`.

    Example:

    ```python
    datagen = ImageDataGenerator(rotation_range=20, width_shift_range=0.2, horizontal_flip=True,
                                 featurewise_center=True, featurewise_std_normalization=True)
    datagen.fit(x_train)
    model.fit(datagen.flow(x_train, y_train, batch_size=32), epochs=10)
    ```
    """

    def __init__(
        self,
        featurewise_center: bool = False,
        samplewise_center: bool = False,
        featurewise_std_normalization: bool = False,
        samplewise_std_normalization: bool = False,
        zca_whitening: bool = False,
        zca_epsilon: float = 1e-6,
        rotation_range: float = 0,
        width_shift_range: Any = 0.0,
        height_shift_range: Any = 0.0,
        brightness_range: tuple[float, float] | None = None,
        shear_range: float = 0.0,
        zoom_range: Any = 0.0,
        channel_shift_range: float = 0.0,
        fill_mode: str = "nearest",
        cval: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        rescale: float | None = None,
        preprocessing_function: Callable | None = None,
        data_format: str | None = None,
        validation_split: float = 0.0,
        interpolation_order: int = 1,
        dtype: str | None = None,
    ):
        data_format = data_format or config.image_data_format()
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError(
                '`data_format` should be `"channels_last"` (channel after row and column) or '
                f'`"channels_first"` (channel before row and column). Received: {data_format}'
            )
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1.  Received: {validation_split}")
        if isinstance(zoom_range, (float, int)):
            zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: {zoom_range}")
        if brightness_range is not None and (
            not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2
        ):
            raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"`fill_mode` should be one of {', '.join(_FILL_MODES)}. Received: {fill_mode!r}")
        if interpolation_order not in (0, 1):
            raise ValueError(
                "`interpolation_order` should be 0 (nearest) or 1 (linear); kerasish's warp implements "
                f"scipy.ndimage's orders 0 and 1 only. Received: {interpolation_order!r}"
            )
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or config.floatx()
        self.interpolation_order = interpolation_order
        self.brightness_range = brightness_range
        self.data_format = data_format
        self.channel_axis, self.row_axis, self.col_axis = (1, 2, 3) if data_format == "channels_first" else (3, 1, 2)
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None
        self._imply_centering()

    def _imply_centering(self) -> None:
        """Whitening and std normalization need centered data: they switch centering on, as tf.keras does."""
        if self.zca_whitening:
            if not self.featurewise_center:
                self.featurewise_center = True
                warnings.warn(
                    "This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                    "`featurewise_center`.",
                    stacklevel=3,
                )
            if self.featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn(
                    "This ImageDataGenerator specifies `zca_whitening` which overrides setting of"
                    "`featurewise_std_normalization`.",
                    stacklevel=3,
                )
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn(
                "This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides setting "
                "of `featurewise_center`.",
                stacklevel=3,
            )
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            warnings.warn(
                "This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides setting "
                "of `samplewise_center`.",
                stacklevel=3,
            )

    def flow(
        self,
        x,
        y=None,
        batch_size: int = 32,
        shuffle: bool = True,
        sample_weight=None,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        ignore_class_split: bool = False,
        subset: str | None = None,
    ) -> NumpyArrayIterator:
        """Batches of augmented images from arrays.

        Args:
            x: Images (rank 4), or a tuple `(images, misc)` whose `misc` array(s) are passed through as extra inputs.
            y: Targets, or `None`.
            batch_size: Images per batch.
            shuffle: Whether to shuffle each epoch.
            sample_weight: Per-sample weights.
            seed: Seed for the shuffling and the augmentations.
            save_to_dir, save_prefix, save_format: Save the augmented images there, for looking at them.
            ignore_class_split: Allow the training and validation subsets to hold different sets of classes.
            subset: `"training"` or `"validation"`, with `validation_split`.

        Returns:
            A `NumpyArrayIterator` of `x` batches, `(x, y)` or `(x, y, sample_weight)`.
        """
        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            sample_weight=sample_weight,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            ignore_class_split=ignore_class_split,
            subset=subset,
            dtype=self.dtype,
        )

    def flow_from_directory(
        self,
        directory: str,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
    ) -> DirectoryIterator:
        """Batches of augmented images from a folder with one subfolder of images per class.

        The arguments are `DirectoryIterator`'s; class indices are in `iterator.class_indices`.
        """
        return DirectoryIterator(
            directory,
            self,
            target_size=target_size,
            color_mode=color_mode,
            keep_aspect_ratio=keep_aspect_ratio,
            classes=classes,
            class_mode=class_mode,
            data_format=self.data_format,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            follow_links=follow_links,
            subset=subset,
            interpolation=interpolation,
            dtype=self.dtype,
        )

    def flow_from_dataframe(
        self,
        dataframe,
        directory: str | None = None,
        x_col: str = "filename",
        y_col: str | list[str] = "class",
        weight_col: str | None = None,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        interpolation: str = "nearest",
        validate_filenames: bool = True,
        **kwargs,
    ) -> DataFrameIterator:
        """Batches of augmented images listed in a pandas DataFrame (needs pandas).

        The arguments are `DataFrameIterator`'s. tf.keras's deprecated `has_ext`, `sort` and `drop_duplicates` are
        accepted with a warning, and `class_mode="other"` means `"raw"`.
        """
        try:
            import pandas  # noqa: F401
        except ImportError as e:
            raise ImportError(
                "ImageDataGenerator.flow_from_dataframe needs pandas, which is not installed: pip install pandas"
            ) from e
        for legacy, note in (
            ("has_ext", "filenames in the dataframe have to match the exact filenames in disk."),
            (
                "sort",
                "batches will be created in the same order than the filenames provided if shuffle is set to False.",
            ),
            ("drop_duplicates", "you can drop duplicates by using the pandas.DataFrame.drop_duplicates method."),
        ):
            if legacy in kwargs:
                warnings.warn(f"{legacy} is deprecated, {note}", DeprecationWarning, stacklevel=2)
        if class_mode == "other":
            warnings.warn(
                '`class_mode` "other" is deprecated, please use `class_mode` "raw".', DeprecationWarning, stacklevel=2
            )
            class_mode = "raw"
        return DataFrameIterator(
            dataframe,
            directory,
            self,
            x_col=x_col,
            y_col=y_col,
            weight_col=weight_col,
            target_size=target_size,
            color_mode=color_mode,
            classes=classes,
            class_mode=class_mode,
            data_format=self.data_format,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            subset=subset,
            interpolation=interpolation,
            validate_filenames=validate_filenames,
            dtype=self.dtype,
        )

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Applies the normalization (`preprocessing_function`, `rescale`, centering, std normalization, ZCA) to
        an image or batch, in place where it can (pass a copy to keep `x`).

        Returns:
            The normalized inputs.
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                self._warn_not_fit("featurewise_center")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                self._warn_not_fit("featurewise_std_normalization")
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat_x = x.reshape(-1, np.prod(x.shape[-3:]))
                x = np.reshape(flat_x @ self.zca_whitening_matrix, x.shape)
            else:
                self._warn_not_fit("zca_whitening")
        return x

    @staticmethod
    def _warn_not_fit(option: str) -> None:
        warnings.warn(
            f"This ImageDataGenerator specifies `{option}`, but it hasn't been fit on any training data. "
            "Fit it first by calling `.fit(numpy_data)`.",
            stacklevel=3,
        )

    def get_random_transform(self, img_shape: tuple[int, ...], seed: int | None = None) -> dict:
        """Draws the parameters of a random transformation of an image of `img_shape`.

        Args:
            img_shape: The image's shape (rank 3).
            seed: Seed for the draws; by default they come from NumPy's global generator (from the batch's own
                generator inside a seeded iterator).

        Returns:
            A dict with `theta`, `tx`, `ty`, `shear`, `zx`, `zy`, `flip_horizontal`, `flip_vertical`,
            `channel_shift_intensity` and `brightness`, as `apply_transform` takes it.
        """
        rng = _random_state() if seed is None else np.random.RandomState(seed)
        img_row_axis, img_col_axis = self.row_axis - 1, self.col_axis - 1
        # The draws are tf.keras's, in its order: the same seed gives the same transformation.
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = _draw_shift(rng, self.height_shift_range, img_shape[img_row_axis])
        ty = _draw_shift(rng, self.width_shift_range, img_shape[img_col_axis])
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = bool(rng.random() < 0.5) and bool(self.horizontal_flip)
        flip_vertical = bool(rng.random() < 0.5) and bool(self.vertical_flip)
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = rng.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = rng.uniform(self.brightness_range[0], self.brightness_range[1])
        return {
            "theta": theta,
            "tx": tx,
            "ty": ty,
            "shear": shear,
            "zx": zx,
            "zy": zy,
            "flip_horizontal": flip_horizontal,
            "flip_vertical": flip_vertical,
            "channel_shift_intensity": channel_shift_intensity,
            "brightness": brightness,
        }

    def apply_transform(self, x: np.ndarray, transform_parameters: dict) -> np.ndarray:
        """Applies a transformation (a dict as `get_random_transform` returns; missing keys change nothing) to one
        image.

        Returns:
            The transformed image, of `x`'s shape.
        """
        img_row_axis, img_col_axis, img_channel_axis = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        params = transform_parameters
        x = apply_affine_transform(
            x,
            params.get("theta", 0),
            params.get("tx", 0),
            params.get("ty", 0),
            params.get("shear", 0),
            params.get("zx", 1),
            params.get("zy", 1),
            row_axis=img_row_axis,
            col_axis=img_col_axis,
            channel_axis=img_channel_axis,
            fill_mode=self.fill_mode,
            cval=self.cval,
            order=self.interpolation_order,
        )
        if params.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, params["channel_shift_intensity"], img_channel_axis)
        if params.get("flip_horizontal", False):
            x = np.flip(x, img_col_axis)
        if params.get("flip_vertical", False):
            x = np.flip(x, img_row_axis)
        if params.get("brightness") is not None:
            x = apply_brightness_shift(x, params["brightness"], False)
        return x

    def random_transform(self, x: np.ndarray, seed: int | None = None) -> np.ndarray:
        """Applies a random transformation (`get_random_transform`, then `apply_transform`) to one image."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment: bool = False, rounds: int = 1, seed: int | None = None) -> None:
        """Computes the dataset statistics that `featurewise_center`, `featurewise_std_normalization` and
        `zca_whitening` use (after `rescale`).

        Args:
            x: Sample images, rank 4.
            augment: Compute the statistics over randomly augmented copies.
            rounds: With `augment`, the number of augmented copies of each image.
            seed: Seed for the augmentations.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(
                f"Expected input to be images (as Numpy array) following the data format convention "
                f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, 3 or '
                f"4 channels on axis {self.channel_axis}. However, it was passed an array with shape "
                f"{x.shape} ({x.shape[self.channel_axis]} channels).",
                stacklevel=2,
            )
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = _random_state() if seed is None else np.random.RandomState(seed)
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            with _drawing_from(rng):
                for r in range(rounds):
                    for i in range(x.shape[0]):
                        augmented[i + r * x.shape[0]] = self.random_transform(x[i])
            x = augmented
        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            u, s, _ = np.linalg.svd(np.reshape(x, (n, -1)).T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)


def _draw_shift(rng, shift_range, size: int) -> float:
    """A random shift in pixels: tf.keras's draws for a float, int or list `shift_range`."""
    if not shift_range:
        return 0
    try:  # an int or a list: one of its values (`range(n)` for an int n), with a random sign
        shift = rng.choice(shift_range)
        shift *= rng.choice([-1, 1])
    except ValueError:  # a float: uniform in [-shift_range, shift_range)
        shift = rng.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:  # a fraction of the size
        shift *= size
    return shift


__all__ = [
    "DataFrameIterator",
    "DirectoryIterator",
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "apply_affine_transform",
    "apply_brightness_shift",
    "apply_channel_shift",
    "array_to_img",
    "img_to_array",
    "load_img",
    "random_brightness",
    "random_channel_shift",
    "random_rotation",
    "random_shear",
    "random_shift",
    "random_zoom",
    "save_img",
    "smart_resize",
]
