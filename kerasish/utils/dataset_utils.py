"""What the dataset builders share, as Keras's `dataset_utils`: `split_dataset`, the folder index (class discovery,
labels, the seeded shuffle, validation splits), the `format` argument, and the PyDataset behind `format="torch"`.

The folder index is Keras's to the file: the same walk, the same class order, the same
`np.random.RandomState(seed)` shuffle of the paths and the same split, so a seed gives the training and validation
files Keras gives. What each `format` returns from that index:

- `"tf"`: a `tf.data.Dataset` built with TensorFlow's ops, as Keras builds it (TensorFlow is imported only then);
- `"grain"`: a grain dataset, as Keras builds it, whose elements are torch tensors (Keras on its torch backend);
- `"torch"` (kerasish's): a `PyDataset` of `(x, y)` batches of torch tensors, read in the index's order, so the
  decoding runs wherever `fit` loads PyDataset batches (its `workers`, threads or processes).

The default, `format=None`, is `"tf"` when TensorFlow is installed (Keras's default) and `"torch"` otherwise.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import math
import os
import random

import numpy as np
import torch

from kerasish.utils import tree
from kerasish.utils.py_dataset import PyDataset

FORMATS = ("tf", "grain", "torch")
LABEL_MODES = ("int", "categorical", "binary", None)
# fit loads a "torch" dataset's batches with this many threads unless told otherwise: decoding (Pillow, wave) and
# resizing (torch) release the GIL, so threads decode in parallel without starting processes.
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


# --- the `format` argument -------------------------------------------------------------------------------------


def resolve_format(format: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    """The format a builder returns: `None` is `"tf"` when TensorFlow can be imported, else `"torch"`.

    Whether TensorFlow is installed is read from the import system without importing it.
    """
    if format is None:
        return "tf" if is_installed("tensorflow") else "torch"
    if format not in allowed:
        raise ValueError(
            f"`format` should be one of {', '.join(repr(f) for f in allowed)} (or None: 'tf' when "
            f"TensorFlow is installed, else 'torch'). Received: format={format!r}"
        )
    if format == "tf" and not is_installed("tensorflow"):
        raise ImportError(
            "format='tf' returns a tf.data.Dataset and needs TensorFlow (`pip install "
            "tensorflow-cpu`); format='torch' returns a kerasish PyDataset without it."
        )
    if format == "grain" and not is_installed("grain"):
        raise ImportError(
            "format='grain' returns a grain dataset and needs grain (`pip install grain`); "
            "format='torch' returns a kerasish PyDataset without it."
        )
    return format


def is_installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


# --- the folder index --------------------------------------------------------------------------------------------


def check_labels_arg(labels, label_mode, class_names, noun: str) -> None:
    """Keras's checks of `labels`, `class_names` and `label_mode`; `noun` names the files ("image files")."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, of the same size as the number of "
                f"{noun} in the target directory. If you wish to infer the labels from the subdirectory names in "
                'the target directory, pass `labels="inferred"`. If you wish to get a dataset that only contains '
                f"{noun} (no labels), pass `labels=None`. Received: labels={labels}"
            )
        if class_names:
            raise ValueError(
                f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, '
                f"and class_names={class_names}"
            )
    if label_mode not in LABEL_MODES:
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}"
        )


def check_validation_split_arg(validation_split, subset, shuffle, seed) -> None:
    """Keras's checks of `validation_split` and `subset` (a shuffled split needs a seed)."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
            "to make sure that there is no overlap between the training and validation subset."
        )


def index_directory(
    directory,
    labels,
    formats: tuple[str, ...],
    class_names=None,
    shuffle: bool = True,
    seed: int | None = None,
    follow_links: bool = False,
    verbose: bool = True,
):
    """Lists the files of `directory` with the given extensions, with their labels, as Keras does.

    Args:
        directory: The folder. With `labels="inferred"`, each subfolder (not starting with ".") is a class and
            holds that class's files, at any depth; otherwise every file under `directory` is listed.
        labels: `"inferred"`, `None`, or a list of integer labels, one per file in the walk's sorted order.
        formats: Lower-case extensions to list (`(".jpg", ".png")`).
        class_names: With `"inferred"` labels, the classes to read, in the order that gives their labels.
        shuffle: Shuffle the files with `np.random.RandomState(seed)`; otherwise they are in sorted order.
        seed: The shuffle's seed (drawn from NumPy's global generator when None).
        follow_links: Walk into subfolders that are symbolic links.
        verbose: Print "Found N files belonging to M classes.".

    Returns:
        `(file_paths, labels, class_names)`: paths joined onto `directory`, an int32 array (or None) and the class
        names (None without labels).
    """
    if labels == "inferred":
        subdirs = [
            name
            for name in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")
        ]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of the "
                    f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                    f"class_names={class_names}"
                )
            subdirs = list(class_names)
    else:
        subdirs = [""]  # explicit or no labels: every file under `directory`
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified.")
            raise ValueError(
                "When argument `labels` is specified, argument `class_names` cannot be specified (the "
                "`class_names` will be the sorted list of labels)."
            )
    # Listing is I/O: the class folders are walked in parallel (on a network file system it adds up).
    with concurrent.futures.ThreadPoolExecutor() as pool:
        listed = list(pool.map(lambda subdir: _list_files(directory, subdir, follow_links, formats), subdirs))
    filenames = [name for names in listed for name in names]

    if labels == "inferred":
        class_names = subdirs
        labels = np.concatenate(
            [np.full(len(names), i, dtype="int32") for i, names in enumerate(listed)] or [np.zeros(0, dtype="int32")]
        )
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in the target directory. "
                f"len(labels) is {len(labels)} while we found {len(filenames)} files in directory "
                f"{directory}."
            )
        class_names = [str(label) for label in sorted(set(labels))]
        labels = list(labels)  # shuffled below: a copy, so the caller's list stays as it was
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        # Keras's shuffle, draw for draw: the same seed gives the same order (and so the same split).
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    if labels is not None:
        labels = np.asarray(labels, dtype="int32")
    return file_paths, labels, class_names


def _list_files(directory, subdir: str, follow_links: bool, formats: tuple[str, ...]) -> list[str]:
    """The files under `directory/subdir`, sorted by folder then name, as paths relative to `directory`."""
    root_dir = os.path.join(directory, subdir)
    names = []
    for root, _, files in sorted(os.walk(root_dir, followlinks=follow_links), key=lambda walked: walked[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                names.append(os.path.join(subdir, os.path.relpath(os.path.join(root, name), root_dir)))
    return names


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The training (first) or validation (last) part of `samples` and `labels`, as Keras cuts them."""
    if not validation_split:
        return samples, labels
    num_val_samples = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val_samples} files for training.")
        samples = samples[:-num_val_samples]
        labels = None if labels is None else labels[:-num_val_samples]
    elif subset == "validation":
        print(f"Using {num_val_samples} files for validation.")
        samples = samples[-num_val_samples:]
        labels = None if labels is None else labels[-num_val_samples:]
    else:
        raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')
    return samples, labels


def index_folder_splits(
    directory,
    *,
    labels,
    label_mode,
    class_names,
    formats,
    shuffle,
    seed,
    follow_links,
    verbose,
    validation_split,
    subset,
    noun: str,
    allowed: str,
):
    """The folder builders' common part: the index, then the requested subsets.

    Returns:
        `(class_names, seed, splits)`, `splits` a list of `(file_paths, labels, reshuffle)`: two for
        `subset="both"` (training, validation), else one. `seed` is the one drawn when none was given.
    """
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = index_directory(
        directory,
        labels,
        formats=formats,
        class_names=class_names,
        shuffle=shuffle,
        seed=seed,
        follow_links=follow_links,
        verbose=verbose,
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
            f"class_names={class_names}"
        )
    subsets = ("training", "validation") if subset == "both" else (subset,)
    splits = []
    for part in subsets:
        paths, part_labels = get_training_or_validation_split(file_paths, labels, validation_split, part)
        if not paths:
            which = f"{part} " if subset == "both" else ""
            message = f"No {which}{noun} found in directory {directory}. {allowed}"
            if labels is not None and not class_names:
                message += (
                    f' With labels="inferred", each class is a subfolder of {directory}, and it has none '
                    "(pass labels=None to read the files directly inside it)."
                )
            raise ValueError(message)
        # tf.data and grain shuffle again as they read, except the validation half of subset="both", as in Keras.
        splits.append((paths, part_labels, not (subset == "both" and part == "validation")))
    return class_names, seed, splits


def encode_labels(labels: np.ndarray, label_mode: str, num_classes: int) -> torch.Tensor:
    """Integer labels as Keras hands them out: int32 `(n,)`, float32 `(n, 1)` (binary), float32 one-hot
    `(n, num_classes)` (categorical; a label outside the classes is all zeros, as `tf.one_hot` makes it)."""
    labels = torch.as_tensor(np.asarray(labels, dtype="int64"))
    if label_mode == "binary":
        return labels.to(torch.float32)[:, None]
    if label_mode == "categorical":
        inside = (labels >= 0) & (labels < num_classes)
        one_hot = torch.zeros(len(labels), num_classes, dtype=torch.float32)
        one_hot[inside.nonzero()[:, 0], labels[inside]] = 1.0
        return one_hot
    return labels.to(torch.int32)


def labels_to_dataset_tf(labels, label_mode: str, num_classes: int):
    """A `tf.data.Dataset` of encoded labels, as Keras builds it."""
    import tensorflow as tf

    label_ds = tf.data.Dataset.from_tensor_slices(labels)
    if label_mode == "binary":
        return label_ds.map(
            lambda x: tf.expand_dims(tf.cast(x, "float32"), axis=-1), num_parallel_calls=tf.data.AUTOTUNE
        )
    if label_mode == "categorical":
        return label_ds.map(lambda x: tf.one_hot(x, num_classes), num_parallel_calls=tf.data.AUTOTUNE)
    return label_ds


def grain_folder_dataset(paths, labels, label_mode, num_classes, batch_size, load, shuffle, seed):
    """Keras's grain pipeline for a folder: a `MapDataset` of paths (zipped with their encoded labels when there are
    labels), shuffled, mapped through `load`, as an `IterDataset` of batches."""
    import grain

    dataset = grain.MapDataset.source(list(paths))
    if label_mode:
        label_ds = grain.MapDataset.source(encode_labels(labels, label_mode, num_classes))
        dataset = grain.experimental.ZipMapDataset([dataset, label_ds])
    if shuffle:
        dataset = dataset.shuffle(seed=seed)
    dataset = dataset.map(load).to_iter_dataset()
    if batch_size is not None:
        dataset = dataset.batch(batch_size, batch_fn=stack_batch)
    return dataset


def stack_batch(values: list):
    """grain's `batch_fn`: stacks the samples' torch tensors, part by part (strings stay a tuple, as in Keras)."""

    def join(*parts):
        return parts if isinstance(parts[0], (str, bytes)) else torch.stack(parts)

    if isinstance(values[0], tuple):
        return tuple(join(*parts) for parts in zip(*values))
    return join(*values)


# --- the PyDataset behind format="torch" -------------------------------------------------------------------------


class SampleBatches(PyDataset):
    """A PyDataset that cuts `num_samples` samples into batches, in a fixed order, and builds each batch's inputs
    with `self.load_inputs(indices)`, `indices` a `range` of sample positions (each subclass defines it; the
    labels, if any, are `labels[indices]`).

    The order is the builder's index (Keras's file order); `fit(shuffle=True)` shuffles the order of the batches
    each epoch. With `batch_size=None` each item is one sample.
    """

    def __init__(
        self,
        num_samples: int,
        labels: torch.Tensor | None,
        batch_size: int | None,
        workers: int = DEFAULT_WORKERS,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ):
        super().__init__(workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0
        ):
            raise ValueError(f"`batch_size` must be a positive integer or None; received batch_size={batch_size!r}.")
        self.num_samples = num_samples
        self.labels = labels
        self.batch_size = batch_size

    def __len__(self) -> int:
        return self.num_samples if self.batch_size is None else math.ceil(self.num_samples / self.batch_size)

    def __getitem__(self, index: int):
        count = len(self)
        if not -count <= index < count:
            raise IndexError(f"Batch index {index} is out of range for {count} batches.")
        index %= count
        if self.batch_size is None:
            batch = self._batch(index, index + 1)
            return tree.map_structure(lambda part: part[0], batch)
        start = index * self.batch_size
        return self._batch(start, min(start + self.batch_size, self.num_samples))

    def _batch(self, start: int, stop: int):
        x = self.load_inputs(range(start, stop))
        return x if self.labels is None else (x, self.labels[start:stop])


def empty_batch(count: int, like: torch.Tensor) -> torch.Tensor:
    """An uninitialised `(count, *like.shape)` tensor of `like`'s dtype for a batch to be written into; in a worker
    process it is in shared memory, where the batch crosses to the main process without another copy (as torch's
    `default_collate` stacks)."""
    if torch.utils.data.get_worker_info() is None:
        return like.new_empty((count, *like.shape))
    storage = like._typed_storage()._new_shared(count * like.numel(), device=like.device)
    return like.new(storage).resize_(count, *like.shape)


# --- split_dataset -----------------------------------------------------------------------------------------------


def split_dataset(
    dataset,
    left_size=None,
    right_size=None,
    shuffle: bool = False,
    seed: int | None = None,
    preferred_backend: str | None = None,
):
    """Splits a dataset into a left half and a right half (e.g. train / test).

    Args:
        dataset: A `torch.utils.data.Dataset`, a `tf.data.Dataset`, a NumPy array, or a list/tuple of arrays of
            the same length.
        left_size: A float in `(0, 1)` (the fraction of the samples in the left half) or an int (their number);
            None for the complement of `right_size`.
        right_size: Likewise for the right half.
        shuffle: Shuffle the samples before splitting.
        seed: The shuffle's seed.
        preferred_backend: `"torch"` (torch `Subset`s, from `torch.utils.data.random_split`) or `"tensorflow"`
            (`tf.data.Dataset`s). By default `"tensorflow"` for a `tf.data.Dataset` and `"torch"` otherwise, as
            Keras on its torch backend chooses.

    Returns:
        `(left, right)`: with the same samples, split, as Keras returns them.

    Example:
        left, right = kerasish.utils.split_dataset(np.random.random((1000, 4)), left_size=0.8)
        len(left), len(right)  # (800, 200)
    """
    preferred_backend = preferred_backend or _infer_preferred_backend(dataset)
    if preferred_backend == "torch":
        return _split_dataset_torch(dataset, left_size, right_size, shuffle, seed)
    return _split_dataset_tf(dataset, left_size, right_size, shuffle, seed)


def _infer_preferred_backend(dataset) -> str:
    if isinstance(dataset, (list, tuple, np.ndarray)) or isinstance(dataset, torch.utils.data.Dataset):
        return "torch"
    if is_tf_dataset(dataset):
        return "tensorflow"
    raise TypeError(f"Unsupported dataset type: {type(dataset)}")


def is_tf_dataset(dataset) -> bool:
    """Whether `dataset` is a `tf.data.Dataset`, told from its classes' names (TensorFlow is not imported)."""
    return any(
        cls.__name__ in ("DatasetV2", "Dataset") and "tensorflow" in cls.__module__ for cls in type(dataset).__mro__
    )


def _split_dataset_torch(dataset, left_size, right_size, shuffle, seed):
    if not isinstance(dataset, torch.utils.data.Dataset):
        if isinstance(dataset, np.ndarray):
            dataset = torch.utils.data.TensorDataset(torch.from_numpy(dataset))
        elif isinstance(dataset, (list, tuple)):
            _check_arrays(dataset)
            dataset = torch.utils.data.TensorDataset(*(torch.from_numpy(np.asarray(x)) for x in dataset))
        elif is_tf_dataset(dataset):
            samples = _samples_as_list(dataset)
            dataset = torch.utils.data.TensorDataset(*(torch.from_numpy(np.array(part)) for part in zip(*samples)))
        else:
            raise TypeError(
                "The `dataset` argument must be a `torch.utils.data.Dataset` object, or a list/tuple of "
                f"arrays. Received: dataset={dataset} of type {type(dataset)}"
            )
    if left_size is None and right_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. Received: "
            "left_size=None and right_size=None"
        )
    total = len(dataset)
    left_size, right_size = _rescale_split_sizes(left_size, right_size, total)
    # With `shuffle`, the halves `random_split` gives (the head and tail of one `randperm` from a generator seeded
    # with `seed`), also when they leave samples out, which random_split refuses. Without it, the first and last
    # samples, as on Keras's TensorFlow path (Keras's torch path shuffles even then, with torch's global generator).
    order = list(range(total))
    if shuffle:
        generator = torch.Generator()
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed)
        order = torch.randperm(total, generator=generator).tolist()
    return (
        torch.utils.data.Subset(dataset, order[:left_size]),
        torch.utils.data.Subset(dataset, order[total - right_size :]),
    )


def _split_dataset_tf(dataset, left_size, right_size, shuffle, seed):
    import tensorflow as tf

    if not isinstance(dataset, (list, tuple, np.ndarray)) and not is_tf_dataset(dataset):
        raise TypeError(
            "The `dataset` argument must be either a `tf.data.Dataset` object, or a list/tuple of "
            f"arrays. Received: dataset={dataset} of type {type(dataset)}"
        )
    if left_size is None and right_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. Received: "
            "left_size=None and right_size=None"
        )
    samples = _samples_as_list(dataset)
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.seed(seed)  # Keras shuffles with Python's generator, seeded globally
        random.shuffle(samples)
    left_size, right_size = _rescale_split_sizes(left_size, right_size, len(samples))
    halves = []
    for part in (samples[:left_size], samples[-right_size:]):
        half = tf.data.Dataset.from_tensor_slices(_stack_samples(part))
        batch_size = getattr(dataset, "_batch_size", None)  # a batched tf.data.Dataset: its halves are batched too
        if batch_size is not None:
            half = half.batch(batch_size)
        halves.append(half.prefetch(tf.data.AUTOTUNE))
    return tuple(halves)


def _check_arrays(arrays) -> None:
    if len(arrays) == 0:
        raise ValueError("Received an empty list dataset. Please provide a non-empty list of arrays.")
    for i, array in enumerate(arrays):
        if not isinstance(array, np.ndarray):
            raise ValueError(f"Expected a list of `numpy.ndarray` objects, Received: {type(array)} at index {i}.")
        if len(array) != len(arrays[0]):
            raise ValueError(
                f"Received a list of NumPy arrays with different lengths. Mismatch found at index {i}, "
                f"Expected shape={arrays[0].shape} Received shape={array.shape}. Please provide a "
                "list of NumPy arrays of the same length."
            )


def _samples_as_list(dataset) -> list:
    """The samples of `dataset`, one entry each (a tuple of arrays for a list/tuple of arrays)."""
    if isinstance(dataset, (list, tuple)):
        _check_arrays(dataset)
        samples = list(zip(*dataset))
    elif isinstance(dataset, np.ndarray):
        samples = list(dataset)
    else:  # a tf.data.Dataset
        if getattr(dataset, "_batch_size", None) is not None:
            dataset = dataset.unbatch()
        samples = list(dataset.as_numpy_iterator())
    if not samples:
        raise ValueError(
            "Received an empty dataset. Argument `dataset` must be a non-empty list/tuple of "
            "`numpy.ndarray` objects or `tf.data.Dataset` objects."
        )
    return samples


def _stack_samples(samples: list):
    """Samples (structures of arrays) back into one structure of stacked arrays (tuples, which tf.data takes)."""
    flat = [np.array(parts) for parts in zip(*(tree.flatten(sample) for sample in samples))]
    packed = tree.pack_sequence_as(samples[0], flat)
    return tuple(packed) if isinstance(packed, list) else packed


def _rescale_split_sizes(left_size, right_size, total_length: int) -> tuple[int, int]:
    """`left_size`/`right_size` (fractions, counts or None) as two counts, with Keras's checks and messages."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(
                f"Invalid `{name}` Type. Expected: int or float or None, Received: type({name})={type(size)}."
            )
    if left_size == 0 and right_size == 0:
        raise ValueError(
            "Both `left_size` and `right_size` are zero. At least one of the split sizes must be non-zero."
        )
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if (type(size) is int and (size <= 0 or size >= total_length)) or (
            type(size) is float and (size <= 0 or size >= 1)
        ):
            raise ValueError(
                f"`{name}` should be either a positive integer smaller than {total_length}, or a "
                f"float within the range `[0, 1]`. Received: {name}={size}"
            )
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError(
            "The sum of `left_size` and `right_size` is greater than 1. It must be less than or equal to 1."
        )
    left = round(left_size * total_length) if type(left_size) is float else left_size
    right = round(right_size * total_length) if type(right_size) is float else right_size
    if left is None:
        left = total_length - right
    elif right is None:
        right = total_length - left
    if left + right > total_length:
        raise ValueError(
            f"The sum of `left_size` and `right_size` should be smaller than the {total_length}. "
            f"Received: left_size + right_size = {left + right}and total_length = {total_length}"
        )
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(
                f"With `dataset` of length={total_length}, `left_size`={left} and `right_size`={right}."
                f"Resulting {side} side dataset split will be empty. Adjust any of the aforementioned "
                "parameters"
            )
    return int(left), int(right)
