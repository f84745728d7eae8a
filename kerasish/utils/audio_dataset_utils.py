"""`audio_dataset_from_directory`, as `keras.utils` has it, with kerasish's `format="torch"`.

`format="torch"` decodes WAV files with Python's `wave` module as `tf.audio.decode_wav` does: 16-bit PCM only,
float32 samples `value / 32768` of shape `(samples, channels)`, zero-padded or cut to `output_sequence_length`; a
batch of unequal lengths is zero-padded to its longest, as `padded_batch` pads.
"""

from __future__ import annotations

import wave

import numpy as np
import torch

from kerasish.utils import dataset_utils

ALLOWED_FORMATS = (".wav",)


def audio_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    batch_size: int | None = 32,
    sampling_rate: int | None = None,
    output_sequence_length: int | None = None,
    ragged: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    verbose: bool = True,
    format: str | None = None,
):
    """Generates a dataset from audio files (WAV) in a directory.

    With `directory/class_a/*.wav` and `directory/class_b/*.wav`, the dataset yields batches of audio with the
    labels 0 (`class_a`) and 1 (`class_b`).

    Args:
        directory: Where the files are: one subfolder per class when `labels="inferred"`.
        labels: `"inferred"` (from the subfolders), `None` (audio only), or a list of integer labels, one per
            file in the sorted order of `os.walk(directory)`.
        label_mode: `"int"` (int32 `(batch,)`), `"categorical"` (float32 one-hot), `"binary"` (float32
            `(batch, 1)`, two classes only) or `None` (no labels).
        class_names: With `labels="inferred"`, the subfolders to read, in label order (default: all, sorted).
        batch_size: Files per batch; `None` yields single files.
        sampling_rate: Resample to this rate (`format="tf"` with tensorflow-io only, as in Keras).
        output_sequence_length: Cut or zero-pad every file to this many samples; by default a batch is padded to
            its longest file.
        ragged: Yield `tf.RaggedTensor`s of the files' own lengths (`format="tf"` only).
        shuffle: Shuffle the files (with `seed`); otherwise they are in alphanumeric order.
        seed: Seed of the shuffle and of the training/validation split.
        validation_split: Fraction of the files kept for validation.
        subset: `"training"`, `"validation"` or `"both"` (returns `(train, validation)`), with `validation_split`.
        follow_links: Walk into subfolders that are symbolic links.
        verbose: Print the number of files and classes found.
        format: `"tf"` (a `tf.data.Dataset`, as Keras returns) or `"torch"` (a kerasish `PyDataset` of torch
            tensors); None: `"tf"` when TensorFlow is installed, else `"torch"`.

    Returns:
        The dataset (a tuple `(train, validation)` for `subset="both"`), with a `class_names` attribute (and
        `file_paths` with `format="torch"`). It yields `(audio, labels)`, or `audio` without labels; audio is
        float32 `(batch, samples, channels)`.

    Raises:
        ValueError: for a bad argument, a folder without `.wav` files, and, when its batch is loaded
            (`format="torch"`), a file that is not 16-bit PCM WAV, naming it.
    """
    dataset_utils.check_labels_arg(labels, label_mode, class_names, "audio files")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    format = dataset_utils.resolve_format(format, allowed=("tf", "torch"))
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")
        if format == "torch":
            raise ValueError(
                "`sampling_rate` resamples with tensorflow-io's resampler, as in Keras: it needs "
                "format='tf' (and `pip install tensorflow-io`). Received format='torch'."
            )
        if not dataset_utils.is_installed("tensorflow_io"):
            raise ImportError(
                "To use the argument `sampling_rate`, you should install tensorflow_io. You can "
                "install it via `pip install tensorflow-io`."
            )
    if ragged and format == "torch":
        raise ValueError(
            "`ragged=True` yields tf.RaggedTensors: it needs format='tf'. With format='torch', a batch "
            "is zero-padded to its longest file, or pass `output_sequence_length`."
        )
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
        noun="audio files",
        allowed=f"Allowed format(s): {ALLOWED_FORMATS}",
    )
    num_classes = len(class_names) if class_names else 0
    datasets = []
    for paths, split_labels, reshuffle in splits:
        if format == "torch":
            dataset = AudioFolderDataset(
                paths, split_labels, label_mode, num_classes, batch_size, output_sequence_length
            )
        else:
            dataset = _dataset_tf(
                paths,
                split_labels,
                label_mode,
                num_classes,
                batch_size,
                sampling_rate,
                output_sequence_length,
                ragged,
                shuffle and reshuffle,
                seed,
            )
        dataset.class_names = class_names
        datasets.append(dataset)
    return tuple(datasets) if subset == "both" else datasets[0]


class AudioFolderDataset(dataset_utils.SampleBatches):
    """`audio_dataset_from_directory(format="torch")`: batches of float32 audio `(batch, samples, channels)`,
    decoded when a batch is loaded, in the order of `file_paths`.

    Attributes:
        file_paths: The WAV files, in the dataset's order.
        class_names: The class of each label, or None without labels.
    """

    def __init__(self, file_paths, labels, label_mode, num_classes, batch_size, output_sequence_length):
        encoded = None if label_mode is None else dataset_utils.encode_labels(labels, label_mode, num_classes)
        super().__init__(len(file_paths), encoded, batch_size)
        self.file_paths = list(file_paths)
        self.class_names = None
        self.output_sequence_length = output_sequence_length

    def load_inputs(self, indices) -> torch.Tensor:
        clips = [read_wav(self.file_paths[i], self.output_sequence_length) for i in indices]
        length = max(len(clip) for clip in clips)
        batch = torch.zeros(len(clips), length, clips[0].shape[1])
        for row, clip in enumerate(clips):
            if clip.shape[1] != batch.shape[2]:
                raise ValueError(
                    f"{self.file_paths[indices[row]]} has {clip.shape[1]} channels and "
                    f"{self.file_paths[indices[0]]} {batch.shape[2]}: a batch needs one channel count."
                )
            batch[row, : len(clip)] = clip
        return batch


def read_wav(path, output_sequence_length: int | None = None) -> torch.Tensor:
    """A 16-bit PCM WAV file as float32 `(samples, channels)` in [-1, 1), as `tf.audio.decode_wav` reads it."""
    try:
        with wave.open(str(path), "rb") as f:
            width, channels, frames = f.getsampwidth(), f.getnchannels(), f.readframes(f.getnframes())
    except (wave.Error, EOFError) as e:
        raise ValueError(f"Cannot read {path} as a WAV file: {e}") from e
    if width != 2:
        raise ValueError(f"Can only read 16-bit WAV files, but {path} holds {8 * width}-bit samples.")
    samples = np.frombuffer(frames, dtype="<i2")
    samples = samples[: len(samples) - len(samples) % channels].reshape(-1, channels)
    audio = torch.from_numpy(samples.astype("float32") / 32768.0)
    if output_sequence_length is not None:
        fitted = torch.zeros(output_sequence_length, channels)
        fitted[: min(len(audio), output_sequence_length)] = audio[:output_sequence_length]
        audio = fitted
    return audio


def _dataset_tf(
    paths, labels, label_mode, num_classes, batch_size, sampling_rate, output_sequence_length, ragged, shuffle, seed
):
    """Keras's tf.data pipeline for audio."""
    import tensorflow as tf

    def read(path):
        desired_samples = -1 if output_sequence_length is None else output_sequence_length
        audio, rate = tf.audio.decode_wav(tf.io.read_file(path), desired_samples=desired_samples)
        if sampling_rate is not None:
            import tensorflow_io as tfio

            audio = tfio.audio.resample(audio, rate_in=tf.cast(rate, tf.int64), rate_out=sampling_rate)
        return tf.RaggedTensor.from_tensor(audio) if ragged else audio

    dataset = tf.data.Dataset.from_tensor_slices(list(paths))
    if label_mode:
        dataset = tf.data.Dataset.zip((dataset, dataset_utils.labels_to_dataset_tf(labels, label_mode, num_classes)))
    if shuffle:
        dataset = dataset.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if label_mode:
        dataset = dataset.map(lambda x, y: (read(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        dataset = dataset.map(read, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    if batch_size is not None:
        if output_sequence_length is None and not ragged:
            dataset = dataset.padded_batch(batch_size)
        else:
            dataset = dataset.batch(batch_size)
    return dataset
