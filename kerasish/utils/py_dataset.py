"""The base class for datasets written in Python, which `fit()` can load in parallel."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any


class PyDataset:
    """Base class for a dataset of batches written in Python.

    Subclasses implement `__getitem__(index)`, returning a complete batch (not a single sample), and
    `__len__()`, returning the number of batches; an endless dataset overrides the `num_batches` property
    to return `None` instead. `on_epoch_begin()` and `on_epoch_end()` may be overridden to change the data
    between epochs (e.g. to shuffle it).

    The constructor's arguments configure how `fit()` loads batches in parallel; iterating over a
    `PyDataset` by hand loads them one after the other. Worker processes each load from their own copy of the
    dataset: when it overrides `on_epoch_begin` or `on_epoch_end`, every epoch starts new workers, which copy it
    as those hooks left it; otherwise the workers live through the whole run, and changes made to the dataset
    from elsewhere (a callback) do not reach them.

    Args:
        workers: Number of workers loading batches.
        use_multiprocessing: Whether the workers are processes (the dataset must then be picklable) rather
            than threads.
        max_queue_size: Maximum number of batches loaded ahead.

    Example:

    ```python
    class ArrayDataset(kerasish.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, index):
            start = index * self.batch_size
            end = min(start + self.batch_size, len(self.x))
            return self.x[start:end], self.y[start:end]
    ```
    """

    # Subclasses that forget `super().__init__(**kwargs)` still get Keras's defaults.
    workers = 1
    use_multiprocessing = False
    max_queue_size = 10

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    @property
    def num_batches(self) -> int | None:
        """Number of batches in the dataset, or `None` for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise TypeError(
            f"{type(self).__name__} must define `__len__` (the number of batches) or override the "
            "`num_batches` property (returning `None` for an endless dataset)."
        )

    def __iter__(self) -> Iterator[Any]:
        if hasattr(self, "__len__") or type(self).num_batches is not PyDataset.num_batches:
            num_batches = self.num_batches
        else:
            num_batches = None
        indices = itertools.count() if num_batches is None else range(num_batches)
        for index in indices:
            yield self[index]

    def on_epoch_begin(self) -> None:
        """Called at the beginning of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch."""


# Keras 2's name for PyDataset.
Sequence = PyDataset
