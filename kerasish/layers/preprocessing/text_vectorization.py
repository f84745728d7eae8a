"""TextVectorization: Keras 3's text to integer sequences (or multi-hot, count, tf-idf vectors).

Text is standardized, split and joined into ngrams on the data side, with TensorFlow's exact rules (ASCII-only
lowercasing, Keras's punctuation class, splitting on ASCII whitespace, code points for "character"); the tokens are
then looked up by a `StringLookup` (mask token "", OOV "[UNK]"), whose vocabulary order and idf weights follow
Keras's. torch has no strings, so the layer takes text as numpy arrays, lists or TensorFlow tensors (inside a
`tf.data` map it runs through `tf.numpy_function`).
"""

from __future__ import annotations

import os
import re

import numpy as np
import torch

from kerasish import config
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.backend.common.tensors import default_device
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing.string_lookup import StringLookup
from kerasish.saving.object_registry import deserialize_keras_object, serialize_keras_object

# Keras's `tf.strings.regex_replace` pattern for "strip_punctuation", character for character.
PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
# `tf.strings.split` without a separator splits on ASCII whitespace only (a no-break space is part of a token).
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
# `tf.strings.lower` without an encoding lowercases ASCII letters only ("É" stays "É").
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_VOCABULARY_FILE = "vocabulary.txt"


class _TextLookup(StringLookup):
    """The lookup a TextVectorization holds (Keras's `_lookup_layer`), with Keras 3's saved state: the vocabulary in
    the archive's assets (`vocabulary.txt`) and, for tf_idf, the `idf_weights` variable."""

    def __init__(self, has_input_vocabulary: bool = False, **kwargs):
        super().__init__(**kwargs)
        self._pending_idf = None  # idf weights read from a file, waiting for the vocabulary in the assets

    def save_own_variables(self, store) -> None:
        # Keras's variable, named as Keras names it. Before a vocabulary exists its size is the file's to say (None).
        if self.output_mode == "tf_idf":
            store["idf_weights"] = None if self.idf_weights is None else self.idf_weights.detach().cpu().float()

    def load_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf":
            if "idf_weights" not in store:
                raise ValueError(f"TextVectorization '{self.name}': the saved file has no idf_weights for tf_idf.")
            self._pending_idf = np.asarray(store["idf_weights"], np.float32)

    def save_assets(self, dir_path: str) -> None:
        if self.input_vocabulary is not None:  # a given vocabulary travels in the config, as in Keras
            return
        with open(os.path.join(dir_path, _VOCABULARY_FILE), "w", encoding="utf-8") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path: str) -> None:
        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, _VOCABULARY_FILE)
        if not os.path.isfile(path):
            raise ValueError(f"TextVectorization '{self.name}': the saved file has no {_VOCABULARY_FILE} asset.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if len(lines) <= self._token_start:  # saved before it had a vocabulary: it stays without one
            return
        if self.output_mode == "tf_idf":
            if self._pending_idf is None:
                raise ValueError(f"TextVectorization '{self.name}': the saved file has no idf_weights for tf_idf.")
            idf = self._pending_idf
            # Keras stores idf weights for the whole output (special tokens first, padding after): keep the part
            # that matches the saved vocabulary, which starts with the special tokens.
            self.set_vocabulary(lines, idf[: len(lines)])
        else:
            self.set_vocabulary(lines)


class TextVectorization(Layer):
    """Maps text to integer token sequences (or multi-hot, count or tf-idf vectors), as Keras 3's layer.

    Each string is standardized, split into tokens, combined into ngrams and looked up in a vocabulary learnt by
    `adapt` (most frequent first, ties by descending token) or given. Index 0 is padding (int mode), 1 the OOV
    token "[UNK]". Callables for `standardize` get a numpy array of strings and return one; callables for `split`
    get a 1-D numpy array of strings and return one list (or array) of tokens per string.

    Args:
        max_tokens: the vocabulary's largest size, padding and OOV included (None: no limit).
        standardize: None, "lower_and_strip_punctuation", "lower", "strip_punctuation" or a callable.
        split: None, "whitespace", "character" or a callable.
        ngrams: None, an integer n (ngrams 1..n) or a tuple of widths.
        output_mode: "int", "multi_hot", "count" or "tf_idf" ("binary" and "tf-idf" are Keras 2 spellings).
        output_sequence_length: int mode: pad or cut each sequence to this length.
        pad_to_max_tokens: multi_hot/count/tf_idf: make the output `max_tokens` wide.
        vocabulary: a list of strings, or a text file path with one token per line.
        idf_weights: tf_idf with a given vocabulary: one weight per token.
        sparse: must be False (torch has no sparse outputs here).
        ragged: int mode: return one Python list of ids per string instead of a padded tensor.
        encoding: the text encoding of bytes inputs.

    Example:
        layer = TextVectorization(max_tokens=5000, output_sequence_length=4)
        layer.adapt(["foo bar", "bar baz", "baz bada boom"])
        layer(np.array([["foo qux bar"], ["qux baz"]]))  # [[4, 1, 3, 0], [1, 2, 0, 0]]
    """

    def __init__(
        self,
        max_tokens=None,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=None,
        output_mode: str = "int",
        output_sequence_length=None,
        pad_to_max_tokens: bool = False,
        vocabulary=None,
        idf_weights=None,
        sparse: bool = False,
        ragged: bool = False,
        encoding: str = "utf-8",
        name=None,
        **kwargs,
    ):
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(
                f"TextVectorization: standardize must be None, a callable or one of {list(_STANDARDIZE)}; "
                f"received standardize={standardize!r}."
            )
        if not (split is None or callable(split) or split in _SPLIT):
            raise ValueError(
                f"TextVectorization: split must be None, a callable or one of {list(_SPLIT)}; received split={split!r}."
            )
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"TextVectorization: output_mode must be one of {list(_OUTPUT_MODES)}; received "
                f"output_mode={output_mode!r}."
            )
        if isinstance(ngrams, list):  # a JSON config holds the tuple as a list
            ngrams = tuple(ngrams)
        if not (
            ngrams is None
            or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
            or (isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))
        ):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError(
                "`output_sequence_length` must be either None or an integer when `output_mode` is 'int'. "
                f"Received: output_sequence_length={output_sequence_length}"
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}."
            )
        if ragged and output_mode != "int":
            raise ValueError(
                f"`ragged` must not be true if `output_mode` is not 'int'. Received: ragged={ragged} and "
                f"output_mode={output_mode}"
            )
        if sparse:
            raise ValueError("TextVectorization: sparse=True is not supported (kerasish outputs dense tensors).")
        super().__init__(name=name, **kwargs)
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._ragged, self._encoding = bool(ragged), encoding
        self._lookup_layer = _TextLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            encoding=encoding,
            has_input_vocabulary=has_input_vocabulary,
            name=f"{self.name}_lookup",
        )
        self.built = True  # no weights of its own (the vocabulary is state, not a weight)

    # ---- vocabulary ----------------------------------------------------------------------------------------

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learns the vocabulary (and, for tf_idf, document frequencies) from text.

        Args:
            data: strings (a list, a numpy array of rank 1 or with a last axis of 1, a TensorFlow tensor), or an
                iterable of such batches (a generator, a `PyDataset`, a batched `tf.data.Dataset`).
            batch_size: unused (Keras's signature).
            steps: how many batches of an iterable to read (all by default).
        """
        if self._lookup_layer.input_vocabulary is not None:
            raise ValueError(
                f"Cannot adapt TextVectorization '{self.name}': it was given a vocabulary; adapt a layer "
                "created without `vocabulary`."
            )
        if _is_batch(data):
            batches = [data]
        else:
            batches = (b[0] if isinstance(b, tuple) else b for b in _iterate(data))
        self._lookup_layer.adapt((self._padded_tokens(b) for b in batches), steps=steps)
        if self._lookup_layer.tokens is None:
            raise ValueError(
                f"TextVectorization '{self.name}': adapt found no tokens in the data, so the vocabulary would be empty."
            )

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary; with `include_special_tokens`, index i holds the token that maps to i."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Sets the vocabulary (a list of strings or a file path) and, for tf_idf, one idf weight per entry."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def vocabulary_size(self) -> int:
        """The number of indices, padding and OOV included."""
        return self._lookup_layer.vocabulary_size()

    # ---- call ----------------------------------------------------------------------------------------------

    def __call__(self, inputs, *args, **kwargs):
        if _is_symbolic_tf(inputs):  # inside `tf.data.Dataset.map`: run eagerly through numpy
            return self._call_in_tf_graph(inputs)
        if isinstance(inputs, (list, tuple)):  # a batch of strings, not a structure of inputs
            inputs = np.asarray(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        out = self._vectorize(inputs)
        # Text is looked up on the CPU; the numbers go where new tensors go (the default device), as Keras's do.
        return out.to(default_device()) if isinstance(out, torch.Tensor) else out

    def _vectorize(self, inputs):
        if self._lookup_layer.tokens is None:
            raise ValueError(
                f"TextVectorization '{self.name}' has no vocabulary: call `adapt()` or pass `vocabulary` "
                "before calling it."
            )
        text = self._text_array(inputs)
        if self._split is None and self._ngrams is None and self._output_mode == "int":
            return self._lookup_layer(self._standardized(text))  # whole strings are the tokens: shape kept
        tokens = self._padded_tokens(text, checked=True)
        out = self._lookup_layer(tokens)
        if self._output_mode != "int":
            return out
        if self._ragged:
            lengths = (tokens != "").sum(axis=-1)
            limit = self._output_sequence_length
            return [row[: n if limit is None else min(n, limit)] for row, n in zip(out.tolist(), lengths.tolist())]
        length = self._output_sequence_length
        if length is not None:
            out = out[..., :length]
            if out.shape[-1] < length:
                out = torch.nn.functional.pad(out, (0, length - out.shape[-1]))
        return out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            if self._split is None and self._ngrams is None:
                return input_shape
            return (input_shape[0], self._output_sequence_length)
        lookup = self._lookup_layer
        width = lookup.max_tokens if lookup.pad_to_max_tokens else None
        if width is None and lookup.tokens is not None:
            width = lookup.vocabulary_size()
        return (input_shape[0], width)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = "int64" if self._output_mode == "int" else config.floatx()
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def _text_array(self, inputs) -> np.ndarray:
        """The input as a numpy array of `str`, or a ValueError naming what it was."""
        if isinstance(inputs, torch.Tensor):
            raise ValueError(
                f"TextVectorization '{self.name}' takes strings (a numpy array, a list or a tf.Tensor of strings), "
                f'got a torch tensor of dtype {inputs.dtype}: feed it through an `Input(dtype="string")`.'
            )
        if hasattr(inputs, "numpy") and not isinstance(inputs, np.ndarray):  # an eager tf.Tensor
            inputs = inputs.numpy()
        array = np.asarray(inputs)
        if array.dtype.kind == "S":
            return np.char.decode(array, self._encoding)
        if array.dtype.kind == "O":
            flat = [v.decode(self._encoding) if isinstance(v, bytes) else v for v in array.reshape(-1)]
            if not all(isinstance(v, str) for v in flat):
                kinds = sorted({type(v).__name__ for v in flat if not isinstance(v, str)})
                raise ValueError(f"TextVectorization '{self.name}' takes strings, got values of types {kinds}.")
            return np.array(flat, dtype=str).reshape(array.shape) if flat else array.astype(str)
        if array.dtype.kind != "U":
            raise ValueError(f"TextVectorization '{self.name}' takes strings, got an array of dtype {array.dtype}.")
        return array

    def _standardized(self, text: np.ndarray) -> np.ndarray:
        mode = self._standardize
        if callable(mode):
            return np.asarray(mode(text)).astype(str)
        if mode is None:
            return text
        flat = text.reshape(-1).tolist()
        if mode in ("lower", "lower_and_strip_punctuation"):
            flat = [s.translate(_ASCII_LOWER) for s in flat]
        if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [PUNCTUATION.sub("", s) for s in flat]
        return np.array(flat, dtype=str).reshape(text.shape) if flat else text

    def _split_rows(self, text: np.ndarray) -> list:
        """One list of tokens per string (the strings of a rank-1 array, or of a last axis of size 1)."""
        if text.ndim > 1:
            if text.shape[-1] != 1:
                raise ValueError(
                    "When using `TextVectorization` to tokenize strings, the input rank must be 1 or the last "
                    f"shape dimension must be 1. Received: inputs.shape={tuple(text.shape)} with rank={text.ndim}"
                )
            text = text[..., 0]
        if text.ndim != 1:
            raise ValueError(
                f"TextVectorization '{self.name}' expects a batch of strings (rank 1, or rank 2 with a last axis of "
                f"1), got rank {text.ndim + 1}."
            )
        if self._split == "whitespace":
            return [_WHITESPACE.split(s.strip(" \t\n\v\f\r")) if s.strip(" \t\n\v\f\r") else [] for s in text.tolist()]
        if self._split == "character":
            return [list(s) for s in text.tolist()]
        return [[str(t) for t in np.asarray(row).reshape(-1).tolist()] for row in self._split(text)]

    def _padded_tokens(self, data, checked: bool = False) -> np.ndarray:
        """Tokens of a batch as a (strings, tokens) array padded with the mask token "" (or the text itself)."""
        text = data if checked else self._text_array(data)
        text = self._standardized(text)
        if self._split is None:
            if self._ngrams is None:
                return text.reshape(len(text), -1) if text.ndim else text.reshape(1, 1)
            rows = [[str(t) for t in row] for row in (text.reshape(len(text), -1) if text.ndim > 1 else text[:, None])]
        else:
            rows = self._split_rows(text)
        if self._ngrams is not None:
            rows = [_ngrams(row, self._ngrams) for row in rows]
        lengths = np.fromiter((len(r) for r in rows), np.int64, count=len(rows))
        width = int(lengths.max()) if len(rows) else 0
        flat = [t for r in rows for t in r]
        out = np.full((len(rows), width), "", dtype=np.array(flat, dtype=str).dtype if flat else "<U1")
        if flat:
            row_index = np.repeat(np.arange(len(rows)), lengths)
            col_index = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            out[row_index, col_index] = flat
        return out

    def _call_in_tf_graph(self, inputs):
        import tensorflow as tf  # only reached with a TensorFlow tensor in hand

        if self._ragged:
            raise ValueError(
                f"TextVectorization '{self.name}': ragged=True gives Python lists, which a tf.data pipeline cannot "
                "carry; use output_sequence_length (padded ids) inside `Dataset.map`."
            )

        out_dtype = tf.int64 if self._output_mode == "int" else tf.float32

        def run(values):
            out = self._vectorize(values)
            return np.asarray(out.cpu().numpy() if isinstance(out, torch.Tensor) else out, out_dtype.as_numpy_dtype)

        outputs = tf.numpy_function(run, [inputs], out_dtype, stateful=False)
        if inputs.shape.rank is not None:
            outputs.set_shape(self.compute_output_shape(inputs.shape.as_list()))
        return outputs

    # ---- saving --------------------------------------------------------------------------------------------

    def save_own_variables(self, store) -> None:
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store) -> None:
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path: str) -> None:
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path: str) -> None:
        self._lookup_layer.load_assets(dir_path)

    def get_config(self) -> dict:
        lookup = self._lookup_layer
        return {
            **super().get_config(),
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize
            if isinstance(self._standardize, (str, type(None)))
            else serialize_keras_object(self._standardize),
            "split": self._split if isinstance(self._split, (str, type(None))) else serialize_keras_object(self._split),
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False,
            "ragged": self._ragged,
            "vocabulary": lookup.input_vocabulary,
            "idf_weights": lookup.input_idf_weights,
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        for key in ("standardize", "split"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize_keras_object(config[key])
        return cls(**config)


def _ngrams(tokens: list, widths: tuple) -> list:
    """`tf.strings.ngrams(tokens, widths, separator=" ")`: all ngrams of each width in turn (none when too short)."""
    out = []
    for n in widths:
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def _is_batch(data) -> bool:
    if isinstance(data, (list, tuple, np.ndarray, str, bytes)):
        return True
    return hasattr(data, "numpy") and hasattr(data, "dtype") and hasattr(data, "shape")  # a tf.Tensor


def _is_symbolic_tf(value) -> bool:
    module = type(value).__module__
    return module.startswith("tensorflow") and not hasattr(value, "numpy") and hasattr(value, "graph")


def _iterate(data):
    if hasattr(data, "__len__") and hasattr(data, "__getitem__") and not hasattr(data, "__iter__"):
        return (data[i] for i in range(len(data)))
    if hasattr(data, "__getitem__") and hasattr(data, "num_batches"):  # a PyDataset
        return (data[i] for i in range(len(data)))
    return iter(data)
