"""The one interface every kind of training data is read through."""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import torch


class DataAdapter:
    """Yields an epoch's batches as `(x,)`, `(x, y)` or `(x, y, sample_weight)` tuples of CPU torch tensors (or
    structures of them), as Keras hands them to `train_step`.

    Attributes:
        num_batches: batches per epoch, or None when unknown (e.g. a Python generator).
        can_restart: whether a new epoch iterator can be made after one is exhausted.
    """

    num_batches: int | None = None
    infinite: bool = False  # known to never end (a repeated tf.data or grain dataset): needs a step count
    can_restart: bool = True
    shard: tuple[int, int] | None = None  # (rank, world_size) under distributed training: this rank's part only
    generator: torch.Generator | None = None  # the shuffling generator, seeded alike on every rank

    def distribute(self, rank: int, world_size: int, seed: int) -> None:
        """Makes this adapter yield rank `rank`'s share of each epoch, shuffled identically on every rank."""
        self.shard = (rank, world_size)
        self.generator = torch.Generator().manual_seed(seed)

    def get_epoch_iterator(self) -> Iterator[tuple]:
        raise TypeError(f"{type(self).__name__} does not define get_epoch_iterator().")

    def in_memory_data(self) -> tuple | None:
        """All the data as one `(x[, y[, sample_weight]])` tuple when it is in memory (arrays), else None (streams).

        Lets `fit` check validation data and targets once, before the first step, instead of batch by batch.
        """
        return None

    def on_epoch_end(self) -> None:
        """Called after each full pass (PyDataset's hook, for instance)."""

    def close(self) -> None:
        """Stops the worker processes or threads the adapter started (when `fit`/`evaluate`/`predict` ends)."""


def check_batch_size(batch_size) -> None:
    """Refuses a `batch_size` that is not None or a positive integer (0 would otherwise mean "the default")."""
    if batch_size is None:
        return
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0:
        raise ValueError(f"`batch_size` must be a positive integer; received batch_size={batch_size!r}.")


def shard_indices(indices: list, shard: tuple[int, int] | None) -> list:
    """Rank `r` of `w` takes every w-th index from `r`, padded by wrapping around so that all ranks take the same
    number of steps (as DistributedSampler does): DDP needs every rank in every step."""
    if shard is None:
        return indices
    rank, world = shard
    per_rank = -(-len(indices) // world)
    padded = indices + indices[: per_rank * world - len(indices)]
    return padded[rank::world]


def pad_to(batches, count: int):
    """Yields `batches`, then the first of them again until `count` came: a rank whose shard of a stream is a batch
    short still takes as many steps as the others (DDP needs every rank in every step), as `shard_indices` pads."""
    first, seen = None, 0
    for batch in batches:
        first = batch if first is None else first
        seen += 1
        yield batch
    while first is not None and seen < count:
        seen += 1
        yield first


def unpack_x_y_sample_weight(data) -> tuple:
    """`(x,)`, `(x, y)` or `(x, y, sample_weight)` -> `(x, y, sample_weight)`; anything else is `x`."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found a "
        f"tuple of length {len(data)}."
    )


def pack_batch(x, y=None, sample_weight=None) -> tuple:
    """A batch as the adapters yield it: always a tuple, `(x,)`, `(x, y)` or `(x, y, sample_weight)`."""
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Keras's `keras.utils.pack_x_y_sample_weight`: `x` alone when there is no `y` (wrapped as `(x,)` when `x`
    is itself a tuple or list, so that unpacking gives it back whole), else `(x, y)` or `(x, y, sample_weight)`."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
