"""`utils.PyDataset` / `Sequence`: batches by index, `on_epoch_end` after each pass."""

from __future__ import annotations

import torch

from kerasish.trainers.data_adapters.array_data_adapter import to_torch
from kerasish.trainers.data_adapters.data_adapter import (
    DataAdapter,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from kerasish.utils import tree


class PyDatasetAdapter(DataAdapter):
    """Reads `dataset[i]` for each batch index, in order or shuffled per epoch."""

    def __init__(self, dataset, shuffle: bool = False):
        self.dataset = dataset
        self.shuffle = shuffle
        self.num_batches = dataset.num_batches

    def get_epoch_iterator(self):
        if hasattr(self.dataset, "on_epoch_begin"):
            self.dataset.on_epoch_begin()
        count = self.num_batches
        order = torch.randperm(count).tolist() if self.shuffle and count else range(count) if count else None
        indices = order if order is not None else _count_up()
        for index in indices:
            try:
                batch = self.dataset[index]
            except IndexError:
                if order is None:
                    return
                raise
            x, y, sample_weight = unpack_x_y_sample_weight(batch)
            yield pack_x_y_sample_weight(*(tree.map_structure(to_torch, v) if v is not None else None
                                           for v in (x, y, sample_weight)))

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()


def _count_up():
    i = 0
    while True:
        yield i
        i += 1
