"""CategoryEncoding, and the one-hot / multi-hot / count encoding every categorical preprocessing layer shares."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import config
from kerasish.layers.layer import Layer

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def check_output_mode(layer: str, output_mode: str, allowed=OUTPUT_MODES) -> str:
    """Keras's spellings (`binary` is `multi_hot`, `tf-idf` is `tf_idf`), checked against `allowed`."""
    output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
    if output_mode not in allowed:
        raise ValueError(f"{layer}: output_mode must be one of {allowed}, got {output_mode!r}.")
    return output_mode


def check_not_sparse(layer: str, sparse: bool) -> None:
    if sparse:
        raise ValueError(
            f"{layer}: sparse=True needs the TensorFlow backend; kerasish outputs dense tensors (pass sparse=False)."
        )


def encode_categorical(
    ids: torch.Tensor, output_mode: str, depth: int, dtype=None, count_weights: torch.Tensor | None = None
) -> torch.Tensor:
    """Keras's `encode_categorical_inputs`: integer ids as one-hot, multi-hot or count vectors of size `depth`.

    Ids outside `[0, depth)` (a mask, or -1) add nothing. `one_hot` drops a trailing axis of size 1 first;
    `multi_hot` and `count` reduce the last axis (a 1-D input is one sample).

    Args:
        ids: integer tensor.
        output_mode: "int" (ids as they are), "one_hot", "multi_hot" or "count".
        depth: the size of the encoding axis.
        dtype: the output dtype (floatx by default).
        count_weights: for "count", a weight per id, summed instead of 1.
    """
    dtype = config.standardize_dtype(dtype)
    if output_mode == "int":
        return ids
    ids = ids.long()
    if ids.dim() == 0:
        ids = ids.reshape(1)
    valid = (ids >= 0) & (ids < depth)
    safe = torch.where(valid, ids, torch.zeros_like(ids))
    if output_mode == "one_hot":
        if ids.dim() > 1 and ids.shape[-1] == 1:
            safe, valid = safe.squeeze(-1), valid.squeeze(-1)
        return F.one_hot(safe, depth).to(dtype) * valid.unsqueeze(-1).to(dtype)
    if count_weights is not None:
        dtype = count_weights.dtype if count_weights.is_floating_point() else dtype
        values = count_weights.to(dtype) * valid.to(dtype)
    else:
        values = valid.to(dtype)
    out = torch.zeros(ids.shape[:-1] + (depth,), dtype=dtype, device=ids.device)
    if output_mode == "multi_hot":
        return out.scatter_reduce_(-1, safe, values, reduce="amax")
    return out.scatter_add_(-1, safe, values)


class CategoryEncoding(Layer):
    """Encodes integer ids in `[0, num_tokens)` as one-hot, multi-hot or count vectors.

    Args:
        num_tokens: the number of distinct ids (the size of the output's last axis).
        output_mode: "multi_hot" (default: which ids occur in each sample), "one_hot" (one id per sample) or
            "count" (how often each id occurs, weighted by `count_weights` when given to `call`).
        sparse: must be False (kerasish outputs dense tensors).

    Example:
        layer = CategoryEncoding(num_tokens=4, output_mode="multi_hot")
        layer(np.array([[0, 1], [3, 3]]))  # [[1, 1, 0, 0], [0, 0, 0, 1]]
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot", sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.output_mode = check_output_mode("CategoryEncoding", output_mode, ("count", "one_hot", "multi_hot"))
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: num_tokens must be set; use IntegerLookup when the number of tokens "
                "is not known beforehand."
            )
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding: num_tokens must be >= 1, got {num_tokens}.")
        check_not_sparse("CategoryEncoding", sparse)
        self.num_tokens, self.sparse = int(num_tokens), bool(sparse)

    def call(self, inputs, count_weights=None):
        dtype = config.standardize_dtype(self.compute_dtype)
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    f"CategoryEncoding: count_weights is only used when output_mode='count', got "
                    f"output_mode={self.output_mode!r}."
                )
            count_weights = torch.as_tensor(count_weights, dtype=dtype, device=inputs.device)
        return encode_categorical(inputs, self.output_mode, self.num_tokens, dtype, count_weights)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_tokens": self.num_tokens,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }
