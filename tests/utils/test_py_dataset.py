import math

import numpy as np
import pytest

from kerasish.utils.py_dataset import PyDataset, Sequence


class ArrayDataset(PyDataset):
    def __init__(self, x, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.batch_size = x, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        return self.x[index * self.batch_size : (index + 1) * self.batch_size]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_batches_length_and_constructor_arguments():
    dataset = ArrayDataset(np.arange(10), 4, workers=3, use_multiprocessing=True, max_queue_size=5)
    assert (dataset.workers, dataset.use_multiprocessing, dataset.max_queue_size) == (3, True, 5)
    assert len(dataset) == dataset.num_batches == 3
    batches = list(dataset)
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dataset.on_epoch_begin()
    dataset.on_epoch_end()
    assert dataset.epochs_ended == 1


def test_defaults_even_without_super_init():
    class NoSuper(PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return index

    dataset = NoSuper()
    assert (dataset.workers, dataset.use_multiprocessing, dataset.max_queue_size) == (1, False, 10)
    assert Sequence is PyDataset


def test_endless_dataset():
    class Counting(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            return index * 2

    batches = []
    for batch in Counting():
        batches.append(batch)
        if len(batches) == 4:
            break
    assert batches == [0, 2, 4, 6]


def test_num_batches_needs_len():
    class NoLength(PyDataset):
        def __getitem__(self, index):
            return index

    with pytest.raises(TypeError, match="__len__"):
        _ = NoLength().num_batches
