"""The steps Keras's `load_data` functions share: shuffling, splitting, and shaping word-index sequences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def shuffle(rng: np.random.RandomState, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Reorders `arrays` by one permutation drawn from `rng`, as Keras shuffles its datasets."""
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return tuple(array[indices] for array in arrays)


def check_test_split(test_split: float) -> None:
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")


def shuffle_and_split(
    x: np.ndarray, y: np.ndarray, test_split: float, seed: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Shuffles `x` and `y` with `RandomState(seed)` and keeps the last `test_split` of them for testing."""
    x, y = shuffle(np.random.RandomState(seed), x, y)
    idx = int(len(x) * (1 - test_split))
    return (np.array(x[:idx]), np.array(y[:idx])), (np.array(x[idx:]), np.array(y[idx:]))


def offset_indices(xs: Sequence, start_char: int | None, index_from: int) -> list[list[int]]:
    """Shifts word indices by `index_from` and puts `start_char` (unless `None`) in front of each sequence."""
    start = [start_char] if start_char is not None else []
    return [start + [w + index_from for w in x] for x in xs]


def remove_long_sequences(maxlen: int, xs: list[list[int]], labels: Sequence) -> tuple[list[list[int]], list]:
    """Keeps the sequences shorter than `maxlen` (strictly, as Keras) and their labels."""
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(
    xs: list[list[int]], num_words: int | None, skip_top: int, oov_char: int | None
) -> list[list[int]]:
    """Replaces (or, with `oov_char=None`, drops) the indices outside `[skip_top, num_words)`.

    `num_words=None` (or 0) keeps every index up to the largest one present.
    """
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]
