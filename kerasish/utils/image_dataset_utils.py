"""`image_dataset_from_directory`, as `keras.utils` has it, with kerasish's `format="torch"`.

For `format="torch"` (and `"grain"`) images decode with Pillow and resize in torch with TensorFlow's numbers:
bilinear is TF's bilinear (half-pixel centers, no antialiasing) and nearest TF's nearest (keeping uint8, as TF
does); `crop_to_aspect_ratio` crops as Keras's `smart_resize` does and `pad_to_aspect_ratio` pads as
`tf.image.resize_with_pad` does. `"bicubic"` is torch's bicubic, as on Keras's torch backend; TensorFlow's other
kernels (`"area"`, `"lanczos3"`, ...) need `format="tf"`.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

from kerasish import config
from kerasish.utils import dataset_utils
from kerasish.utils.image_utils import load_img

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")
# format="torch"/"grain": torch's interpolate mode for each interpolation it has.
_TORCH_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic"}
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_COLOR_MODES = {channels: mode for mode, channels in _CHANNELS.items()}


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size: tuple[int, int] | int = (256, 256),
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: str | None = None,
    format: str | None = None,
    verbose: bool = True,
):
    """Generates a dataset from image files in a directory.

    With `directory/class_a/*.jpg` and `directory/class_b/*.jpg`, the dataset yields batches of images with the
    labels 0 (`class_a`) and 1 (`class_b`). Supported image formats: `.jpeg`, `.jpg`, `.png`, `.bmp`, `.gif`
    (animated gifs give their first frame).

    Args:
        directory: Where the images are: one subfolder per class when `labels="inferred"`.
        labels: `"inferred"` (from the subfolders), `None` (images only), or a list of integer labels, one per
            image file in the sorted order of `os.walk(directory)`.
        label_mode: `"int"` (int32 `(batch,)`), `"categorical"` (float32 one-hot), `"binary"` (float32
            `(batch, 1)`, two classes only) or `None` (no labels).
        class_names: With `labels="inferred"`, the subfolders to read, in label order (default: all, sorted).
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`: 1, 3 or 4 channels.
        batch_size: Images per batch; `None` yields single images.
        image_size: `(height, width)` every image is resized to (an int for a square).
        shuffle: Shuffle the files (with `seed`); otherwise they are in alphanumeric order.
        seed: Seed of the shuffle and of the training/validation split.
        validation_split: Fraction of the files kept for validation.
        subset: `"training"`, `"validation"` or `"both"` (returns `[train, validation]`), with `validation_split`.
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"`, `"area"`, `"lanczos3"`, `"lanczos5"`,
            `"gaussian"` or `"mitchellcubic"` (the last four with `format="tf"` only).
        follow_links: Walk into subfolders that are symbolic links.
        crop_to_aspect_ratio: Crop the largest centered window with the target's aspect ratio, then resize.
        pad_to_aspect_ratio: Resize keeping the aspect ratio, then pad with zeros to `image_size`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `kerasish.config.image_data_format()`.
        format: `"tf"` (a `tf.data.Dataset`, as Keras returns), `"grain"` (a grain `IterDataset`) or `"torch"` (a
            kerasish `PyDataset` of torch tensors); None: `"tf"` when TensorFlow is installed, else `"torch"`.
        verbose: Print the number of files and classes found.

    Returns:
        The dataset (a list `[train, validation]` for `subset="both"`), with `class_names` and `file_paths`
        attributes. It yields `(images, labels)`, or `images` without labels; images are float32
        `(batch, height, width, channels)` (uint8 with `interpolation="nearest"`, as TensorFlow resizes).

    Raises:
        ValueError: for a bad argument, a folder without images (or without class subfolders), and, when its batch
            is loaded (`format="torch"`), a file that is not an image, naming it.

    Example:
        train, val = kerasish.utils.image_dataset_from_directory(
            "flowers", image_size=(180, 180), validation_split=0.2, subset="both", seed=1337, format="torch")
        model.fit(train, validation_data=val, epochs=3, workers=2, use_multiprocessing=True)
    """
    dataset_utils.check_labels_arg(labels, label_mode, class_names, "image files")
    if labels is None or label_mode is None:
        labels = label_mode = None
    if color_mode not in _CHANNELS:
        raise ValueError(
            f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: color_mode={color_mode}'
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}"
        )
    image_size = tuple(int(s) for s in image_size)
    interpolation = interpolation.lower()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"Argument `interpolation` should be one of {INTERPOLATIONS}. Received: interpolation={interpolation}"
        )
    format = dataset_utils.resolve_format(format)
    if format != "tf" and interpolation not in _TORCH_MODES:
        raise ValueError(
            f"interpolation={interpolation!r} is a TensorFlow resize kernel: it needs format='tf'. "
            f"format={format!r} resizes with {', '.join(_TORCH_MODES)}."
        )
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    data_format = _standardize_data_format(data_format)

    class_names, seed, splits = dataset_utils.index_folder_splits(
        directory,
        labels=labels,
        label_mode=label_mode,
        class_names=class_names,
        formats=ALLOWLIST_FORMATS,
        shuffle=shuffle,
        seed=seed,
        follow_links=follow_links,
        verbose=verbose,
        validation_split=validation_split,
        subset=subset,
        noun="images",
        allowed=f"Allowed formats: {ALLOWLIST_FORMATS}",
    )
    image_args = (
        image_size,
        _CHANNELS[color_mode],
        interpolation,
        data_format,
        crop_to_aspect_ratio,
        pad_to_aspect_ratio,
    )
    num_classes = len(class_names) if class_names else 0
    datasets = []
    for paths, split_labels, reshuffle in splits:
        if format == "torch":
            dataset = ImageFolderDataset(paths, split_labels, label_mode, num_classes, batch_size, image_args)
        else:
            build = _dataset_tf if format == "tf" else _dataset_grain
            dataset = build(
                paths, split_labels, label_mode, num_classes, batch_size, image_args, shuffle and reshuffle, seed
            )
        dataset.class_names = class_names
        dataset.file_paths = paths
        datasets.append(dataset)
    return datasets if subset == "both" else datasets[0]


def _standardize_data_format(data_format: str | None) -> str:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


# --- format="torch" and "grain": Pillow and torch -----------------------------------------------------------------


class ImageFolderDataset(dataset_utils.SampleBatches):
    """`image_dataset_from_directory(format="torch")`: batches of images decoded when a batch is loaded (in
    `fit`'s workers), in the order of `file_paths`.

    Attributes:
        file_paths: The image files, in the dataset's order.
        class_names: The class of each label, or None without labels.
    """

    def __init__(self, file_paths, labels, label_mode, num_classes, batch_size, image_args):
        encoded = None if label_mode is None else dataset_utils.encode_labels(labels, label_mode, num_classes)
        super().__init__(len(file_paths), encoded, batch_size)
        self.file_paths = list(file_paths)
        self.class_names = None
        self._image_args = image_args

    def load_inputs(self, indices) -> torch.Tensor:
        # Each image goes into the batch as soon as it is resized, while it is still in the cache: stacking a
        # list of them afterwards reads every image back from memory (a 32-image batch of 180x180 is 12 MB).
        batch = None
        for position, index in enumerate(indices):
            image = load_image(self.file_paths[index], *self._image_args)
            if batch is None:
                batch = dataset_utils.empty_batch(len(indices), image)
            elif image.dtype != batch.dtype:  # nearest keeps 8-bit files uint8, 16-bit grayscale ones float32
                batch = batch.to(torch.promote_types(batch.dtype, image.dtype))
            batch[position] = image
        return batch


def load_image(
    path, image_size, num_channels, interpolation, data_format, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False
) -> torch.Tensor:
    """One image file as a `(height, width, channels)` tensor (channels first with `"channels_first"`), resized
    to `image_size` with TensorFlow's numbers (see the module docstring). A file Pillow cannot decode is a
    ValueError naming it."""
    img = load_img(path, color_mode=_COLOR_MODES[num_channels])
    # Nearest keeps 8-bit pixels as they are (TensorFlow's nearest keeps the dtype); the other interpolations, and
    # 16- and 32-bit grayscale, resize float32, converted in the one copy out of Pillow's buffer.
    keep_uint8 = interpolation == "nearest" and img.mode in ("L", "RGB", "RGBA")
    pixels = np.array(img, dtype=None if keep_uint8 else np.float32)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    image = torch.from_numpy(pixels).permute(2, 0, 1)[None]
    if crop_to_aspect_ratio:
        top, left, height, width = _crop_box(image.shape[-2:], image_size)
        image = _resize(image[:, :, top : top + height, left : left + width], image_size, interpolation)
    elif pad_to_aspect_ratio:
        image = _resize_with_pad(image, image_size, interpolation)
    else:
        image = _resize(image, image_size, interpolation)
    image = image[0]
    return image if data_format == "channels_first" else image.permute(1, 2, 0)


def _crop_box(shape, size) -> tuple[int, int, int, int]:
    """`(top, left, height, width)` of the largest centered window with `size`'s aspect ratio: Keras's
    `smart_resize` arithmetic, in float32 as TensorFlow computes it on a decoded image."""
    height, width = (int(s) for s in shape)
    target_height, target_width = size
    f32 = np.float32
    crop_height = max(min(height, int(f32(width * target_height) / f32(target_width))), 1)
    crop_width = max(min(width, int(f32(height * target_width) / f32(target_height))), 1)
    return int(f32(height - crop_height) / f32(2)), int(f32(width - crop_width) / f32(2)), crop_height, crop_width


def _resize(images: torch.Tensor, size, interpolation: str) -> torch.Tensor:
    """`tf.image.resize` of a `(1, channels, height, width)` batch: float32 out, except nearest, which keeps the
    dtype."""
    mode = _TORCH_MODES[interpolation]
    if mode == "nearest-exact":
        return F.interpolate(images, size=tuple(size), mode=mode)
    return F.interpolate(images.float(), size=tuple(size), mode=mode, align_corners=False, antialias=False)


def _resize_with_pad(images: torch.Tensor, size, interpolation: str) -> torch.Tensor:
    """`tf.image.resize_with_pad`: resize to fit inside `size` keeping the aspect ratio, then pad with zeros around
    it, with TensorFlow's float32 arithmetic for the sizes and offsets."""
    f32 = np.float32
    height, width = (f32(s) for s in images.shape[-2:])
    target_height, target_width = (f32(s) for s in size)
    ratio = max(width / target_width, height / target_height)
    resized_height, resized_width = height / ratio, width / ratio
    inner = (int(np.floor(resized_height)), int(np.floor(resized_width)))
    top = max(0, int(np.floor((target_height - resized_height) / f32(2))))
    left = max(0, int(np.floor((target_width - resized_width) / f32(2))))
    resized = _resize(images, inner, interpolation)
    padded = resized.new_zeros(resized.shape[:2] + tuple(size))
    padded[:, :, top : top + inner[0], left : left + inner[1]] = resized
    return padded


def _dataset_grain(paths, labels, label_mode, num_classes, batch_size, image_args, shuffle, seed):
    load = functools.partial(_load_grain_element, image_args=image_args, labeled=bool(label_mode))
    return dataset_utils.grain_folder_dataset(paths, labels, label_mode, num_classes, batch_size, load, shuffle, seed)


def _load_grain_element(element, image_args, labeled):
    if labeled:
        path, label = element
        return load_image(path, *image_args), label
    return load_image(element, *image_args)


# --- format="tf": TensorFlow's ops, as Keras builds the dataset ----------------------------------------------------


def _dataset_tf(paths, labels, label_mode, num_classes, batch_size, image_args, shuffle, seed):
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(list(paths))
    if label_mode:
        dataset = tf.data.Dataset.zip((dataset, dataset_utils.labels_to_dataset_tf(labels, label_mode, num_classes)))
    if shuffle:
        dataset = dataset.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if label_mode:
        dataset = dataset.map(lambda x, y: (_load_image_tf(x, *image_args), y), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        dataset = dataset.map(lambda x: _load_image_tf(x, *image_args), num_parallel_calls=tf.data.AUTOTUNE)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _load_image_tf(
    path, image_size, num_channels, interpolation, data_format, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False
):
    import tensorflow as tf

    img = tf.image.decode_image(tf.io.read_file(path), channels=num_channels, expand_animations=False)
    if crop_to_aspect_ratio:
        shape = tf.shape(img)
        height, width = shape[0], shape[1]
        target_height, target_width = image_size
        crop_height = tf.cast(tf.cast(width * target_height, "float32") / target_width, "int32")
        crop_height = tf.maximum(tf.minimum(height, crop_height), 1)
        crop_width = tf.cast(tf.cast(height * target_width, "float32") / target_height, "int32")
        crop_width = tf.maximum(tf.minimum(width, crop_width), 1)
        top = tf.cast(tf.cast(height - crop_height, "float32") / 2, "int32")
        left = tf.cast(tf.cast(width - crop_width, "float32") / 2, "int32")
        img = img[top : top + crop_height, left : left + crop_width, :]
        img = tf.image.resize(img, image_size, method=interpolation, antialias=False)
    elif pad_to_aspect_ratio:
        img = tf.image.resize_with_pad(img, image_size[0], image_size[1], method=interpolation)
    else:
        img = tf.image.resize(img, image_size, method=interpolation)
    if data_format == "channels_first":
        img = tf.transpose(img, (2, 0, 1))
        img.set_shape((num_channels, image_size[0], image_size[1]))
    else:
        img.set_shape((image_size[0], image_size[1], num_channels))
    return img
