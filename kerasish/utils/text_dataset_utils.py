"""`text_dataset_from_directory`, as `keras.utils` has it, with kerasish's `format="torch"`.

Texts are what TensorFlow reads: the file's bytes, cut to `max_length` bytes. `format="torch"` yields them as a
NumPy object array of `bytes` (what a `tf.data` batch's `.numpy()` holds; torch has no strings), `format="grain"`
as Keras's grain pipeline does: a tuple of `str` read in text mode and cut to `max_length` characters.
"""

from __future__ import annotations

import functools

import numpy as np

from kerasish.utils import dataset_utils

ALLOWED_FORMATS = (".txt",)


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    format: str | None = None,
    verbose: bool = True,
):
    """Generates a dataset from text files in a directory.

    With `directory/class_a/*.txt` and `directory/class_b/*.txt`, the dataset yields batches of texts with the
    labels 0 (`class_a`) and 1 (`class_b`). Only `.txt` files are read.

    Args:
        directory: Where the files are: one subfolder per class when `labels="inferred"`.
        labels: `"inferred"` (from the subfolders), `None` (texts only), or a list of integer labels, one per
            text file in the sorted order of `os.walk(directory)`.
        label_mode: `"int"` (int32 `(batch,)`), `"categorical"` (float32 one-hot), `"binary"` (float32
            `(batch, 1)`, two classes only) or `None` (no labels).
        class_names: With `labels="inferred"`, the subfolders to read, in label order (default: all, sorted).
        batch_size: Texts per batch; `None` yields single texts.
        max_length: Keep at most this many bytes of each text (characters with `format="grain"`).
        shuffle: Shuffle the files (with `seed`); otherwise they are in alphanumeric order.
        seed: Seed of the shuffle and of the training/validation split.
        validation_split: Fraction of the files kept for validation.
        subset: `"training"`, `"validation"` or `"both"` (returns `[train, validation]`), with `validation_split`.
        follow_links: Walk into subfolders that are symbolic links.
        format: `"tf"` (a `tf.data.Dataset` of strings, as Keras returns), `"grain"` (a grain `IterDataset`) or
            `"torch"` (a kerasish `PyDataset`); None: `"tf"` when TensorFlow is installed, else `"torch"`.
        verbose: Print the number of files and classes found.

    Returns:
        The dataset (a list `[train, validation]` for `subset="both"`), with a `class_names` attribute (and
        `file_paths` with `format="torch"`). It yields `(texts, labels)`, or `texts` without labels.

    Example:
        train = kerasish.utils.text_dataset_from_directory("aclImdb/train", batch_size=32, format="torch")
        texts, labels = train[0]  # texts: object array of 32 bytes; labels: int32 tensor
    """
    dataset_utils.check_labels_arg(labels, label_mode, class_names, "text files")
    format = dataset_utils.resolve_format(format)
    if labels is None or label_mode is None:
        labels = label_mode = None
    class_names, seed, splits = dataset_utils.index_folder_splits(
        directory,
        labels=labels,
        label_mode=label_mode,
        class_names=class_names,
        formats=ALLOWED_FORMATS,
        shuffle=shuffle,
        seed=seed,
        follow_links=follow_links,
        verbose=verbose,
        validation_split=validation_split,
        subset=subset,
        noun="text files",
        allowed="Allowed format: .txt",
    )
    num_classes = len(class_names) if class_names else 0
    datasets = []
    for paths, split_labels, reshuffle in splits:
        if format == "torch":
            dataset = TextFolderDataset(paths, split_labels, label_mode, num_classes, batch_size, max_length)
        else:
            build = _dataset_tf if format == "tf" else _dataset_grain
            dataset = build(
                paths, split_labels, label_mode, num_classes, batch_size, max_length, shuffle and reshuffle, seed
            )
        dataset.class_names = class_names
        datasets.append(dataset)
    return datasets if subset == "both" else datasets[0]


class TextFolderDataset(dataset_utils.SampleBatches):
    """`text_dataset_from_directory(format="torch")`: batches of texts (object arrays of `bytes`) read when a
    batch is loaded, in the order of `file_paths`.

    Attributes:
        file_paths: The text files, in the dataset's order.
        class_names: The class of each label, or None without labels.
    """

    def __init__(self, file_paths, labels, label_mode, num_classes, batch_size, max_length):
        encoded = None if label_mode is None else dataset_utils.encode_labels(labels, label_mode, num_classes)
        super().__init__(len(file_paths), encoded, batch_size)
        self.file_paths = list(file_paths)
        self.class_names = None
        self.max_length = max_length

    def load_inputs(self, indices) -> np.ndarray:
        texts = np.empty(len(indices), dtype=object)  # filled one by one: np.array would make fixed-width bytes
        for row, i in enumerate(indices):
            with open(self.file_paths[i], "rb") as f:
                texts[row] = f.read() if self.max_length is None else f.read(self.max_length)
        return texts


def _read_text(path, max_length):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text if max_length is None else text[:max_length]


def _grain_element(element, max_length, labeled):
    if labeled:
        path, label = element
        return _read_text(path, max_length), label
    return _read_text(element, max_length)


def _dataset_grain(paths, labels, label_mode, num_classes, batch_size, max_length, shuffle, seed):
    read = functools.partial(_grain_element, max_length=max_length, labeled=bool(label_mode))
    return dataset_utils.grain_folder_dataset(paths, labels, label_mode, num_classes, batch_size, read, shuffle, seed)


def _dataset_tf(paths, labels, label_mode, num_classes, batch_size, max_length, shuffle, seed):
    import tensorflow as tf

    def read(path):
        text = tf.io.read_file(path)
        return text if max_length is None else tf.strings.substr(text, 0, max_length)

    dataset = tf.data.Dataset.from_tensor_slices(list(paths))
    if label_mode:
        dataset = tf.data.Dataset.zip((dataset, dataset_utils.labels_to_dataset_tf(labels, label_mode, num_classes)))
    if shuffle:
        dataset = dataset.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if label_mode:
        dataset = dataset.map(lambda x, y: (read(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        dataset = dataset.map(read, num_parallel_calls=tf.data.AUTOTUNE)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)
