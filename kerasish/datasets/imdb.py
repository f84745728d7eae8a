"""IMDB: 50,000 movie reviews labelled by sentiment, as sequences of word indices."""

from __future__ import annotations

import json
import warnings

import numpy as np

from kerasish.datasets import preparation
from kerasish.datasets.safe_pickle import load_npz
from kerasish.datasets.sources import fetch


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the IMDB dataset, downloading it into Keras's cache on first use.

    Each review is a list of word indices, words being ranked by frequency (index 1 is the most frequent
    word once `index_from` is removed). The training and test sets are shuffled separately, by one
    `RandomState(seed)`, exactly as Keras shuffles them.

    Args:
        path: Name of the file in the cache (`~/.keras/datasets/`).
        num_words: Keep only the `num_words` most frequent words (indices below `num_words`); the others
            become `oov_char`. All words when `None`.
        skip_top: Also treat the `skip_top` most frequent words as out of vocabulary.
        maxlen: Drop the sequences of `maxlen` indices or more (counting `start_char`).
        seed: Seed of the shuffle.
        start_char: Index put at the start of each sequence; none when `None`.
        oov_char: Index replacing the words out of vocabulary; those words are dropped when `None`.
        index_from: Offset added to every word index (indices below it are reserved).
        **kwargs: Keras 2's `nb_words` (the old name of `num_words`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of lists of ints, and int64 labels (1 positive).

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=10000)
    assert len(x_train) == 25000
    ```
    """
    num_words = _pop_nb_words(kwargs, num_words)
    f = load_npz(fetch("imdb.npz", fname=path))
    rng = np.random.RandomState(seed)  # One generator shuffles the training set, then the test set.
    x_train, labels_train = preparation.shuffle(rng, f["x_train"], f["y_train"])
    x_test, labels_test = preparation.shuffle(rng, f["x_test"], f["y_test"])
    x_train = preparation.offset_indices(x_train, start_char, index_from)
    x_test = preparation.offset_indices(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = preparation.remove_long_sequences(maxlen, x_train, labels_train)
        x_test, labels_test = preparation.remove_long_sequences(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. Increase maxlen."
            )
    xs = preparation.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return (np.array(xs[:idx], dtype="object"), labels[:idx]), (np.array(xs[idx:], dtype="object"), labels[idx:])


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """Returns the word -> index dictionary of the IMDB dataset (indices before `index_from` is added).

    Args:
        path: Name of the file in the cache (`~/.keras/datasets/`).
    """
    with open(fetch("imdb_word_index.json", fname=path)) as f:
        return json.load(f)


def _pop_nb_words(kwargs: dict, num_words: int | None) -> int | None:
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument in `load_data` has been renamed `num_words`.", stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    return num_words
