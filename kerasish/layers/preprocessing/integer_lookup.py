"""IntegerLookup: integer tokens to indices (Keras 3's layer), in torch."""

from __future__ import annotations

import numpy as np
import torch

from kerasish.feature_column.fingerprint import fingerprint_integers
from kerasish.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Maps integer tokens to indices through a vocabulary: mask token (int mode) at 0, OOV indices next, then the
    vocabulary; or, with `invert=True`, indices back to tokens.

    With several OOV indices an unknown token's OOV index is `token mod num_oov_indices` (`oov_method="floormod"`,
    the default) or `Fingerprint64(str(token)) % num_oov_indices` (`"farmhash"`, as TensorFlow's
    `to_hash_bucket_fast`; with a `salt` kerasish's keyed mix of it, not TensorFlow's SipHash).

    Args:
        max_tokens: the most indices, special tokens included (None: no limit).
        num_oov_indices: how many indices out-of-vocabulary tokens go to (0: they are an error).
        mask_token: a token meaning "padding" (index 0 in int mode, dropped in the other modes), or None.
        oov_token: the token that `invert` gives for OOV indices.
        vocabulary: integers, or a text file path with one per line.
        vocabulary_dtype: "int64".
        idf_weights: with output_mode "tf_idf", one inverse document frequency per vocabulary entry.
        invert: map indices to tokens instead.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        sparse: must be False.
        pad_to_max_tokens: make the encoded outputs `max_tokens` wide.
        oov_method: "floormod" or "farmhash".
        salt: an integer or a pair, to salt the "farmhash" OOV hash.

    Example:
        layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        layer(np.array([[12, 1138], [42, 1000]]))  # [[1, 3], [4, 0]]
    """

    _hashes_strings = False

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token: int = -1,
        vocabulary=None,
        vocabulary_dtype: str = "int64",
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        salt=None,
        name=None,
        **kwargs,
    ):
        if vocabulary_dtype != "int64":
            raise ValueError(f"IntegerLookup: vocabulary_dtype must be 'int64', got {vocabulary_dtype!r}.")
        if salt is not None and oov_method != "farmhash":
            raise ValueError(f"IntegerLookup: salt needs oov_method='farmhash', got oov_method={oov_method!r}.")
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=None if mask_token is None else int(mask_token),
            oov_token=None if oov_token is None else int(oov_token),
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            oov_method=oov_method,
            salt=salt,
            name=name,
            **kwargs,
        )

    def _as_tokens(self, values) -> list:
        array = np.asarray(values).reshape(-1)
        if array.dtype.kind not in "iu" and not (array.dtype.kind == "U" and array.size):
            raise ValueError(f"IntegerLookup: the vocabulary must hold integers, got dtype {array.dtype}.")
        return [int(v) for v in array]

    def _as_token_array(self, array: np.ndarray) -> np.ndarray:
        if array.dtype.kind not in "iub":
            raise ValueError(f"IntegerLookup.adapt expects integers, got dtype {array.dtype}.")
        return array.astype(np.int64)

    def _keys(self, tokens) -> np.ndarray:
        return np.asarray(tokens, np.int64)

    def _input_keys(self, inputs) -> torch.Tensor:
        keys = torch.as_tensor(np.asarray(inputs)) if not isinstance(inputs, torch.Tensor) else inputs
        if keys.is_floating_point() or keys.dtype == torch.bool:
            raise ValueError(f"IntegerLookup '{self.name}' expects integers, got dtype {keys.dtype}.")
        return keys.long()

    def _hash(self, keys: torch.Tensor) -> torch.Tensor:
        return fingerprint_integers(keys)

    def _invert(self, inputs):
        indices = self._input_keys(inputs)
        if self._inverse is None or self._inverse.device != indices.device:
            self._inverse = torch.tensor(self._inverse_tokens() + [self.oov_token], device=indices.device)
        last = self._inverse.numel() - 1
        return self._inverse[torch.where((indices < 0) | (indices >= last), torch.full_like(indices, last), indices)]

    def get_config(self) -> dict:
        config = super().get_config()
        return {**config, "vocabulary_dtype": self.vocabulary_dtype}
