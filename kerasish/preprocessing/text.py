"""tf.keras 2's text preprocessing: `Tokenizer`, `tokenizer_from_json`, `text_to_word_sequence`, `one_hot`,
`hashing_trick`.

Kept for the large body of Keras 2 code that uses them; new code would use `layers.TextVectorization` and
`layers.Hashing`. The numbers equal tf.keras 2's.
"""

from __future__ import annotations

import collections
import hashlib
import json
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence", "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MATRIX_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(
    input_text: str, filters: str = DEFAULT_FILTERS, lower: bool = True, split: str = " "
) -> list[str]:
    """Splits a text into a list of words, dropping the characters in `filters`.

    Args:
        input_text: The text.
        filters: Characters to remove (each is replaced by `split`); by default punctuation (except `'`), tabs
            and newlines.
        lower: Whether to lowercase the text first.
        split: Word separator.

    Returns:
        The non-empty words, in order.

    Example:

    >>> text_to_word_sequence("This is a sample sentence.")
    ['this', 'is', 'a', 'sample', 'sentence']
    """
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans(dict.fromkeys(filters, split)))
    return [word for word in input_text.split(split) if word]


def one_hot(
    input_text: str,
    n: int,
    filters: str = DEFAULT_FILTERS,
    lower: bool = True,
    split: str = " ",
    analyzer: Callable[[str], list[str]] | None = None,
) -> list[int]:
    """Encodes a text as a list of word indices in `[1, n)`, by Python's `hash` (`hashing_trick` with `hash`).

    Python salts `hash` of strings per process (unless `PYTHONHASHSEED` is set), so the indices change from one
    run to the next, as in Keras. Use `hashing_trick(..., hash_function="md5")` for stable indices.

    Args:
        input_text: The text.
        n: Size of the hashing space; indices are in `[1, n - 1]`.
        filters: Characters to remove, as in `text_to_word_sequence`.
        lower: Whether to lowercase the text first.
        split: Word separator.
        analyzer: A function splitting the text into words, used instead of `text_to_word_sequence`.

    Returns:
        One index per word (different words may share an index).
    """
    return hashing_trick(
        input_text, n, hash_function=hash, filters=filters, lower=lower, split=split, analyzer=analyzer
    )


def hashing_trick(
    text: str,
    n: int,
    hash_function: Callable[[str], int] | str | None = None,
    filters: str = DEFAULT_FILTERS,
    lower: bool = True,
    split: str = " ",
    analyzer: Callable[[str], list[str]] | None = None,
) -> list[int]:
    """Converts a text to a list of word indices in a hashing space of size `n`.

    Each word `w` becomes `hash_function(w) % (n - 1) + 1`, so `0` is never used.

    Args:
        text: The text.
        n: Size of the hashing space; indices are in `[1, n - 1]`.
        hash_function: `None` for Python's `hash` (salted per process: the indices change between runs), `"md5"`
            for a stable hash, or any function from a string to an int.
        filters: Characters to remove, as in `text_to_word_sequence`.
        lower: Whether to lowercase the text first.
        split: Word separator.
        analyzer: A function splitting the text into words, used instead of `text_to_word_sequence`.

    Returns:
        One index per word (different words may share an index).

    Example:

    >>> hashing_trick("The cat sat on the mat.", 10, hash_function="md5")
    [6, 3, 1, 1, 6, 8]
    """
    if n < 2:
        raise ValueError(f"The hashing space `n` must hold at least one index besides 0 (n >= 2). Received: n={n}")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5
    words = analyzer(text) if analyzer is not None else text_to_word_sequence(text, filters, lower, split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def _md5(word: str) -> int:
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


class Tokenizer:
    """Turns texts into sequences of word indices, or into vectors (binary, counts, tf-idf, frequencies).

    Fitting counts the words of a corpus and indexes them by decreasing frequency, from 1 (`0` is reserved; the
    `oov_token`, if any, takes index 1). Texts are split with `text_to_word_sequence` (or `analyzer`), or into
    characters when `char_level=True`; a text given as a list is taken as its list of tokens.

    Args:
        num_words: Keep only the words with an index below `num_words` (the `num_words - 1` most frequent) when
            converting; all words are still indexed.
        filters: Characters removed from the texts; by default punctuation (except `'`), tabs and newlines.
        lower: Whether to lowercase the texts.
        split: Word separator.
        char_level: Whether every character is a token.
        oov_token: A token standing in for out-of-vocabulary words (index 1) in `texts_to_sequences`.
        analyzer: A function splitting a text into words, used instead of `text_to_word_sequence`.
        document_count: Number of documents already seen (used when restoring a tokenizer).

    Example:

    >>> tokenizer = Tokenizer(oov_token="<unk>")
    >>> tokenizer.fit_on_texts(["The cat sat.", "The dog sat on the cat."])
    >>> tokenizer.texts_to_sequences(["the bird sat"])
    [[2, 1, 4]]
    """

    def __init__(
        self,
        num_words: int | None = None,
        filters: str = DEFAULT_FILTERS,
        lower: bool = True,
        split: str = " ",
        char_level: bool = False,
        oov_token: str | None = None,
        analyzer: Callable[[str], list[str]] | None = None,
        document_count: int = 0,
        **kwargs: Any,
    ):
        if "nb_words" in kwargs:  # Keras 1's name.
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.document_count = document_count
        self.word_counts: collections.OrderedDict[str, int] = collections.OrderedDict()
        self.word_docs: collections.defaultdict[str, int] = collections.defaultdict(int)
        self.index_docs: collections.defaultdict[int, int] = collections.defaultdict(int)
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}

    def fit_on_texts(self, texts: Iterable[str | list[str]]) -> None:
        """Counts the words of `texts` and (re)builds the word index.

        Args:
            texts: Strings, or lists of tokens (a generator works too).
        """
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for token in tokens:
                self.word_counts[token] = self.word_counts.get(token, 0) + 1
            # dict.fromkeys: each distinct token once, in a reproducible order (Keras iterates over a set).
            for token in dict.fromkeys(tokens):
                self.word_docs[token] += 1

        # A stable sort: words of equal count keep the order in which they were first seen.
        by_count = sorted(self.word_counts, key=self.word_counts.__getitem__, reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + by_count
        self.word_index = {word: index for index, word in enumerate(vocabulary, start=1)}
        self.index_word = {index: word for word, index in self.word_index.items()}
        for word, count in self.word_docs.items():
            self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences: list[list[int]]) -> None:
        """Counts in how many sequences each index occurs (for `sequences_to_matrix` without `fit_on_texts`).

        Args:
            sequences: Lists of word indices.
        """
        self.document_count += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs[index] += 1

    def texts_to_sequences(self, texts: Iterable[str | list[str]]) -> list[list[int]]:
        """Converts each text to a list of word indices (known words below `num_words`, or the OOV index).

        Args:
            texts: Strings, or lists of tokens.

        Returns:
            One list of indices per text.
        """
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts: Iterable[str | list[str]]) -> Iterator[list[int]]:
        """Yields `texts_to_sequences`'s lists one text at a time."""
        oov_index = self.word_index.get(self.oov_token)
        for text in texts:
            sequence = []
            for token in self._tokens(text):
                index = self.word_index.get(token)
                if index is None or self._beyond_num_words(index):
                    index = oov_index  # None without an OOV token: the word is dropped.
                if index is not None:
                    sequence.append(index)
            yield sequence

    def sequences_to_texts(self, sequences: Iterable[Iterable[int]]) -> list[str]:
        """Converts lists of word indices back to space-separated texts (unknown indices dropped or OOV).

        Args:
            sequences: Lists of word indices.

        Returns:
            One string per sequence.
        """
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences: Iterable[Iterable[int]]) -> Iterator[str]:
        """Yields `sequences_to_texts`'s strings one sequence at a time."""
        oov_index = self.word_index.get(self.oov_token)
        for sequence in sequences:
            words = []
            for index in sequence:
                word = self.index_word.get(index)
                if word is None or self._beyond_num_words(index):
                    word = self.index_word.get(oov_index)  # None without an OOV token: the index is dropped.
                if word is not None:
                    words.append(word)
            yield " ".join(words)

    def texts_to_matrix(self, texts: Iterable[str | list[str]], mode: str = "binary") -> np.ndarray:
        """Converts texts to a `(len(texts), num_words)` matrix; see `sequences_to_matrix` for `mode`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences: list[list[int]], mode: str = "binary") -> np.ndarray:
        """Converts lists of word indices to a float64 matrix with one column per index below `num_words`.

        Args:
            sequences: Lists of word indices.
            mode: `"binary"` (1 where the word occurs), `"count"`, `"freq"` (count over the sequence's
                length) or `"tfidf"` (`(1 + log(count)) * log(1 + documents / (1 + documents with the word)))`).

        Returns:
            A matrix of shape `(len(sequences), num_words)` (`len(word_index) + 1` columns without
            `num_words`).
        """
        if mode not in _MATRIX_MODES:
            raise ValueError(f"Unknown vectorization mode: {mode!r}. Expected one of {_MATRIX_MODES}.")
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some text data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")

        matrix = np.zeros((len(sequences), num_words))
        for row, sequence in enumerate(sequences):
            counts = collections.Counter(index for index in sequence if index < num_words)
            for index, count in counts.items():
                matrix[row, index] = self._weight(mode, index, count, len(sequence))
        return matrix

    def _weight(self, mode: str, index: int, count: int, length: int) -> float:
        if mode == "count":
            return count
        if mode == "freq":
            return count / length
        if mode == "binary":
            return 1
        # tf-idf with the weighting scheme 2 of https://en.wikipedia.org/wiki/Tf%E2%80%93idf, as Keras.
        idf = np.log(1 + self.document_count / (1 + self.index_docs.get(index, 0)))
        return (1 + np.log(count)) * idf

    def get_config(self) -> dict[str, Any]:
        """The tokenizer's settings and counts; the dictionaries are JSON strings, as in Keras."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs: Any) -> str:
        """The tokenizer as a JSON string, for `tokenizer_from_json`.

        Args:
            **kwargs: Passed to `json.dumps`.
        """
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)

    def _tokens(self, text: str | list[str]) -> list[str] | str:
        if isinstance(text, list):
            return [token.lower() for token in text] if self.lower else text
        if self.char_level:
            return text.lower() if self.lower else text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def _beyond_num_words(self, index: int) -> bool:
        return bool(self.num_words) and index >= self.num_words


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """Restores a `Tokenizer` from `Tokenizer.to_json()`'s string (kerasish's or tf.keras's).

    Args:
        json_string: The JSON string.

    Returns:
        The tokenizer, ready to convert texts and to go on fitting.
    """
    tokenizer_config = json.loads(json_string)
    if not isinstance(tokenizer_config, dict) or not isinstance(tokenizer_config.get("config"), dict):
        raise ValueError(
            "tokenizer_from_json expects the JSON of `Tokenizer.to_json()`: an object with a 'config' object. "
            f"Received: {json_string[:100]!r}"
        )
    config = dict(tokenizer_config["config"])
    counts = {
        key: json.loads(config.pop(key))
        for key in ("word_counts", "word_docs", "index_docs", "index_word", "word_index")
    }
    tokenizer = Tokenizer(**config)
    # JSON turned the integer keys into strings. The counters stay counters, so fitting can go on.
    tokenizer.word_counts.update(counts["word_counts"])
    tokenizer.word_docs.update(counts["word_docs"])
    tokenizer.index_docs.update({int(index): count for index, count in counts["index_docs"].items()})
    tokenizer.index_word = {int(index): word for index, word in counts["index_word"].items()}
    tokenizer.word_index = counts["word_index"]
    return tokenizer
