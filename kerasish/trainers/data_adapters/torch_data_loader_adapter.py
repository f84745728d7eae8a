"""torch `DataLoader`s pass through; a map-style torch `Dataset` is wrapped in one."""

from __future__ import annotations

import itertools

import torch

from kerasish.trainers.data_adapters.array_data_adapter import convert_batch
from kerasish.trainers.data_adapters.data_adapter import DataAdapter, check_batch_size


class TorchDataLoaderAdapter(DataAdapter):
    """Batches from a `torch.utils.data.DataLoader` (or a `Dataset`, batched with `batch_size`/`shuffle`)."""

    def __init__(self, data, batch_size: int = 32, shuffle: bool = False):
        check_batch_size(batch_size)
        if not isinstance(data, torch.utils.data.DataLoader):
            iterable = isinstance(data, torch.utils.data.IterableDataset)
            data = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=bool(shuffle) and not iterable)
        self.loader = data
        try:
            self.num_batches = len(data)
        except TypeError:
            self.num_batches = None

    def distribute(self, rank: int, world_size: int, seed: int) -> None:
        """Gives each rank its share of a map-style dataset through a DistributedSampler (shuffled as the loader
        was), keeping the loader's batch size, workers and collate function."""
        super().distribute(rank, world_size, seed)
        loader = self.loader
        if isinstance(loader.dataset, torch.utils.data.IterableDataset):
            return  # batches are dealt round-robin in get_epoch_iterator
        shuffle = isinstance(loader.sampler, torch.utils.data.RandomSampler)
        self._sampler = torch.utils.data.DistributedSampler(
            loader.dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed
        )
        self.loader = torch.utils.data.DataLoader(
            loader.dataset,
            batch_size=loader.batch_size,
            sampler=self._sampler,
            num_workers=loader.num_workers,
            collate_fn=loader.collate_fn,
            pin_memory=loader.pin_memory,
            drop_last=loader.drop_last,
            worker_init_fn=loader.worker_init_fn,
            persistent_workers=loader.persistent_workers,
        )
        self.num_batches = len(self.loader)
        self._epoch = 0

    def get_epoch_iterator(self):
        batches = self.loader
        if self.shard is not None:
            if hasattr(self, "_sampler"):
                self._sampler.set_epoch(self._epoch)
                self._epoch += 1
            else:
                batches = itertools.islice(batches, self.shard[0], None, self.shard[1])
        for batch in batches:
            yield convert_batch(batch)
