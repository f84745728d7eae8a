"""Hashing: values to stable hash bins (Keras 3's layer, TensorFlow's FarmHash bins)."""

from __future__ import annotations

import numpy as np
import torch

from kerasish import config
from kerasish.feature_column.fingerprint import (
    fingerprint_integers,
    fingerprint_strings,
    keyed_fingerprint,
    unsigned_mod,
)
from kerasish.feature_column.structured_data import as_ids, holds_text
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing.category_encoding import check_not_sparse, check_output_mode, encode_categorical
from kerasish.layers.preprocessing.siphash import siphash_strings


class Hashing(Layer):
    """Hashes strings or integers into `num_bins` bins: `Fingerprint64(str(value)) % num_bins`, TensorFlow's
    `to_hash_bucket_fast`, so bins match Keras's and stay the same across processes and machines.

    Strings arrive as numpy arrays or as the Fingerprint64 ids the data loader makes of `Input(dtype="string")`
    features; an integer input is hashed as its decimal string; floats are cast to int64 first, as Keras does.
    With `salt`, Keras uses TensorFlow's SipHash-2-4 of the string's bytes keyed by the salt
    (`to_hash_bucket_strong`); kerasish computes the same (`siphash.py`) for strings and integers. Only a string
    that already became a Fingerprint64 id (a `dtype="string"` Input inside `fit`) has lost its bytes: those are
    hashed with kerasish's own keyed mix of the fingerprint (`keyed_fingerprint`), stable but not Keras's bins.

    Args:
        num_bins: the number of bins, the mask bin included.
        mask_value: a value that goes to bin 0 (the others to `1 + hash % (num_bins - 1)`), or None.
        salt: an integer or a pair of integers to key the hash.
        output_mode: "int", "one_hot", "multi_hot" or "count".
        sparse: must be False.

    Example:
        layer = Hashing(num_bins=3)
        layer(np.array([["A"], ["B"], ["C"]]))
    """

    def __init__(
        self, num_bins: int, mask_value=None, salt=None, output_mode: str = "int", sparse: bool = False, **kwargs
    ):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else config.floatx()
        super().__init__(**kwargs)
        self._ids_are_text = False
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"Hashing: num_bins must be a positive integer, got {num_bins}.")
        self.output_mode = check_output_mode("Hashing", output_mode)
        check_not_sparse("Hashing", sparse)
        if salt is not None:
            if isinstance(salt, int):
                salt = [salt, salt]
            elif not (isinstance(salt, (list, tuple)) and len(salt) == 2):
                raise ValueError(f"Hashing: salt must be an integer or a pair of integers, got {salt!r}.")
            salt = [int(s) for s in salt]
        self.num_bins, self.mask_value, self.salt, self.sparse = int(num_bins), mask_value, salt, bool(sparse)

    def __call__(self, inputs, *args, **kwargs):
        # In a graph, a string Input arrives as Fingerprint64 ids (int64): they must be binned as the strings they
        # stand for, not hashed again as integers. The Input's KerasTensor says which it is.
        if getattr(inputs, "holds_strings", False):
            self._ids_are_text = True
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        if self.salt is not None and (holds_text(inputs) or not self._ids_are_text):
            return self._salted(inputs)
        is_text = self._ids_are_text or holds_text(inputs) or isinstance(self.mask_value, str)
        values = as_ids(inputs)
        if values.is_floating_point():
            values = values.long()
        bins = self.num_bins - 1 if self.mask_value is not None and self.num_bins > 1 else self.num_bins
        hashed = values if is_text else fingerprint_integers(values)
        if self.salt is not None:
            hashed = keyed_fingerprint(hashed, self.salt)
        ids = unsigned_mod(hashed, bins)
        if bins != self.num_bins:
            mask = int(fingerprint_strings([self.mask_value])[0]) if is_text else int(self.mask_value)
            ids = torch.where(values == mask, torch.zeros_like(ids), ids + 1)
        if self.output_mode == "int":
            return ids
        return encode_categorical(ids, self.output_mode, self.num_bins, config.standardize_dtype(self.compute_dtype))

    def _salted(self, inputs):
        """Keras's salted bins: SipHash-2-4 keyed by the salt of each value's string (integers as decimals)."""
        device = inputs.device if isinstance(inputs, torch.Tensor) else None
        array = inputs.cpu().numpy() if isinstance(inputs, torch.Tensor) else np.asarray(inputs)
        if array.dtype.kind not in "OUS":
            array = array.astype(np.int64).astype(str)
        bins = self.num_bins - 1 if self.mask_value is not None and self.num_bins > 1 else self.num_bins
        ids = (siphash_strings(array, self.salt) % np.uint64(bins)).astype(np.int64)
        if bins != self.num_bins:
            mask = str(self.mask_value)
            masked = (array == mask) | (array == mask.encode()) if array.dtype.kind == "O" else array == mask
            if array.dtype.kind == "S":
                masked = array == mask.encode()
            ids = np.where(masked, 0, ids + 1)
        ids = torch.from_numpy(ids).to(device) if device is not None else torch.from_numpy(ids)
        if self.output_mode == "int":
            return ids
        return encode_categorical(ids, self.output_mode, self.num_bins, config.standardize_dtype(self.compute_dtype))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }
