"""`utils.warmstart_embedding_matrix` (tf.keras 2): an embedding table remapped to a new vocabulary."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

from kerasish import initializers


def _vocabulary_list(vocabulary: Any) -> list:
    if isinstance(vocabulary, torch.Tensor):
        terms = vocabulary.tolist()
    elif isinstance(vocabulary, (np.ndarray, tuple, list)):
        terms = list(vocabulary)
    elif isinstance(vocabulary, (str, os.PathLike)):
        if not os.path.exists(vocabulary):
            raise ValueError(f"Vocabulary file {vocabulary} does not exist.")
        with open(vocabulary, encoding="utf-8") as f:
            terms = f.read().splitlines()
    else:
        raise ValueError(
            "Vocabulary is expected to be either a NumPy array, list, 1D tensor or a vocabulary text file. Instead "
            f"type {type(vocabulary)} was received."
        )
    if not terms:
        raise ValueError(
            "Vocabulary is expected to be either a NumPy array, list, 1D tensor or a vocabulary text file with at "
            "least one token. Received 0 instead."
        )
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in terms]


def warmstart_embedding_matrix(
    base_vocabulary: Any, new_vocabulary: Any, base_embeddings: Any, new_embeddings_initializer: Any = "uniform"
) -> torch.Tensor:
    """An embedding matrix for `new_vocabulary` that keeps the rows `base_embeddings` has for the terms both
    vocabularies share, as tf.keras 2's `keras.utils.warmstart_embedding_matrix`.

    Rows of terms new to the vocabulary come from `new_embeddings_initializer`; each term found in
    `base_vocabulary` takes its row from `base_embeddings` (a term repeated in the new vocabulary takes it at every
    place).

    Args:
        base_vocabulary: the terms `base_embeddings` has rows for: a list, array or 1-D tensor, or a text file
            with one term per line.
        new_vocabulary: the terms of the new vocabulary, in the same forms.
        base_embeddings: the existing `(len(base_vocabulary), dim)` matrix.
        new_embeddings_initializer: the initializer of the new rows (name, config or instance; `"uniform"` by
            default, as tf.keras's None meant).

    Returns:
        The `(len(new_vocabulary), dim)` matrix, a tensor on `base_embeddings`'s device and in its dtype.

    Example:
        old_table = model.get_layer("embedding").get_weights()[0]
        matrix = keras.utils.warmstart_embedding_matrix(old_vocab, new_vocab, old_table)
    """
    base_terms = _vocabulary_list(base_vocabulary)
    new_terms = _vocabulary_list(new_vocabulary)
    base = (
        base_embeddings if isinstance(base_embeddings, torch.Tensor) else torch.as_tensor(np.asarray(base_embeddings))
    )
    if base.dim() != 2 or base.shape[0] != len(base_terms):
        raise ValueError(
            f"warmstart_embedding_matrix: `base_embeddings` must have one row per term of `base_vocabulary` "
            f"({len(base_terms)}); received shape {tuple(base.shape)}."
        )
    initializer = initializers.get(new_embeddings_initializer or "uniform")
    matrix = torch.as_tensor(initializer((len(new_terms), base.shape[1]), dtype=str(base.dtype).replace("torch.", "")))
    matrix = matrix.to(device=base.device, dtype=base.dtype).clone()
    base_index = {term: i for i, term in enumerate(base_terms)}
    pairs = [(i, base_index[term]) for i, term in enumerate(new_terms) if term in base_index]
    if pairs:
        new_rows, base_rows = (torch.tensor(side, device=base.device) for side in zip(*pairs))
        matrix[new_rows] = base[base_rows]
    return matrix
