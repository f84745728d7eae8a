"""Dense views of categorical columns: embedding_column, shared_embeddings, indicator_column."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from kerasish import initializers
from kerasish.feature_column import host_ops
from kerasish.feature_column.base import CategoricalColumn, DenseColumn, FeatureCache, MultiHot, register

COMBINERS = ("mean", "sqrtn", "sum")


def combine_embeddings(
    table: torch.Tensor, ids: torch.Tensor, weights, combiner: str, max_norm=None, sparse: bool = False
) -> torch.Tensor:
    """TensorFlow's `safe_embedding_lookup_sparse` on padded ids: ids < 0 and weights <= 0 are dropped, a row with
    nothing left gives zeros, and `combiner` reduces each row's weighted embeddings.

    Args:
        table: `(num_buckets, dimension)`.
        ids: int64 `(batch, k)`, -1 where missing.
        weights: float `(batch, k)` or None (all 1).
        combiner: "sum", "mean" (divide by the weights' sum) or "sqrtn" (by the root of their squares' sum).
        max_norm: clip each looked-up embedding to this L2 norm (the table itself is not changed).
        sparse: let the table's gradient be a sparse tensor touching only the looked-up rows.
    """
    if max_norm is None and _numpy_ok(table, ids, weights):
        return torch.from_numpy(_combine_in_numpy(table.detach().numpy(), ids.numpy(), weights, combiner))
    valid = ids >= 0
    if weights is None:
        weights = valid.to(table.dtype)
    else:
        weights = torch.where(
            valid & (weights > 0), weights.to(table.dtype), torch.zeros((), dtype=table.dtype, device=table.device)
        )
    safe_ids = torch.where(valid, ids, torch.zeros_like(ids))
    # A gather then a weighted sum, not F.embedding_bag: on CPU embedding_bag splits every batch over torch's thread
    # pool, which on a busy machine stalls a small call for milliseconds; the gather stays on the calling thread
    # until the batch is large enough to pay for threads.
    vectors = F.embedding(safe_ids, table, sparse=sparse)
    if max_norm is not None:
        norms = vectors.norm(dim=-1, keepdim=True)
        vectors = vectors * torch.where(norms > max_norm, max_norm / norms.clamp(min=1e-30), torch.ones_like(norms))
    summed = vectors[:, 0] * weights[:, :1] if ids.shape[1] == 1 else (vectors * weights.unsqueeze(-1)).sum(1)
    if combiner == "sum":
        return summed
    scale = weights.sum(1, keepdim=True) if combiner == "mean" else weights.square().sum(1, keepdim=True).sqrt()
    return summed / torch.where(scale > 0, scale, torch.ones_like(scale))


def _numpy_ok(table: torch.Tensor, ids: torch.Tensor, weights) -> bool:
    """Whether the lookup may run in numpy: CPU tensors, and no gradient to the table (inference)."""
    return (
        host_ops.NUMPY_ON_CPU
        and table.device.type == "cpu"
        and ids.device.type == "cpu"
        and table.dtype in (torch.float32, torch.float64)
        and not (torch.is_grad_enabled() and table.requires_grad)
        and (weights is None or (weights.device.type == "cpu" and not weights.requires_grad))
    )


def _combine_in_numpy(table: np.ndarray, ids: np.ndarray, weights, combiner: str) -> np.ndarray:
    """`combine_embeddings` for inference on CPU, the same arithmetic in numpy: one thread, small per-op cost."""
    valid = ids >= 0
    if weights is None and ids.shape[1] == 1:
        # One id, weight 1: every combiner gives the id's vector (v * 1 / 1), or zeros where it is missing.
        vectors = np.take(table, np.where(valid[:, 0], ids[:, 0], 0), axis=0)
        vectors[~valid[:, 0]] = 0
        return vectors
    if weights is None:
        weights = valid.astype(table.dtype)
    else:
        weights = weights.numpy()
        weights = np.where(valid & (weights > 0), weights.astype(table.dtype), table.dtype.type(0))
    vectors = np.take(table, np.where(valid, ids, 0), axis=0)
    summed = vectors[:, 0] * weights[:, :1] if ids.shape[1] == 1 else (vectors * weights[:, :, None]).sum(1)
    if combiner == "sum":
        return summed
    scale = weights.sum(1, keepdims=True) if combiner == "mean" else np.sqrt(np.square(weights).sum(1, keepdims=True))
    return summed / np.where(scale > 0, scale, table.dtype.type(1))


def _check_embedding_args(column, dimension, combiner):
    if not isinstance(column, CategoricalColumn):
        raise ValueError(f"An embedding column needs a categorical column, got {column!r}.")
    if dimension is None or int(dimension) < 1:
        raise ValueError(f"Embedding of '{column.name}': dimension must be >= 1, got {dimension}.")
    if combiner not in COMBINERS:
        raise ValueError(f"Embedding of '{column.name}': combiner must be one of {COMBINERS}, got {combiner!r}.")


def _default_initializer(initializer, dimension):
    if initializer is None:
        return initializers.TruncatedNormal(mean=0.0, stddev=1 / math.sqrt(dimension))
    return initializers.get(initializer)


@register
class EmbeddingColumn(DenseColumn):
    """A categorical column as learned vectors (see `embedding_column`); the table lives in the layer."""

    def __init__(
        self,
        categorical_column: CategoricalColumn,
        dimension: int,
        combiner: str = "mean",
        initializer=None,
        max_norm=None,
        trainable: bool = True,
        sparse: bool = False,
    ):
        _check_embedding_args(categorical_column, dimension, combiner)
        self.categorical_column, self.dimension, self.combiner = categorical_column, int(dimension), combiner
        self.initializer = _default_initializer(initializer, self.dimension)
        self.max_norm = None if max_norm is None else float(max_norm)
        self.trainable, self.sparse = bool(trainable), bool(sparse)
        self.variable_size = self.dimension

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_embedding"

    @property
    def parents(self) -> list:
        return [self.categorical_column]

    @property
    def table_name(self) -> str:
        return f"{self.name}/embedding_weights"

    @property
    def table_shape(self) -> tuple:
        return (self.categorical_column.num_buckets, self.dimension)

    def dense_output(self, features: FeatureCache, layer) -> torch.Tensor:
        ids, weights = self.categorical_column.ids_and_weights(features)
        return combine_embeddings(layer.embedding_table(self), ids, weights, self.combiner, self.max_norm, self.sparse)

    def sequence_output(self, features: FeatureCache, layer) -> torch.Tensor:
        """One embedding per step `(batch, steps, dimension)`, zeros where the step is missing."""
        ids, _ = self.categorical_column.ids_and_weights(features)
        valid = ids >= 0
        vectors = F.embedding(
            torch.where(valid, ids, torch.zeros_like(ids)), layer.embedding_table(self), sparse=self.sparse
        )
        return vectors * valid.unsqueeze(-1)

    def get_config(self) -> dict:
        return {
            "categorical_column": self.categorical_column,
            "dimension": self.dimension,
            "combiner": self.combiner,
            "initializer": initializers.serialize(self.initializer),
            "max_norm": self.max_norm,
            "trainable": self.trainable,
            "sparse": self.sparse,
        }


@register
class SharedEmbeddingColumn(EmbeddingColumn):
    """One of several columns reading one table (see `shared_embeddings`)."""

    def __init__(
        self,
        categorical_column: CategoricalColumn,
        dimension: int,
        combiner: str = "mean",
        initializer=None,
        shared_embedding_collection_name: str | None = None,
        max_norm=None,
        trainable: bool = True,
        sparse: bool = False,
        num_buckets: int | None = None,
    ):
        super().__init__(categorical_column, dimension, combiner, initializer, max_norm, trainable, sparse)
        self.shared_embedding_collection_name = shared_embedding_collection_name
        self.num_buckets = int(num_buckets or categorical_column.num_buckets)

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_shared_embedding"

    @property
    def table_name(self) -> str:
        return self.shared_embedding_collection_name

    @property
    def table_shape(self) -> tuple:
        return (self.num_buckets, self.dimension)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "shared_embedding_collection_name": self.shared_embedding_collection_name,
            "num_buckets": self.num_buckets,
        }


@register
class IndicatorColumn(DenseColumn):
    """A categorical column as multi-hot counts (see `indicator_column`)."""

    def __init__(self, categorical_column: CategoricalColumn):
        if not isinstance(categorical_column, CategoricalColumn):
            raise ValueError(f"indicator_column needs a categorical column, got {categorical_column!r}.")
        self.categorical_column = categorical_column
        self.variable_size = categorical_column.num_buckets

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_indicator"

    @property
    def parents(self) -> list:
        return [self.categorical_column]

    def multi_hot(self, features: FeatureCache) -> MultiHot:
        """The output as ids, for `DenseFeatures` to write in place."""
        ids, weights = self.categorical_column.ids_and_weights(features)
        return MultiHot(ids, weights, self.variable_size)

    def dense_output(self, features: FeatureCache, layer=None) -> torch.Tensor:
        return self.multi_hot(features).dense()

    def sequence_output(self, features: FeatureCache, layer=None) -> torch.Tensor:
        """One-hot per step `(batch, steps, num_buckets)`, zeros where the step is missing."""
        ids, _ = self.categorical_column.ids_and_weights(features)
        valid = ids >= 0
        return F.one_hot(torch.where(valid, ids, torch.zeros_like(ids)), self.variable_size).float() * valid.unsqueeze(
            -1
        )

    def get_config(self) -> dict:
        return {"categorical_column": self.categorical_column}


def embedding_column(
    categorical_column: CategoricalColumn,
    dimension: int,
    combiner: str = "mean",
    initializer=None,
    ckpt_to_load_from=None,
    tensor_name_in_ckpt=None,
    max_norm=None,
    trainable: bool = True,
    use_safe_embedding_lookup: bool = True,
    sparse: bool = False,
) -> EmbeddingColumn:
    """Learned `dimension`-vectors for a categorical column, combined per example.

    Args:
        categorical_column: the ids to embed.
        dimension: the vector size.
        combiner: "mean" (default), "sqrtn" or "sum", over an example's (weighted) ids.
        initializer: the table's initializer; default truncated normal, mean 0, stddev `1 / sqrt(dimension)`.
        ckpt_to_load_from, tensor_name_in_ckpt: TensorFlow checkpoint warm-starting, not supported (must be None).
        max_norm: clip each looked-up vector to this L2 norm.
        trainable: whether the table is trained.
        use_safe_embedding_lookup: accepted for TensorFlow parity (lookups are always safe here).
        sparse: kerasish extension: the table's gradient is a sparse tensor over the looked-up rows only, for
            tables of millions of hash buckets; train it with an optimizer that takes sparse gradients.

    Example:
        user = embedding_column(categorical_column_with_hash_bucket("user", 1_000_000), 16, sparse=True)
    """
    if ckpt_to_load_from is not None or tensor_name_in_ckpt is not None:
        raise ValueError(
            "embedding_column: warm-starting from a TensorFlow checkpoint is not supported; load the "
            "table with layer.set_weights() instead."
        )
    return EmbeddingColumn(categorical_column, dimension, combiner, initializer, max_norm, trainable, sparse)


def shared_embeddings(
    categorical_columns,
    dimension: int,
    combiner: str = "mean",
    initializer=None,
    shared_embedding_collection_name: str | None = None,
    ckpt_to_load_from=None,
    tensor_name_in_ckpt=None,
    max_norm=None,
    trainable: bool = True,
    use_safe_embedding_lookup: bool = True,
    sparse: bool = False,
) -> list:
    """Embedding columns for several categorical columns of equal `num_buckets`, reading one table.

    Returns:
        A list of columns, in the order of `categorical_columns`.
    """
    columns = list(categorical_columns)
    if not columns:
        raise ValueError("shared_embeddings needs at least one categorical column.")
    sizes = {c.num_buckets for c in columns if isinstance(c, CategoricalColumn)}
    if len(sizes) > 1:
        raise ValueError(
            f"shared_embeddings: all columns need the same num_buckets, got "
            f"{[(c.name, c.num_buckets) for c in columns]}."
        )
    if ckpt_to_load_from is not None or tensor_name_in_ckpt is not None:
        raise ValueError("shared_embeddings: warm-starting from a TensorFlow checkpoint is not supported.")
    name = shared_embedding_collection_name or "_".join(sorted(c.name for c in columns)) + "_shared_embedding"
    initializer = _default_initializer(initializer, int(dimension))
    return [
        SharedEmbeddingColumn(c, dimension, combiner, initializer, name, max_norm, trainable, sparse) for c in columns
    ]


def indicator_column(categorical_column: CategoricalColumn) -> IndicatorColumn:
    """Multi-hot `(batch, num_buckets)`: each id's count in the example (its summed weight for weighted columns)."""
    return IndicatorColumn(categorical_column)
