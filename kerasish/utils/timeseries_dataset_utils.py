"""`timeseries_dataset_from_array`, as `keras.utils` has it, with kerasish's `format="torch"`."""

from __future__ import annotations

import numpy as np
import torch

from kerasish.utils import dataset_utils


def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
    format: str | None = None,
):
    """Creates a dataset of sliding windows over a timeseries provided as array.

    Window `i` starts at `start_index + i * sequence_stride` and holds `sequence_length` timesteps taken every
    `sampling_rate` steps; its target is `targets[start_index + i * sequence_stride]` (the target of the window's
    first step: pass `targets` shifted to predict ahead).

    Args:
        data: Array or tensor of timesteps, `(steps, ...)`.
        targets: Targets aligned with `data` (`targets[i]` goes with the window starting at `i`), or None.
        sequence_length: Timesteps per window.
        sequence_stride: Steps between the starts of consecutive windows.
        sampling_rate: Steps between the timesteps of a window.
        batch_size: Windows per batch; `None` yields single windows.
        shuffle: Shuffle the windows (their start positions, with `np.random.RandomState(seed)` as Keras).
        seed: The shuffle's seed.
        start_index: First step used (windows start at or after it).
        end_index: Steps before this one only.
        format: `"tf"` (a `tf.data.Dataset`, as Keras returns), `"grain"` or `"torch"` (a kerasish `PyDataset` of
            torch tensors); None: `"tf"` when TensorFlow is installed, else `"torch"`.

    Returns:
        A dataset of `(windows, targets)` batches, or windows without targets; windows are
        `(batch, sequence_length, ...)` in the data's dtype.

    Example:
        ds = kerasish.utils.timeseries_dataset_from_array(np.arange(100), None, sequence_length=10,
                                                          batch_size=8, format="torch")
        ds[0].shape  # (8, 10): rows [0..9], [1..10], ...
    """
    length = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= length:
            raise ValueError(
                "`start_index` must be lower than the length of the data. Received: "
                f"start_index={start_index}, for data of length {length}"
            )
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. Received: "
                f"start_index={start_index}, and end_index={end_index} "
            )
        if end_index >= length:
            raise ValueError(
                "`end_index` must be lower than the length of the data. Received: "
                f"end_index={end_index}, for data of length {length}"
            )
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= length:
            raise ValueError(
                f"`{name}` must be lower than the length of the data. Received: {name}={value}, for "
                f"data of length {length}"
            )
    format = dataset_utils.resolve_format(format)
    data, targets = _untorch(data), _untorch(targets)  # torch tensors feed every format as NumPy arrays

    start_index = start_index or 0
    end_index = length if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    start_positions = np.arange(0, num_seqs, sequence_stride, dtype="int32" if num_seqs < 2**31 - 1 else "int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(start_positions)  # Keras's order of windows, draw for draw
    args = (data, targets, start_positions, sequence_length, sampling_rate, start_index, end_index)
    if format == "torch":
        return TimeseriesDataset(*args, batch_size=batch_size)
    if format == "grain":
        return _dataset_grain(*args, batch_size, shuffle, seed)
    return _dataset_tf(*args, batch_size, shuffle, seed)


class TimeseriesDataset(dataset_utils.SampleBatches):
    """`timeseries_dataset_from_array(format="torch")`: windows gathered with one indexing per batch, in the
    order of the (shuffled) start positions; targets, when given, ride as the labels."""

    def __init__(
        self, data, targets, start_positions, sequence_length, sampling_rate, start_index, end_index, batch_size
    ):
        self.data = np.asarray(data)[start_index:end_index]
        self.start_positions = start_positions
        self.offsets = np.arange(sequence_length) * sampling_rate
        labels = None
        if targets is not None:
            labels = torch.from_numpy(np.ascontiguousarray(np.asarray(targets)[start_index:end_index][start_positions]))
        super().__init__(len(start_positions), labels, batch_size)

    def load_inputs(self, indices) -> torch.Tensor:
        starts = self.start_positions[indices.start : indices.stop]
        return torch.from_numpy(self.data[starts[:, None] + self.offsets])


def _untorch(array):
    return array.detach().cpu().numpy() if isinstance(array, torch.Tensor) else array


def _dataset_grain(
    data, targets, start_positions, sequence_length, sampling_rate, start_index, end_index, batch_size, shuffle, seed
):
    """Keras's grain pipeline: the windows as a `MapDataset`, shuffled again with `seed`, as an `IterDataset` of
    torch tensors."""
    import grain

    data = np.asarray(data)[start_index:end_index]
    windows = [torch.from_numpy(data[pos + np.arange(sequence_length) * sampling_rate]) for pos in start_positions]
    dataset = grain.MapDataset.source(windows)
    if targets is not None:
        target_values = np.asarray(targets)[start_index:]
        dataset = grain.experimental.ZipMapDataset(
            [dataset, grain.MapDataset.source([torch.as_tensor(target_values[pos]) for pos in start_positions])]
        )
    if shuffle:
        dataset = dataset.shuffle(seed=seed)
    dataset = dataset.to_iter_dataset()
    if batch_size is not None:
        dataset = dataset.batch(batch_size, batch_fn=dataset_utils.stack_batch)
    return dataset


def _dataset_tf(
    data, targets, start_positions, sequence_length, sampling_rate, start_index, end_index, batch_size, shuffle, seed
):
    """Keras's tf.data pipeline: the windows gathered from the data by tf.data, then a shuffle buffer."""
    import tensorflow as tf

    index_dtype = start_positions.dtype.name
    sequence_length = tf.cast(sequence_length, dtype=index_dtype)
    sampling_rate = tf.cast(sampling_rate, dtype=index_dtype)
    positions_ds = tf.data.Dataset.from_tensors(start_positions).repeat()
    count = tf.data.Dataset.range(len(start_positions))
    indices = tf.data.Dataset.zip((count, positions_ds)).map(
        lambda i, positions: tf.range(positions[i], positions[i] + sequence_length * sampling_rate, sampling_rate),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    dataset = _sequences_from_indices(data, indices, start_index, end_index)
    if targets is not None:
        indices = tf.data.Dataset.zip((count, positions_ds)).map(
            lambda i, positions: positions[i], num_parallel_calls=tf.data.AUTOTUNE
        )
        dataset = tf.data.Dataset.zip((dataset, _sequences_from_indices(targets, indices, start_index, end_index)))
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    if batch_size is not None:
        if shuffle:
            dataset = dataset.shuffle(buffer_size=batch_size * 8, seed=seed)
        return dataset.batch(batch_size)
    return dataset.shuffle(buffer_size=1024, seed=seed) if shuffle else dataset


def _sequences_from_indices(array, indices_ds, start_index, end_index):
    import tensorflow as tf

    steps = tf.data.Dataset.from_tensors(array[start_index:end_index])
    return tf.data.Dataset.zip((steps.repeat(), indices_ds)).map(
        lambda steps, inds: tf.gather(steps, inds), num_parallel_calls=tf.data.AUTOTUNE
    )
