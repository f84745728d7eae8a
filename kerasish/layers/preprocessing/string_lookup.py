"""StringLookup: strings to indices (Keras 3's layer), with strings carried as Fingerprint64 ids."""

from __future__ import annotations

import numpy as np
import torch

from kerasish.feature_column.fingerprint import fingerprint_strings
from kerasish.feature_column.structured_data import as_ids
from kerasish.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Maps strings to integer indices through a vocabulary: mask token (int mode) at 0, OOV indices next, then
    the vocabulary; or, with `invert=True`, indices back to strings.

    Strings reach the layer as numpy arrays (eager calls) or, inside a model, as the int64 Fingerprint64 ids that
    the data loader makes of `Input(dtype="string")` features; vocabulary membership is a binary search over the
    vocabulary's fingerprints, in torch. With several OOV indices a string's OOV index is
    `Fingerprint64(string) % num_oov_indices`, as TensorFlow's `to_hash_bucket_fast`. With a `salt`, kerasish
    uses its own keyed mix of the fingerprint (`keyed_fingerprint`): stable, but not TensorFlow's SipHash buckets.

    Args:
        max_tokens: the most indices, special tokens included (None: no limit).
        num_oov_indices: how many indices out-of-vocabulary strings hash into (0: they are an error).
        mask_token: a string meaning "padding" (index 0 in int mode, dropped in the other modes), or None.
        oov_token: the string that `invert` gives for OOV indices.
        vocabulary: strings, or a text file path with one string per line.
        idf_weights: with output_mode "tf_idf", one inverse document frequency per vocabulary entry.
        invert: map indices to strings instead (eager only: the output is a numpy array of strings).
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: make the encoded outputs `max_tokens` wide.
        sparse: must be False.
        encoding: the text encoding of the strings (UTF-8).
        salt: an integer or a pair, to salt the OOV hash.

    Example:
        layer = StringLookup(vocabulary=["a", "b", "c"])
        layer(np.array([["a", "c"], ["d", "b"]]))  # [[1, 3], [0, 2]]
    """

    _hashes_strings = True

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token: str = "[UNK]",
        vocabulary=None,
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        encoding: str = "utf-8",
        name=None,
        salt=None,
        **kwargs,
    ):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            oov_method=kwargs.pop("oov_method", "floormod"),
            salt=salt,
            name=name,
            **kwargs,
        )

    def _as_tokens(self, values) -> list:
        return [v.decode(self.encoding) if isinstance(v, bytes) else str(v) for v in np.asarray(values).reshape(-1)]

    def _as_token_array(self, array: np.ndarray) -> np.ndarray:
        if array.dtype.kind == "S":
            return np.char.decode(array, self.encoding)
        if array.dtype.kind != "U":
            return np.vectorize(lambda v: v.decode(self.encoding) if isinstance(v, bytes) else str(v), otypes=[str])(
                array
            )
        return array

    def _keys(self, tokens) -> np.ndarray:
        return fingerprint_strings(np.array(tokens, dtype=str))

    def _input_keys(self, inputs) -> torch.Tensor:
        keys = as_ids(inputs)
        if keys.is_floating_point():
            raise ValueError(
                f"StringLookup '{self.name}' expects strings (or their Fingerprint64 ids), got "
                f"floats (dtype {keys.dtype})."
            )
        return keys.long()

    def _hash(self, keys: torch.Tensor) -> torch.Tensor:
        return keys  # a string's key is its Fingerprint64

    def _invert(self, inputs):
        if isinstance(inputs, torch.Tensor) and inputs.device.type == "meta":
            raise ValueError(
                "StringLookup(invert=True) outputs strings, which torch tensors cannot hold: call it "
                "eagerly on the model's outputs instead of inside a model."
            )
        indices = np.asarray(inputs.cpu() if isinstance(inputs, torch.Tensor) else inputs, np.int64)
        table = np.array(self._inverse_tokens() + [self.oov_token], dtype=object)
        outside = (indices < 0) | (indices >= len(table) - 1)
        return table[np.where(outside, len(table) - 1, indices)].astype(str)

    def get_config(self) -> dict:
        return {**super().get_config(), "encoding": self.encoding}
