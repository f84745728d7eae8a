"""`utils.PyDataset` / `Sequence`: batches by index, `on_epoch_end` after each pass, loaded in parallel on request."""

from __future__ import annotations

import functools
import itertools

import torch

from kerasish.trainers.data_adapters.array_data_adapter import convert_batch
from kerasish.trainers.data_adapters.data_adapter import DataAdapter, shard_indices
from kerasish.trainers.data_adapters.prefetch import ProcessLoader, ordered_thread_map, pinned_on_cuda
from kerasish.utils.py_dataset import PyDataset


class PyDatasetAdapter(DataAdapter):
    """Reads `dataset[i]` for each batch index, in order or shuffled per epoch.

    With `use_multiprocessing`, `workers` processes (torch DataLoader workers) load the batches; otherwise
    `workers > 1` threads do. Up to `max_queue_size` batches are loaded ahead, and they arrive in index order either
    way. Arguments left None come from the dataset's own settings.
    """

    def __init__(
        self,
        dataset,
        shuffle: bool = False,
        workers: int | None = None,
        use_multiprocessing: bool | None = None,
        max_queue_size: int | None = None,
    ):
        self.dataset = dataset
        self.shuffle = shuffle
        self.num_batches = dataset.num_batches
        self.workers = int(dataset.workers if workers is None else workers)
        self.use_multiprocessing = bool(
            dataset.use_multiprocessing if use_multiprocessing is None else use_multiprocessing
        )
        self.max_queue_size = int(dataset.max_queue_size if max_queue_size is None else max_queue_size)
        self._get = functools.partial(_load_batch, dataset)  # what worker processes receive: the dataset alone
        self._processes = None

    def get_epoch_iterator(self):
        if hasattr(self.dataset, "on_epoch_begin"):
            self.dataset.on_epoch_begin()
        count = self.num_batches
        if not count:  # endless (or unsized) dataset: read until IndexError, one batch after the other
            for index in itertools.count():
                try:
                    yield self._get(index)
                except IndexError:
                    return
            return
        order = torch.randperm(count, generator=self.generator).tolist() if self.shuffle else list(range(count))
        order = shard_indices(order, self.shard)
        if self.use_multiprocessing and self.workers > 0:
            if self._processes is None:
                # A worker process holds a copy of the dataset, made when it starts. A dataset that changes itself
                # between epochs (Keras's pattern: reshuffle in `on_epoch_end`) gets fresh workers each epoch, as
                # Keras's new pool per epoch does, so they copy it after its hooks ran. Sending the new state to
                # living workers instead would pickle the whole dataset, arrays included, every epoch and give each
                # worker a private copy, where a forked worker shares the main process's pages and needs nothing
                # picklable; only the start itself is paid again (tens of ms forked, seconds spawned, as in Keras).
                # Datasets without epoch hooks keep their workers.
                self._processes = ProcessLoader(
                    self._get, self.workers, self.max_queue_size, persistent=not _changes_between_epochs(self.dataset)
                )
            yield from self._processes.iterate(order)
        elif self.workers > 1:
            yield from ordered_thread_map(pinned_on_cuda(self._get), order, self.workers, self.max_queue_size)
        else:
            for index in order:
                yield self._get(index)

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()

    def close(self) -> None:
        if self._processes is not None:
            self._processes.close()
            self._processes = None


def _load_batch(dataset, index: int) -> tuple:
    """`dataset[index]` converted and checked as every streamed batch is (strings in `y` refused); module-level so
    that worker processes get only the dataset."""
    return convert_batch(dataset[index])


def _changes_between_epochs(dataset) -> bool:
    """Whether `dataset` overrides `on_epoch_begin` or `on_epoch_end` (on its class or on the object itself)."""
    for name in ("on_epoch_begin", "on_epoch_end"):
        hook = getattr(dataset, name, None)
        if hook is not None and getattr(hook, "__func__", hook) is not getattr(PyDataset, name):
            return True
    return False
