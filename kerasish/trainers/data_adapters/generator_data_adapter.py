"""Python generators (and other iterables) yielding `(x, y[, sample_weight])` batches."""

from __future__ import annotations

from kerasish.trainers.data_adapters.array_data_adapter import to_torch
from kerasish.trainers.data_adapters.data_adapter import (
    DataAdapter,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from kerasish.utils import tree


class GeneratorDataAdapter(DataAdapter):
    """Batches from a generator. A generator cannot restart: with `steps_per_epoch` epochs keep drawing from it,
    without it the first epoch ends when it is exhausted (as in Keras)."""

    can_restart = False

    def __init__(self, generator):
        self._iterator = iter(generator)

    def get_epoch_iterator(self):
        for batch in self._iterator:
            x, y, sample_weight = unpack_x_y_sample_weight(batch)
            yield pack_x_y_sample_weight(*(tree.map_structure(to_torch, v) if v is not None else None
                                           for v in (x, y, sample_weight)))
