"""Loading batches ahead of the training loop, in order: threads for I/O-bound Python code, worker processes
(torch's DataLoader) for CPU-bound code. Either way the batches arrive in the order a serial loop would read them,
so training gives the same numbers with any number of workers."""

from __future__ import annotations

import collections
import concurrent.futures
import os
import pickle
import queue
import threading
from collections.abc import Callable, Iterable, Iterator

import torch

from kerasish.utils import tree

_DONE = object()


def pinned_on_cuda(load: Callable) -> Callable:
    """`load` returning its batch's tensors in page-locked memory where CUDA is available, as the worker processes'
    batches come (torch's `pin_memory`): the loader thread pays that copy, beside the training step, and the step's
    `to(device, non_blocking=True)` can then run asynchronously. Unchanged without CUDA."""
    if not torch.cuda.is_available():
        return load

    def load_pinned(*args):
        return tree.map_structure(lambda t: t.pin_memory() if isinstance(t, torch.Tensor) else t, load(*args))

    return load_pinned


def ordered_thread_map(fn: Callable, indices: Iterable[int], workers: int, max_queue_size: int) -> Iterator:
    """`fn(i)` for each index, computed by `workers` threads at most `max_queue_size` ahead, yielded in order."""
    ahead = max(max_queue_size, workers, 1)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kerasish-loader")
    pending: collections.deque = collections.deque()
    indices = iter(indices)
    try:
        for index in indices:
            pending.append(pool.submit(fn, index))
            if len(pending) >= ahead:
                break
        while pending:
            result = pending.popleft().result()
            for index in indices:  # keep the queue full: one new batch for each one handed out
                pending.append(pool.submit(fn, index))
                break
            yield result
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


def prefetch(iterable: Iterable, max_queue_size: int) -> Iterator:
    """Iterates `iterable` in a background thread, up to `max_queue_size` items ahead; its errors re-raise here."""
    items: queue.Queue = queue.Queue(maxsize=max(1, max_queue_size))
    stop = threading.Event()

    def produce():
        try:
            for item in iterable:
                while not stop.is_set():
                    try:
                        items.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put((_DONE, None))
        except BaseException as error:  # handed to the consumer, which raises it with its traceback
            items.put((_DONE, error))

    thread = threading.Thread(target=produce, name="kerasish-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, error = items.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()


class _BatchesByIndex(torch.utils.data.Dataset):
    """A PyDataset seen by torch's DataLoader: item `i` is converted batch `i`."""

    def __init__(self, get_batch: Callable):
        self.get_batch = get_batch

    def __getitem__(self, index):
        try:
            return self.get_batch(index)
        except Exception as error:
            if _pickles_by_reference(type(error)):
                raise  # torch re-raises it in the main process, with the worker's traceback in its message
            # torch sends a worker's error as its class (pickled by reference) and its formatted traceback; a class
            # that cannot be pickled is lost on the way and the loader would wait for ever, so a RuntimeError
            # carries its name, message and (as the cause in the formatted chain) the worker's traceback.
            raise RuntimeError(
                f"Batch {index} failed in a worker process with {_qualified_name(type(error))}: "
                f"{error} (its class cannot be sent between processes; the worker's traceback is "
                "above)"
            ) from error


def _pickles_by_reference(cls: type) -> bool:
    try:
        return pickle.loads(pickle.dumps(cls)) is cls
    except Exception:  # pickling a class fails with PicklingError, AttributeError or TypeError depending on why
        return False


def _qualified_name(cls: type) -> str:
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


class _EpochOrder(torch.utils.data.Sampler):
    """The batch indices of the current epoch; the adapter sets them before each pass."""

    def __init__(self):
        self.order: list[int] = []

    def __iter__(self):
        return iter(list(self.order))

    def __len__(self):
        return len(self.order)


def _seed_worker(worker_id: int) -> None:
    # Each worker process gets its own reproducible seed, from the base seed torch gives it (itself derived from
    # the main process's generator), so random augmentation differs across workers but repeats across runs.
    import random

    import numpy as np

    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)


class ProcessLoader:
    """Batches by index from worker processes (torch's DataLoader): prefetched, pinned on CUDA, in the order of
    `iterate(order)`.

    `get_batch` travels to the workers (pickled under `spawn`), so it should hold the dataset and little else. With
    `persistent`, the workers live across epochs and keep the copy of the dataset they started with; otherwise each
    `iterate` starts fresh ones, which see the dataset as the main process holds it then.
    """

    def __init__(self, get_batch: Callable, workers: int, max_queue_size: int, persistent: bool = True):
        self.order = _EpochOrder()
        self.persistent = persistent
        context = (
            "fork"
            if "fork" in torch.multiprocessing.get_all_start_methods() and not torch.cuda.is_initialized()
            else "spawn"
        )
        # torch's own `persistent_workers=False` would also start workers per pass, but it leaves no handle on them
        # to stop an epoch that ends early; `close()` before each pass gives fresh workers through the same path.
        self.loader = torch.utils.data.DataLoader(
            _BatchesByIndex(get_batch),
            batch_size=None,
            sampler=self.order,
            num_workers=workers,
            prefetch_factor=max(2, max_queue_size // workers),
            persistent_workers=True,
            pin_memory=torch.cuda.is_available(),
            worker_init_fn=_seed_worker,
            multiprocessing_context=context,
            generator=torch.Generator().manual_seed(int(torch.initial_seed()) + int(os.environ.get("RANK", "0"))),
        )

    def iterate(self, order: list[int]) -> Iterator:
        if not self.persistent:
            self.close()
        self.order.order = list(order)
        return iter(self.loader)

    def close(self) -> None:
        """Stops the worker processes now (torch would only at garbage collection, after a timeout)."""
        iterator = getattr(self.loader, "_iterator", None)
        if iterator is not None:
            iterator._shutdown_workers()
            self.loader._iterator = None
