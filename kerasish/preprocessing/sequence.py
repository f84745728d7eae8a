"""tf.keras 2's sequence preprocessing: `pad_sequences`, `TimeseriesGenerator`, `skipgrams`,
`make_sampling_table`.

`TimeseriesGenerator`, `skipgrams` and `make_sampling_table` are kept for Keras 2 code; new code would use
`utils.timeseries_dataset_from_array`. The numbers equal tf.keras 2's, random draws included: `skipgrams`
uses Python's global `random` and the shuffling `TimeseriesGenerator` NumPy's global generator, as Keras does.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from kerasish.utils.py_dataset import PyDataset
from kerasish.utils.sequence_utils import pad_sequences

__all__ = ["TimeseriesGenerator", "make_sampling_table", "pad_sequences", "skipgrams"]


class TimeseriesGenerator(PyDataset):
    """Batches of windows over a time series, with the target that follows each window.

    A sample ending before step `i` is `data[i - length:i:sampling_rate]` and its target `targets[i]`; samples
    end at `start_index + length`, then every `stride` steps, up to `end_index` included. It is a `PyDataset`,
    so `fit`, `evaluate` and `predict` take it directly.

    Args:
        data: Indexable data (list or array) whose first axis is time.
        targets: Targets, one per step of `data`.
        length: Number of steps each sample spans (before `sampling_rate` thins it).
        sampling_rate: Period between the steps kept within a sample.
        stride: Period between the ends of successive samples.
        start_index: Steps before it are not used (e.g. kept for validation).
        end_index: Steps after it are not used; the last step when `None`.
        shuffle: Whether each batch draws its sample ends at random (from NumPy's global generator) instead of
            in order.
        reverse: Whether the steps within each sample run backwards in time.
        batch_size: Number of samples per batch (except maybe the last).
        **kwargs: `PyDataset`'s `workers`, `use_multiprocessing`, `max_queue_size`.

    Example:

    >>> data = np.arange(50).reshape(50, 1)
    >>> generator = TimeseriesGenerator(data, data[:, 0], length=10, sampling_rate=2, batch_size=2)
    >>> len(generator)
    20
    >>> x, y = generator[0]
    >>> x[:, :, 0], y
    (array([[0, 2, 4, 6, 8],
           [1, 3, 5, 7, 9]]), array([10, 11]))
    """

    def __init__(
        self,
        data: Sequence[Any] | np.ndarray,
        targets: Sequence[Any] | np.ndarray,
        length: int,
        sampling_rate: int = 1,
        stride: int = 1,
        start_index: int = 0,
        end_index: int | None = None,
        shuffle: bool = False,
        reverse: bool = False,
        batch_size: int = 128,
        **kwargs: Any,
    ):
        if len(data) != len(targets):
            raise ValueError(
                f"Data and targets have to be of same length. Data length is {len(data)} while target length is "
                f"{len(targets)}"
            )
        if end_index is None:
            end_index = len(data) - 1
        if start_index + length > end_index:
            raise ValueError(
                f"`start_index+length={start_index + length} > end_index={end_index}` is disallowed, as no part "
                "of the sequence would be left to be used as current step."
            )
        super().__init__(**kwargs)
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        # As Keras, the attribute holds the first sample's end, not the argument.
        self.start_index = start_index + length
        self.end_index = end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size

    def __len__(self) -> int:
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(f"TimeseriesGenerator index {index} out of range for {len(self)} batches.")
        if self.shuffle:
            ends = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            ends = np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1), self.stride)
        samples = np.array([self.data[end - self.length : end : self.sampling_rate] for end in ends])
        targets = np.array([self.targets[end] for end in ends])
        if self.reverse:
            samples = samples[:, ::-1, ...]
        return samples, targets

    def get_config(self) -> dict[str, Any]:
        """The generator's arguments, with `data` and `targets` as JSON strings (as Keras).

        Unlike Keras, whose config holds `start_index + length`, `start_index` is the argument given, so the
        config rebuilds the same generator.
        """
        return {
            "data": _json_dumps(self.data, "Data"),
            "targets": _json_dumps(self.targets, "Targets"),
            "length": self.length,
            "sampling_rate": self.sampling_rate,
            "stride": self.stride,
            "start_index": self.start_index - self.length,
            "end_index": self.end_index,
            "shuffle": self.shuffle,
            "reverse": self.reverse,
            "batch_size": self.batch_size,
        }

    def to_json(self, **kwargs: Any) -> str:
        """The generator's config as a JSON string; `**kwargs` go to `json.dumps`."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def _json_dumps(values: Any, name: str) -> str:
    if isinstance(values, np.ndarray):
        values = values.tolist()
    try:
        return json.dumps(values)
    except TypeError as error:
        raise TypeError(f"{name} not JSON Serializable: {values!r:.200}") from error


def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """Word2vec's probability of keeping each word rank, for `skipgrams`' `sampling_table`.

    `p(word) = min(1, sqrt(frequency / sampling_factor) / (frequency / sampling_factor))`, with the frequency
    of rank `r` approximated by Zipf's law: `1 / (r * (log(r) + gamma) + 1/2 - 1/(12 r))`.

    Args:
        size: Number of ranks (the vocabulary size).
        sampling_factor: Word2vec's sampling factor.

    Returns:
        A float64 array of length `size`; entry `i` is the probability of keeping the word of rank `i`.
    """
    gamma = 0.577  # Keras's rounding of the Euler-Mascheroni constant.
    rank = np.arange(size)
    rank[0] = 1  # Index 0 is not a word; giving it rank 1 avoids log(0).
    inverse_frequency = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    scaled = sampling_factor * inverse_frequency
    return np.minimum(1.0, scaled / np.sqrt(scaled))


def skipgrams(
    sequence: Sequence[int],
    vocabulary_size: int,
    window_size: int = 4,
    negative_samples: float = 1.0,
    shuffle: bool = True,
    categorical: bool = False,
    sampling_table: np.ndarray | None = None,
    seed: int | None = None,
) -> tuple[list[list[int]], list[int] | list[list[int]]]:
    """Word pairs for a skip-gram model: neighbours within a window (label 1) and random words (label 0).

    Index 0 is not a word and is skipped. The random draws come from Python's global `random`, in Keras's
    order, so a `random.seed(...)` before the call gives Keras's pairs; `seed` only fixes the final shuffle
    (and reseeds the global generator, as Keras does).

    Args:
        sequence: Word indices (ranks, when `sampling_table` is given).
        vocabulary_size: Largest word index + 1.
        window_size: Half-width of the window: word `i` pairs with words `i - window_size` to
            `i + window_size`.
        negative_samples: Number of random pairs per positive pair (0 for none).
        shuffle: Whether to shuffle the pairs.
        categorical: Whether labels are one-hot (`[0, 1]` for positive) instead of `0`/`1`.
        sampling_table: Probability of keeping each word as a pivot (see `make_sampling_table`).
        seed: Seed of the shuffle.

    Returns:
        `(couples, labels)`: lists of `[word, context]` pairs and their labels.
    """
    couples = []
    for i, word in enumerate(sequence):
        if not word:
            continue
        if sampling_table is not None and sampling_table[word] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([word, sequence[j]])
    labels = [[0, 1] if categorical else 1 for _ in couples]

    if negative_samples > 0:
        num_negatives = int(len(labels) * negative_samples)
        pivots = [pivot for pivot, _ in couples]
        random.shuffle(pivots)
        couples += [
            [pivots[i % len(pivots)], random.randint(1, int(vocabulary_size - 1))] for i in range(num_negatives)
        ]
        labels += [[1, 0] if categorical else 0 for _ in range(num_negatives)]

    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        # Shuffling both lists from the same seed keeps each label with its pair.
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
