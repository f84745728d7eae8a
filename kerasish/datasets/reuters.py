"""Reuters: 11,228 newswires labelled over 46 topics, as sequences of word indices."""

from __future__ import annotations

import json

import numpy as np

from kerasish.datasets import preparation
from kerasish.datasets.safe_pickle import load_npz
from kerasish.datasets.sources import fetch

_LABEL_NAMES = (
    "cocoa",
    "grain",
    "veg-oil",
    "earn",
    "acq",
    "wheat",
    "copper",
    "housing",
    "money-supply",
    "coffee",
    "sugar",
    "trade",
    "reserves",
    "ship",
    "cotton",
    "carcass",
    "crude",
    "nat-gas",
    "cpi",
    "money-fx",
    "interest",
    "gnp",
    "meal-feed",
    "alum",
    "oilseed",
    "gold",
    "tin",
    "strategic-metal",
    "livestock",
    "retail",
    "ipi",
    "iron-steel",
    "rubber",
    "heat",
    "jobs",
    "lei",
    "bop",
    "zinc",
    "orange",
    "pet-chem",
    "dlr",
    "gas",
    "silver",
    "wpi",
    "hog",
    "lead",
)


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the Reuters newswire dataset, downloading it into Keras's cache on first use.

    The newswires are shuffled by `RandomState(seed)`, then the last `test_split` of them form the test set,
    exactly as Keras does.

    Args:
        path: Name of the file in the cache (`~/.keras/datasets/`).
        num_words: Keep only the `num_words` most frequent words; the others become `oov_char`. All when `None`.
        skip_top: Also treat the `skip_top` most frequent words as out of vocabulary.
        maxlen: Drop the sequences of `maxlen` indices or more (counting `start_char`).
        test_split: Fraction of the data kept for testing.
        seed: Seed of the shuffle.
        start_char: Index put at the start of each sequence; none when `None`.
        oov_char: Index replacing the words out of vocabulary; those words are dropped when `None`.
        index_from: Offset added to every word index (indices below it are reserved).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of lists of ints, and int64 topic labels 0-45
        (names from `get_label_names()`).

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.reuters.load_data(num_words=10000)
    assert len(x_train) == 8982
    ```
    """
    f = load_npz(fetch("reuters.npz", fname=path))
    xs, labels = preparation.shuffle(np.random.RandomState(seed), f["x"], f["y"])
    xs = preparation.offset_indices(xs, start_char, index_from)
    if maxlen:
        xs, labels = preparation.remove_long_sequences(maxlen, xs, labels)
    xs = preparation.limit_vocabulary(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return (
        (np.array(xs[:idx], dtype="object"), np.array(labels[:idx])),
        (np.array(xs[idx:], dtype="object"), np.array(labels[idx:])),
    )


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """Returns the word -> index dictionary of the Reuters dataset (indices before `index_from` is added).

    Args:
        path: Name of the file in the cache (`~/.keras/datasets/`).
    """
    with open(fetch("reuters_word_index.json", fname=path)) as f:
        return json.load(f)


def get_label_names() -> tuple[str, ...]:
    """Returns the names of the 46 topics, in label order (label 3 is `"earn"`)."""
    return _LABEL_NAMES
