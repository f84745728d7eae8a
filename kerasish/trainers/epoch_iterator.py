"""Steps through a data adapter epoch by epoch, honouring `steps_per_epoch` as Keras does, on the run's device."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch

from kerasish import config
from kerasish.trainers.data_adapters import DataAdapter, unpack_x_y_sample_weight
from kerasish.utils import tree


class EpochIterator:
    """Yields `(step, batch)` for one epoch at a time, as Keras 3's EpochIterator does.

    Without `steps`, an epoch is one full pass over the adapter. With `steps`, an epoch is that many batches drawn
    from an iterator that carries over between epochs; when a pass over data of known size ends inside an epoch,
    that epoch stops there with a warning and the next one starts a fresh pass. A generator that runs dry ends
    training with the same warning; data that yields no batch at all is an error. Batches come on the device given
    to `to_device` (the CPU until then).
    """

    def __init__(self, adapter: DataAdapter, steps: int | None = None):
        cap = config.max_steps_per_epoch()
        if cap and (steps or adapter.num_batches or cap + 1) > cap:
            warnings.warn(f"Limiting steps_per_epoch to {cap} (keras.config.set_max_steps_per_epoch).", stacklevel=3)
            steps = cap
        self.adapter = adapter
        self.steps = steps
        self.num_batches = steps if steps is not None else adapter.num_batches
        self._iterator = None
        self._seen = 0  # batches drawn from the current pass
        self._drawn_any = False
        self.exhausted = False
        self._warned = False
        self._target_check = None
        self._check_each_batch = False
        self._move = None  # None: the batches stay where the adapter makes them

    def to_device(self, device: torch.device) -> None:
        """Has the batches come on `device` (moved after the per-batch target check, which reads them on the CPU)."""
        self._move = batch_mover(device)

    def __iter__(self):
        if self.steps is None:
            for step, batch in enumerate(self.adapter.get_epoch_iterator()):
                yield step, self._drawn(batch)
            self._check_not_empty()
            self.adapter.on_epoch_end()
            if not self.adapter.can_restart:
                self.exhausted = True
            return
        size = self.adapter.num_batches
        for step in range(self.steps):
            if self._iterator is None:
                self._iterator, self._seen = iter(self.adapter.get_epoch_iterator()), 0
            if size is not None and self._seen >= size:
                self._check_not_empty()
                _warn_out_of_data(self.steps)  # the pass ended inside this epoch: Keras stops the epoch here
                break
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._check_not_empty()
                self._iterator = None
                self.adapter.on_epoch_end()
                self.exhausted = not self.adapter.can_restart or self._seen == 0
                self.warn_out_of_data()
                return
            self._seen += 1
            yield step, self._drawn(batch)
        if size is not None and self._seen >= size:
            self._iterator = None
            self.adapter.on_epoch_end()

    def plain_x_batches(self) -> tuple | None:
        """One full pass of an in-memory `x` as batch views on the CPU (see `ArrayDataAdapter.plain_x_batches`),
        or None when the data is anything else, has `steps`, or moves to another device."""
        plain = getattr(self.adapter, "plain_x_batches", None)
        if plain is None or self.steps is not None or self._move is not None:
            return None
        batches = plain()
        if batches:
            self._drawn_any = True
        return batches

    def _drawn(self, batch):
        self._drawn_any = True
        if self._check_each_batch:
            self._target_check(unpack_x_y_sample_weight(batch)[1])
        return batch if self._move is None else self._move(batch)

    def _check_not_empty(self) -> None:
        if not self._drawn_any:
            raise ValueError(
                f"The data yielded no batches: the {type(self.adapter).__name__} produced nothing in its "
                f"first pass. Check that the generator, PyDataset or DataLoader is not empty (or already "
                f"exhausted by an earlier call)."
            )

    def check_targets(self, check: Callable, batch) -> None:
        """Has `check` (the compiled loss's target check) see every target of the run: all of them at once when the
        data is in memory (nothing per step), else `batch` (the first one, already drawn) and then each batch as it
        is drawn, on the CPU before it moves to the device."""
        if check == self._target_check:
            return  # set up in an earlier pass (validation runs every epoch): every batch is covered already
        self._target_check = check
        data = self.adapter.in_memory_data()
        self._check_each_batch = data is None
        check(unpack_x_y_sample_weight(batch if data is None else data)[1])

    def close(self) -> None:
        self.adapter.close()

    def warn_out_of_data(self) -> None:
        """Warns, once, that data which cannot restart (a generator) ran out before the epochs were done."""
        if not self._warned:
            self._warned = True
            _warn_out_of_data(self.steps)


def _warn_out_of_data(steps: int | None) -> None:
    detail = f" ({steps} steps per epoch here)" if steps is not None else ""
    warnings.warn(
        f"Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
        f"generate at least `steps_per_epoch * epochs` batches{detail}.",
        stacklevel=4,
    )


def batch_mover(device: torch.device):
    """None on the CPU (batches are already there: callers skip the call), else a function moving a batch."""
    if device.type == "cpu":
        return None
    return lambda batch: tree.map_structure(
        lambda t: t.to(device, non_blocking=True) if isinstance(t, torch.Tensor) else t, batch
    )
