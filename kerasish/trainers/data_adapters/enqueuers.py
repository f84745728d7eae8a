"""tf.keras 2's enqueuers (`keras.utils.SequenceEnqueuer`, `OrderedEnqueuer`, `GeneratorEnqueuer`) on the data
adapters' loading machinery (prefetch.py): ordered thread pools, worker processes, a prefetching thread."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from kerasish.trainers.data_adapters.prefetch import ProcessLoader, ordered_thread_map, prefetch


class SequenceEnqueuer:
    """Base class of the enqueuers: `start(workers, max_queue_size)` begins loading ahead, `get()` yields the
    stream of batches, `stop()` ends it.

    Subclasses implement `_stream()`, the batches in order (the loading machinery is theirs to choose).

    Args:
        sequence: the data (a `PyDataset`/`Sequence`, or a generator for `GeneratorEnqueuer`).
        use_multiprocessing: whether batches are loaded in worker processes rather than threads.

    Example:
        enqueuer = keras.utils.OrderedEnqueuer(sequence)
        enqueuer.start(workers=2, max_queue_size=10)
        batches = enqueuer.get()
        x, y = next(batches)
        enqueuer.stop()
    """

    def __init__(self, sequence: Any, use_multiprocessing: bool = False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.workers = 0
        self.max_queue_size = 0
        self._running = False
        self._stream_iterator: Iterator | None = None

    def is_running(self) -> bool:
        """Whether `start()` was called and `stop()` not since."""
        return self._running

    def start(self, workers: int = 1, max_queue_size: int = 10) -> None:
        """Starts loading with `workers` threads (or processes), at most `max_queue_size` batches ahead."""
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"{type(self).__name__}.start: `workers` must be an integer >= 1. Received: {workers!r}")
        self.workers = workers
        self.max_queue_size = max(1, int(max_queue_size))
        self._stream_iterator = self._stream()
        self._running = True

    def stop(self, timeout: float | None = None) -> None:
        """Stops loading; the workers end (`timeout` is accepted for tf.keras's signature: nothing waits)."""
        self._running = False
        if self._stream_iterator is not None:
            self._stream_iterator.close()  # its `finally` blocks shut the thread pools and worker processes down
            self._stream_iterator = None

    def get(self) -> Iterator:
        """Yields the batches (`(inputs, targets)` or `(inputs, targets, sample_weights)`) while running; `None`
        batches are skipped."""
        while self._running and self._stream_iterator is not None:
            try:
                batch = next(self._stream_iterator)
            except StopIteration:
                self._running = False
                return
            except Exception:
                self.stop()
                raise
            if batch is not None:
                yield batch

    def _stream(self) -> Iterator:
        raise TypeError(f"{type(self).__name__} must implement `_stream()`, the batches in order.")

    def __del__(self):
        if getattr(self, "_running", False):
            self.stop()


class OrderedEnqueuer(SequenceEnqueuer):
    """Loads a `PyDataset`/`Sequence`'s batches ahead, in order, epoch after epoch without end (tf.keras 2).

    Each epoch visits every index once (in a new random order with `shuffle`), then calls the sequence's
    `on_epoch_end()`. Threads load the batches, or with `use_multiprocessing` worker processes (torch's DataLoader),
    started fresh each epoch so they see the sequence as `on_epoch_end` left it.

    Args:
        sequence: a `keras.utils.PyDataset` (or `Sequence`).
        use_multiprocessing: load in worker processes rather than threads.
        shuffle: visit the batches of each epoch in a random order (Python's `random`).
    """

    def __init__(self, sequence: Any, use_multiprocessing: bool = False, shuffle: bool = False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle

    def _stream(self) -> Iterator:
        loader = (
            ProcessLoader(self.sequence.__getitem__, self.workers, self.max_queue_size, persistent=False)
            if (self.use_multiprocessing)
            else None
        )
        try:
            while True:
                order = list(range(len(self.sequence)))
                if self.shuffle:
                    random.shuffle(order)
                if loader is not None:
                    yield from loader.iterate(order)
                else:
                    yield from ordered_thread_map(self.sequence.__getitem__, order, self.workers, self.max_queue_size)
                self.sequence.on_epoch_end()
        finally:
            if loader is not None:
                loader.close()


class GeneratorEnqueuer(SequenceEnqueuer):
    """Draws a generator's items ahead in a background thread (tf.keras 2); the stream ends with the generator.

    A generator cannot be advanced by several workers at once, so one thread draws it whatever `workers` says;
    `use_multiprocessing` (tf.keras gave each worker process its own copy of the generator, which repeats items)
    is accepted and draws it in that thread too.

    Args:
        generator: the generator (or any iterator) of batches.
        use_multiprocessing: accepted for tf.keras's signature (see above).
        random_seed: if set, seeds Python's and numpy's generators in the drawing thread's process before it starts.
    """

    def __init__(self, generator: Any, use_multiprocessing: bool = False, random_seed: int | None = None):
        super().__init__(generator, use_multiprocessing)
        self.random_seed = random_seed

    def _stream(self) -> Iterator:
        if self.random_seed is not None:
            import numpy as np

            random.seed(self.random_seed)
            np.random.seed(self.random_seed)
        yield from prefetch(self.sequence, self.max_queue_size)
