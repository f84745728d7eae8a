"""Python generators (and other iterables) yielding `(x, y[, sample_weight])` batches."""

from __future__ import annotations

import itertools

from kerasish.trainers.data_adapters.array_data_adapter import convert_batch
from kerasish.trainers.data_adapters.data_adapter import DataAdapter
from kerasish.trainers.data_adapters.prefetch import pinned_on_cuda, prefetch


class GeneratorDataAdapter(DataAdapter):
    """Batches from a generator, drawn by a background thread up to `max_queue_size` ahead of training.

    A generator cannot restart: with `steps_per_epoch` epochs keep drawing from it, without it the first epoch ends
    when it is exhausted (as in Keras). Under distributed training each rank takes every `world_size`-th batch.
    """

    can_restart = False

    def __init__(self, generator, max_queue_size: int = 10):
        self._generator = generator
        self._batches = None
        self.max_queue_size = max_queue_size

    def get_epoch_iterator(self):
        if self._batches is None:
            batches = iter(self._generator)
            if self.shard is not None:
                rank, world = self.shard
                batches = itertools.islice(batches, rank, None, world)
            self._batches = prefetch(map(pinned_on_cuda(convert_batch), batches), self.max_queue_size)
        return self._batches

    def close(self) -> None:
        if self._batches is not None:
            self._batches.close()  # stops the prefetch thread
