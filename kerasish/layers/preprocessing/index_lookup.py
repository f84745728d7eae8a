"""IndexLookup: what StringLookup and IntegerLookup share, Keras 3's vocabulary lookup on int64 keys in torch.

A key is an integer token itself, or a string's Fingerprint64 (strings never reach torch, see
`feature_column/fingerprint.py`). Lookups are binary searches over the vocabulary's sorted keys, on any device.
Indices follow Keras: the mask token (int mode only) at 0, then `num_oov_indices` OOV indices, then the vocabulary.
"""

from __future__ import annotations

import collections

import numpy as np
import torch

from kerasish import config
from kerasish.feature_column.categorical import VocabularyTable
from kerasish.feature_column.fingerprint import keyed_fingerprint, unsigned_mod
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing.category_encoding import check_not_sparse, check_output_mode, encode_categorical

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(Layer):
    """Maps tokens to indices through a vocabulary, set directly or learnt by `adapt`; see StringLookup.

    Subclasses define `_keys(tokens) -> int64 numpy keys`, `_input_keys(inputs) -> int64 tensor`,
    `_hash(keys) -> uint64 bits as int64 tensor` (for OOV buckets) and `_as_tokens(array)`.
    """

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token=None,
        vocabulary=None,
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        salt=None,
        **kwargs,
    ):
        name = type(self).__name__
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        super().__init__(**kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{name}: max_tokens must be greater than 1 if set, got {max_tokens}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{name}: pad_to_max_tokens=True needs max_tokens.")
        if num_oov_indices < 0:
            raise ValueError(f"{name}: num_oov_indices must be >= 0, got {num_oov_indices}.")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{name}: oov_method must be 'floormod' or 'farmhash', got {oov_method!r}.")
        output_mode = check_output_mode(name, output_mode, _OUTPUT_MODES)
        if invert and output_mode != "int":
            raise ValueError(f"{name}: invert=True needs output_mode='int', got {output_mode!r}.")
        check_not_sparse(name, sparse)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{name}: idf_weights is only used with output_mode='tf_idf', got {output_mode!r}.")
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(f"{name}: with a `vocabulary` and output_mode='tf_idf', pass `idf_weights` too.")
        if salt is not None:
            if isinstance(salt, int):
                salt = [salt, salt]
            elif not (isinstance(salt, (list, tuple)) and len(salt) == 2):
                raise ValueError(f"{name}: salt must be an integer or a pair of integers, got {salt!r}.")
            salt = [int(s) for s in salt]
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode, self.sparse = bool(invert), output_mode, bool(sparse)
        self.pad_to_max_tokens, self.oov_method, self.salt = bool(pad_to_max_tokens), oov_method, salt
        self.input_vocabulary = None if vocabulary is None else self._as_tokens(vocabulary)
        self.input_idf_weights = None if idf_weights is None else [float(w) for w in np.asarray(idf_weights)]
        self.tokens: list | None = None  # the vocabulary, without mask and OOV tokens
        self.idf_weights: torch.Tensor | None = None  # one weight per output index (tf_idf)
        self._table = self._inverse = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- vocabulary ----------------------------------------------------------------------------------------

    @property
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    @property
    def _token_start(self) -> int:
        return self._oov_start + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The number of indices: the vocabulary plus the mask (int mode) and OOV indices."""
        return len(self.tokens or []) + self._token_start

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The token of each index (with `include_special_tokens`, index i is the token that maps to i)."""
        tokens = list(self.tokens or [])
        if not include_special_tokens:
            return tokens
        return [self.mask_token] * self._oov_start + [self.oov_token] * self.num_oov_indices + tokens

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Sets the vocabulary (and, for tf_idf, one idf weight per token), as Keras's `set_vocabulary`.

        Args:
            vocabulary: tokens, or the path of a text file with one token per line. It may start with the special
                tokens (mask, then OOV), which are then skipped.
            idf_weights: for output_mode "tf_idf": inverse document frequencies, one per vocabulary entry.
        """
        name = type(self).__name__
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{name}: idf_weights must be set when output_mode='tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{name}: idf_weights is only used with output_mode='tf_idf', got {self.output_mode!r}.")
        if isinstance(vocabulary, str):
            if self.output_mode == "tf_idf":
                raise ValueError(f"{name}: output_mode='tf_idf' cannot read its vocabulary from a file.")
            try:
                with open(vocabulary, encoding="utf-8") as f:
                    vocabulary = [line.rstrip("\r\n") for line in f]
            except OSError as error:
                raise ValueError(f"{name}: cannot read the vocabulary file: {error}.") from error
        vocabulary = self._as_tokens(vocabulary)
        if not vocabulary:
            raise ValueError(f"{name}: cannot set an empty vocabulary.")
        special = [self.mask_token] * self._oov_start + [self.oov_token] * self.num_oov_indices
        has_special = vocabulary[: len(special)] == special
        tokens = vocabulary[len(special) :] if has_special else vocabulary
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"{name}: the vocabulary repeats {repeated}; each token must appear once.")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"{name}: the mask token {self.mask_token!r} is in the vocabulary; leave it out, or "
                f"put the special tokens first in this order: {special}."
            )
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError(
                f"{name}: the OOV token {self.oov_token!r} is in the vocabulary; leave it out, or put "
                f"the special tokens first in this order: {special}."
            )
        size = len(special) + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                f"{name}: the vocabulary has {size} entries with the special tokens, more than "
                f"max_tokens={self.max_tokens}."
            )
        self.tokens = tokens
        self._table = VocabularyTable(self._keys(tokens))
        self._inverse = None
        if idf_weights is not None:
            weights = np.asarray(idf_weights, np.float32)
            if weights.ndim != 1 or len(weights) != len(vocabulary):
                raise ValueError(
                    f"{name}: idf_weights must be 1-D with one weight per vocabulary entry "
                    f"({len(vocabulary)}), got shape {weights.shape}."
                )
            front = 0 if has_special else self._token_start
            back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
            weights = np.concatenate(
                [np.full(front, np.mean(weights, dtype=np.float64), np.float32), weights, np.zeros(back, np.float32)]
            )
            self.idf_weights = torch.from_numpy(weights).to(config.standardize_dtype(None))

    def adapt(self, data, steps: int | None = None) -> None:
        """Learns the vocabulary from `data`: tokens by descending count, ties by descending token, at most
        `max_tokens` entries with the special tokens; for tf_idf also each token's document frequency.

        Args:
            data: an array (or list) of tokens, each row a document (a 1-D array is one token per document), or
                an iterable of such batches.
            steps: how many batches of an iterable to read (all by default).
        """
        if self.input_vocabulary is not None:
            raise ValueError(f"Cannot adapt {type(self).__name__} '{self.name}': it was given a vocabulary.")
        if isinstance(data, (np.ndarray, list, tuple, torch.Tensor)):
            batches = [data]
        else:
            batches = data
        counts, documents, num_documents = [], [], 0
        for step, batch in enumerate(batches):
            if steps is not None and step >= steps:
                break
            array = np.asarray(batch.cpu() if isinstance(batch, torch.Tensor) else batch)
            array = self._as_token_array(array.reshape(-1, 1) if array.ndim <= 1 else array.reshape(len(array), -1))
            tokens, count = np.unique(array, return_counts=True)
            counts.append((tokens, count))
            if self.output_mode == "tf_idf":  # a token counts once per document (row)
                distinct, inverse = np.unique(array, return_inverse=True)
                rows = inverse.reshape(array.shape) + np.arange(len(array))[:, None] * len(distinct)
                in_docs = np.bincount(np.unique(rows) % len(distinct), minlength=len(distinct))
                documents.append((distinct, in_docs))
                num_documents += len(array)
        tokens, count = _merge_counts(counts)
        drop = [t for t in (self.mask_token, self.oov_token) if t is not None]
        keep = ~np.isin(tokens, np.asarray(drop, dtype=tokens.dtype)) if drop and len(tokens) else slice(None)
        tokens, count = tokens[keep], count[keep]
        order = np.lexsort((tokens, count))[::-1]
        if self.max_tokens:
            order = order[: self.max_tokens - self._token_start]
        tokens = tokens[order]
        idf = None
        if self.output_mode == "tf_idf":
            doc_tokens, doc_count = _merge_counts(documents)
            in_docs = doc_count[np.searchsorted(doc_tokens, tokens)] if len(tokens) else doc_count[:0]
            idf = np.log(1 + num_documents / (1 + in_docs)).astype(np.float32)
        if len(tokens):
            self.set_vocabulary(tokens.tolist(), idf)

    # ---- lookup --------------------------------------------------------------------------------------------

    def call(self, inputs):
        if self.tokens is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' has no vocabulary: pass `vocabulary` or call `adapt()` first."
            )
        if self.invert:
            return self._invert(inputs)
        keys = self._input_keys(inputs)
        positions = self._table.lookup(keys)
        found = positions >= 0
        if self.num_oov_indices == 0:
            if keys.device.type != "meta" and bool((~found & ~self._is_mask(keys)).any()):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': with num_oov_indices=0 every input must be "
                    f"in the vocabulary; found out-of-vocabulary values (use num_oov_indices=1)."
                )
            oov = torch.full_like(keys, -1)
        elif self.num_oov_indices == 1:
            oov = torch.full_like(keys, self._oov_start)
        else:
            oov = self._oov_start + self._oov_bucket(keys)
        ids = torch.where(found, positions + self._token_start, oov)
        if self.mask_token is not None:
            ids = torch.where(self._is_mask(keys), torch.full_like(ids, 0 if self.output_mode == "int" else -1), ids)
        if self.output_mode == "int":
            return ids
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categorical(ids, mode, depth, config.standardize_dtype(self.compute_dtype))
        if self.output_mode == "tf_idf":
            out = out * self.idf_weights.to(device=out.device, dtype=out.dtype)
        return out

    def _is_mask(self, keys: torch.Tensor) -> torch.Tensor:
        if self.mask_token is None:
            return torch.zeros_like(keys, dtype=torch.bool)
        return keys == int(self._keys([self.mask_token])[0])

    def _oov_bucket(self, keys: torch.Tensor) -> torch.Tensor:
        """Keras's OOV index: `floormod` of integers, else Fingerprint64 of the token (salted if `salt`)."""
        if self.oov_method == "floormod" and not self._hashes_strings:
            return torch.remainder(keys, self.num_oov_indices)
        hashed = self._hash(keys)
        if self.salt is not None:
            hashed = keyed_fingerprint(hashed, self.salt)
        return unsigned_mod(hashed, self.num_oov_indices)

    def _invert(self, inputs):
        raise ValueError(f"{type(self).__name__} does not support invert=True.")

    def _inverse_tokens(self) -> list:
        """The token of every index, for invert: OOV token where no token maps there, the mask token at 0."""
        tokens = [self.oov_token] * self._token_start + list(self.tokens)
        if self.mask_token is not None:
            tokens[0] = self.mask_token
        return tokens

    def get_config(self) -> dict:
        learned = self.input_vocabulary is None and self.tokens is not None
        vocabulary = self.input_vocabulary if not learned else list(self.tokens)
        idf = self.input_idf_weights
        if learned and self.idf_weights is not None:
            # kerasish keeps an adapted vocabulary in the config (Keras 3 writes it to the archive's assets).
            idf = self.idf_weights[self._token_start : self.vocabulary_size()].tolist()
        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "idf_weights": idf,
            "vocabulary": vocabulary,
            "vocabulary_size": self.vocabulary_size() if self.tokens is not None else None,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }


def _merge_counts(parts: list) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct tokens and their summed counts over `(tokens, counts)` pairs."""
    if not parts:
        return np.array([]), np.array([], np.int64)
    tokens = np.concatenate([t for t, _ in parts])
    counts = np.concatenate([c for _, c in parts])
    distinct, inverse = np.unique(tokens, return_inverse=True)
    return distinct, np.bincount(inverse.reshape(-1), weights=counts, minlength=len(distinct)).astype(np.int64)
