"""HashedCrossing: hashed feature crosses (Keras 3's layer, TensorFlow's `sparse.cross_hashed` bins)."""

from __future__ import annotations

import torch

from kerasish import config
from kerasish.feature_column.crossed import DEFAULT_HASH_KEY
from kerasish.feature_column.fingerprint import fingerprint_cat64, unsigned_mod
from kerasish.feature_column.structured_data import as_ids
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing.category_encoding import check_not_sparse, check_output_mode, encode_categorical


class HashedCrossing(Layer):
    """Crosses two or more categorical features into `num_bins` bins, with TensorFlow's function: FingerprintCat64
    chained from 0xDECAFCAFFE over each value (a string as its Fingerprint64, an integer as itself).

    Args:
        num_bins: the number of bins.
        output_mode: "int" or "one_hot".
        sparse: must be False.

    Example:
        layer = HashedCrossing(num_bins=5)
        layer((np.array([["A"], ["B"]]), np.array([[1], [2]])))
    """

    def __init__(self, num_bins: int, output_mode: str = "int", sparse: bool = False, name=None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.output_mode = check_output_mode("HashedCrossing", output_mode, ("int", "one_hot"))
        check_not_sparse("HashedCrossing", sparse)
        self.num_bins, self.sparse = int(num_bins), bool(sparse)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(
                f"HashedCrossing should be called on a list or tuple of at least two inputs, got "
                f"{type(inputs).__name__}."
            )
        values = [as_ids(x) for x in inputs]
        shape = tuple(values[0].shape)
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"HashedCrossing inputs should have shape (), (batch,) or (batch, 1), got {shape}.")
        if any(tuple(v.shape) != shape for v in values[1:]):
            raise ValueError(f"HashedCrossing inputs should have equal shapes, got {[tuple(v.shape) for v in values]}.")
        hashed = torch.full(shape, DEFAULT_HASH_KEY, dtype=torch.int64, device=values[0].device)
        for value in values:
            if value.is_floating_point():
                raise ValueError(f"HashedCrossing takes strings or integers, got dtype {value.dtype}.")
            hashed = fingerprint_cat64(hashed, value.long())
        ids = unsigned_mod(hashed, self.num_bins)
        if self.output_mode == "int":
            return ids
        return encode_categorical(ids, "one_hot", self.num_bins, config.standardize_dtype(self.compute_dtype))

    def get_config(self) -> dict:
        return {
            "num_bins": self.num_bins,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self._dtype_policy.name,
        }
