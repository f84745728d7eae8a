"""grain's `MapDataset`, `IterDataset` and `DataLoader` in `fit`/`evaluate`/`predict`, as Keras 3 reads them.

grain is never imported here: a grain dataset is recognised by the names of its classes, and read through its own
iteration (which runs its prefetch threads or worker processes).
"""

from __future__ import annotations

import itertools
import sys

from kerasish.trainers.data_adapters.array_data_adapter import convert_batch
from kerasish.trainers.data_adapters.data_adapter import DataAdapter, pad_to

_KINDS = ("MapDataset", "IterDataset", "DataLoader")


def grain_kind(x) -> str | None:
    """ "MapDataset", "IterDataset" or "DataLoader" for a grain dataset or loader (any subclass), else None."""
    for cls in type(x).__mro__:
        if cls.__name__ in _KINDS and cls.__module__.startswith("grain."):
            return cls.__name__
    return None


def is_grain_dataset(x) -> bool:
    return grain_kind(x) is not None


class GrainDatasetAdapter(DataAdapter):
    """Batches from a grain `MapDataset`, `IterDataset` or `DataLoader` (already batched, e.g. with `.batch(32)` or
    a `grain.transforms.Batch` operation), each leaf a torch tensor sharing the numpy array's memory.

    Each epoch is a new pass (`iter(dataset)`). A `MapDataset` knows its batch count, and one made with `.repeat()`
    is known to be endless; so is a `DataLoader` whose sampler has `num_epochs=None` (grain's default). Endless
    data needs `steps_per_epoch`, as a repeated tf.data.Dataset does.

    Under distributed training rank `r` of `w` reads batches `r, r + w, ...`: a `MapDataset` is sliced
    (`dataset.slice(slice(r, None, w))`, so a rank computes only its own batches, padded to the same count on
    every rank); an `IterDataset` or `DataLoader` is read whole on every rank, which keeps every `w`-th batch.
    grain's shuffles take a seed, so every rank sees the same order.
    """

    def __init__(self, dataset):
        self._dataset = dataset
        self._kind = grain_kind(dataset)
        if self._kind == "MapDataset":
            length = len(dataset)
            self.infinite = length >= sys.maxsize  # what grain's `repeat()` without a count reports
            self.num_batches = None if self.infinite else length
        else:
            # grain keeps a DataLoader's sampler private; its `num_epochs=None` (the default) repeats forever.
            sampler = getattr(dataset, "_sampler", None)
            self.infinite = self._kind == "DataLoader" and getattr(sampler, "_num_epochs", 1) is None

    def distribute(self, rank: int, world_size: int, seed: int) -> None:
        super().distribute(rank, world_size, seed)
        if self.num_batches is not None:
            self.num_batches = -(-self.num_batches // world_size)

    def get_epoch_iterator(self):
        batches = self._dataset
        if self.shard is not None:
            rank, world = self.shard
            if self._kind == "MapDataset":
                batches = batches.slice(slice(rank, None, world))
            else:
                batches = itertools.islice(batches, rank, None, world)
        batches = map(convert_batch, batches)
        if self.shard is not None and self.num_batches is not None:
            batches = pad_to(batches, self.num_batches)
        return batches
