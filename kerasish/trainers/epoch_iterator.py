"""Steps through a data adapter epoch by epoch, honouring `steps_per_epoch` as Keras does."""

from __future__ import annotations

import warnings

from kerasish.trainers.data_adapters import DataAdapter


class EpochIterator:
    """Yields `(step, batch)` for one epoch at a time.

    Without `steps`, an epoch is one full pass over the adapter. With `steps`, an epoch is that many batches, drawn
    from an iterator that carries over between epochs; when it runs dry it restarts (arrays, datasets) or, for a
    generator, ends training with a warning, as Keras does.
    """

    def __init__(self, adapter: DataAdapter, steps: int | None = None):
        self.adapter = adapter
        self.steps = steps
        self.num_batches = steps if steps is not None else adapter.num_batches
        self._iterator = None
        self.exhausted = False
        self._warned = False

    def __iter__(self):
        if self.steps is None:
            yield from enumerate(self.adapter.get_epoch_iterator())
            self.adapter.on_epoch_end()
            if not self.adapter.can_restart:
                self.exhausted = True
            return
        step = 0
        while step < self.steps:
            if self._iterator is None:
                self._iterator = iter(self.adapter.get_epoch_iterator())
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                self.adapter.on_epoch_end()
                if not self.adapter.can_restart or step == 0 and self._restarted_empty():
                    self.exhausted = True
                    self.warn_out_of_data()
                    return
                continue
            yield step, batch
            step += 1

    def warn_out_of_data(self) -> None:
        """Warns (once) that the data ran out before the requested epochs and steps were done."""
        if self._warned:
            return
        self._warned = True
        steps = f" ({self.steps} steps per epoch here)" if self.steps is not None else ""
        warnings.warn(f"Your input ran out of data; interrupting training. Make sure that your dataset or generator "
                      f"can generate at least `steps_per_epoch * epochs` batches{steps}.", stacklevel=3)

    def _restarted_empty(self) -> bool:
        return self.adapter.num_batches == 0
