"""`tf.data.Dataset`s in `fit`/`evaluate`/`predict`, read as Keras 3's torch backend reads them.

TensorFlow is never imported here unless the caller passed a dataset (and so imported it already): recognising one
goes by the names of its classes.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from kerasish.trainers.data_adapters.array_data_adapter import (
    check_class_weight,
    class_weight_to_sample_weight,
    convert_batch,
)
from kerasish.trainers.data_adapters.data_adapter import (
    DataAdapter,
    pack_batch,
    pad_to,
    unpack_x_y_sample_weight,
)
from kerasish.utils import tree


def is_tf_dataset(x) -> bool:
    """Whether `x` is a `tf.data.Dataset` (any of its subclasses), told without importing TensorFlow."""
    return any(cls.__name__ == "DatasetV2" and cls.__module__.startswith("tensorflow.") for cls in type(x).__mro__)


class TFDatasetAdapter(DataAdapter):
    """Batches from a `tf.data.Dataset`, each leaf a CPU torch tensor sharing the TensorFlow tensor's memory.

    Numbers cross through DLPack without a copy (floats are then cast to floatx, as for arrays); strings become
    their Fingerprint64 ids in `x` and are refused in targets, as in arrays. Ragged and sparse tensors have no
    torch form that Keras's layers take, so they raise a `ValueError` saying how to make them dense.

    Args:
        dataset: a batched `tf.data.Dataset` yielding `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.
        class_weight: `{class: weight}`, turned into each batch's sample weights (single-output models).

    Under distributed training rank `r` of `w` reads `dataset.shard(w, r)`, whole batches, so the dataset must
    produce the same order on every rank: see `distribute`.
    """

    def __init__(self, dataset, class_weight=None):
        if class_weight is not None:
            check_class_weight(class_weight)
        cardinality = int(dataset.cardinality())
        self.infinite = cardinality == -1  # tf.data.INFINITE_CARDINALITY; -2 is UNKNOWN_CARDINALITY
        self._dataset = dataset
        self._class_weight = class_weight
        self.num_batches = cardinality if cardinality >= 0 else None
        self._total_batches = self.num_batches

    def distribute(self, rank: int, world_size: int, seed: int) -> None:
        """Makes this rank read every `world_size`-th batch from batch `rank` (`dataset.shard`), padded to the
        same count on every rank when the size is known.

        `shard` is applied to the whole pipeline, so each rank runs it all and keeps its part: the ranks only get
        disjoint parts if the pipeline yields the same order on each of them. A `shuffle` without a seed draws
        its order from the process's entropy, so such a pipeline is refused here; with `shuffle(..., seed=s)` (or
        `tf.random.set_seed(s)` before building the dataset) every rank reshuffles alike each epoch.
        """
        unseeded = _unseeded_shuffles(self._dataset)
        if unseeded:
            raise ValueError(
                f"Under distributed training each rank reads `dataset.shard({world_size}, rank)` of "
                f"the tf.data.Dataset, so the dataset must yield the same order on every rank; it "
                f"shuffles without a seed ({', '.join(unseeded)}), which orders each rank differently. "
                f"Pass a seed: `dataset.shuffle(buffer_size, seed=1337)`, or call "
                f"`tf.random.set_seed(1337)` before building the dataset."
            )
        super().distribute(rank, world_size, seed)
        if self._total_batches is not None:
            self.num_batches = math.ceil(self._total_batches / world_size)

    def get_epoch_iterator(self):
        dataset = self._dataset
        if self.shard is not None:
            rank, world = self.shard
            dataset = dataset.shard(world, rank)
        batches = (self._convert(batch) for batch in dataset)
        if self.shard is not None and self.num_batches is not None:
            batches = pad_to(batches, self.num_batches)
        return batches

    def _convert(self, batch) -> tuple:
        batch = convert_batch(tree.map_structure(_leaf_to_torch, batch))
        if self._class_weight is None:
            return batch
        x, y, sample_weight = unpack_x_y_sample_weight(batch)
        if sample_weight is not None:
            raise ValueError(
                "You cannot use `class_weight` and `sample_weight` at the same time: the "
                "tf.data.Dataset yields `(x, y, sample_weight)`."
            )
        return pack_batch(x, y, class_weight_to_sample_weight(y, self._class_weight))


def _leaf_to_torch(value):
    """A TensorFlow tensor as a CPU torch tensor (a numpy array for strings, which `convert_batch` hashes)."""
    kind = type(value).__name__
    if kind == "RaggedTensor":
        raise ValueError(
            f"The tf.data.Dataset yields a tf.RaggedTensor (shape {value.shape}, {value.dtype.name}); "
            f"the torch backend has no ragged tensors. Make the batches dense: batch with "
            f"`dataset.padded_batch(...)`, or map `lambda t: t.to_tensor()` over the ragged parts."
        )
    if kind == "SparseTensor":
        raise ValueError(
            f"The tf.data.Dataset yields a tf.SparseTensor (dense shape {value.shape}, "
            f"{value.dtype.name}); the torch backend's layers take dense tensors. Map "
            f"`tf.sparse.to_dense` over the sparse parts of the dataset."
        )
    if not hasattr(value, "__dlpack__") or value.dtype.name == "string":
        return np.asarray(value)
    return torch.from_dlpack(value)


def _unseeded_shuffles(dataset) -> list[str]:
    """The names of the shuffles in `dataset`'s pipeline that draw their order at random (seed and seed2 both 0:
    no op seed and no global seed when they were made). tf.data has no public view of a pipeline's stages: this
    walks the private `_inputs()` links and `_seed`/`_seed2` of its Python objects, and finds nothing where they
    are missing."""
    found, pending, seen = [], [dataset], set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        seeds = [getattr(node, name, None) for name in ("_seed", "_seed2")]
        if "Shuffle" in type(node).__name__ and all(s is not None and int(s) == 0 for s in seeds):
            found.append(type(node).__name__.lstrip("_"))
        inputs = getattr(node, "_inputs", None)
        pending.extend(inputs() if callable(inputs) else [])
    return found
