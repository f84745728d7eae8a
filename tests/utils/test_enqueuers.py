"""tf.keras 2's `utils.OrderedEnqueuer`, `utils.GeneratorEnqueuer` and `utils.TimedThread` (tf.keras semantics,
read from tf_keras/src/utils/data_utils.py and timed_threads.py): the batches and their order are checked exactly."""

import itertools
import random
import threading
import time

import numpy as np
import pytest

from kerasish import utils


class Squares(utils.PyDataset):
    """Batch i is (i, i**2); on_epoch_end counts epochs (and a shift the next epoch's batches show)."""

    def __init__(self, batches=5):
        super().__init__()
        self.batches, self.epochs = batches, 0

    def __len__(self):
        return self.batches

    def __getitem__(self, index):
        time.sleep(0.001 * (self.batches - index))  # later batches finish first: order must still hold
        return np.array([index + 100 * self.epochs]), np.array([index**2])

    def on_epoch_end(self):
        self.epochs += 1


@pytest.mark.parametrize("workers", [1, 3])
def test_ordered_enqueuer_streams_epochs_in_order(workers):
    sequence = Squares()
    enqueuer = utils.OrderedEnqueuer(sequence)
    enqueuer.start(workers=workers, max_queue_size=4)
    assert enqueuer.is_running()
    batches = list(itertools.islice(enqueuer.get(), 12))
    enqueuer.stop()
    assert not enqueuer.is_running()
    xs = [int(x[0]) for x, _ in batches]
    assert xs == [0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 200, 201]  # on_epoch_end ran between epochs
    assert [int(y[0]) for _, y in batches[:5]] == [0, 1, 4, 9, 16]
    assert list(enqueuer.get()) == []  # stopped: the stream is over


def test_ordered_enqueuer_shuffles_each_epoch():
    random.seed(0)
    enqueuer = utils.OrderedEnqueuer(Squares(8), shuffle=True)
    enqueuer.start(workers=2)
    stream = enqueuer.get()
    epochs = [[int(x[0]) % 100 for x, _ in itertools.islice(stream, 8)] for _ in range(2)]
    enqueuer.stop()
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(8))
    assert epochs[0] != list(range(8)) and epochs[0] != epochs[1]


def test_ordered_enqueuer_with_worker_processes():
    enqueuer = utils.OrderedEnqueuer(Squares(4), use_multiprocessing=True)
    enqueuer.start(workers=2, max_queue_size=4)
    xs = [int(x[0]) for x, _ in itertools.islice(enqueuer.get(), 6)]
    enqueuer.stop()
    assert xs == [0, 1, 2, 3, 100, 101]  # fresh workers each epoch see on_epoch_end's change


def test_generator_enqueuer_ends_with_its_generator():
    def generator():
        for i in range(7):
            yield None if i == 3 else (np.array([i]), np.array([i]))

    enqueuer = utils.GeneratorEnqueuer(generator())
    enqueuer.start(workers=2, max_queue_size=2)
    assert [int(x[0]) for x, _ in enqueuer.get()] == [0, 1, 2, 4, 5, 6]  # None is skipped, as in tf.keras
    assert not enqueuer.is_running()


def test_enqueuer_errors():
    def failing():
        yield 1
        raise KeyError("bad batch")

    enqueuer = utils.GeneratorEnqueuer(failing())
    enqueuer.start()
    stream = enqueuer.get()
    assert next(stream) == 1
    with pytest.raises(KeyError, match="bad batch"):
        next(stream)
    assert not enqueuer.is_running()
    with pytest.raises(ValueError, match="workers"):
        utils.OrderedEnqueuer(Squares()).start(workers=0)
    with pytest.raises(TypeError, match="_stream"):
        next(utils.SequenceEnqueuer(Squares())._stream())


def test_timed_thread_calls_on_interval_until_stopped():
    calls = []
    called = threading.Event()

    class Count(utils.TimedThread):
        def on_interval(self):
            calls.append(time.monotonic())
            if len(calls) >= 3:
                called.set()

    with Count(interval=0.01) as thread:
        assert thread.is_alive() and thread.thread.daemon
        assert called.wait(5)
    thread.thread.join(5)
    assert not thread.is_alive()
    count = len(calls)
    time.sleep(0.05)
    assert len(calls) == count  # nothing after stop
    with pytest.raises(TypeError, match="on_interval"):
        utils.TimedThread(1).on_interval()
