"""torch `DataLoader`s pass through; a map-style torch `Dataset` is wrapped in one."""

from __future__ import annotations

import torch

from kerasish.trainers.data_adapters.array_data_adapter import to_torch
from kerasish.trainers.data_adapters.data_adapter import (
    DataAdapter,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from kerasish.utils import tree


class TorchDataLoaderAdapter(DataAdapter):
    """Batches from a `torch.utils.data.DataLoader` (or a `Dataset`, batched with `batch_size`/`shuffle`)."""

    def __init__(self, data, batch_size: int = 32, shuffle: bool = False):
        if not isinstance(data, torch.utils.data.DataLoader):
            iterable = isinstance(data, torch.utils.data.IterableDataset)
            data = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=bool(shuffle) and not iterable)
        self.loader = data
        try:
            self.num_batches = len(data)
        except TypeError:
            self.num_batches = None

    def get_epoch_iterator(self):
        for batch in self.loader:
            x, y, sample_weight = unpack_x_y_sample_weight(batch)
            yield pack_x_y_sample_weight(*(tree.map_structure(to_torch, v) if v is not None else None
                                           for v in (x, y, sample_weight)))
