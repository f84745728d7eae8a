"""EpochIterator's batches on the run's device."""

import numpy as np
import torch

from kerasish.trainers.data_adapters import get_data_adapter
from kerasish.trainers.epoch_iterator import EpochIterator


def _stream():
    for i in range(3):
        yield np.full((2, 1), i, "float32"), np.full((2,), i, "int64")


def test_batches_come_on_the_run_device_after_the_per_batch_target_check():
    iterator = EpochIterator(get_data_adapter(_stream()))
    iterator.to_device(torch.device("meta"))  # a device of its own, on any machine
    checked = []
    drawn = []
    for step, (x, y) in iterator:
        if step == 0:  # as fit does with the first batch: each later one is checked as it is drawn
            iterator.check_targets(
                lambda targets: checked.append(
                    (targets.device.type, targets.tolist() if targets.device.type == "cpu" else None)
                ),
                (x, y),
            )
        drawn.append((step, x.device.type, y.device.type, tuple(x.shape)))
    assert drawn == [(0, "meta", "meta", (2, 1)), (1, "meta", "meta", (2, 1)), (2, "meta", "meta", (2, 1))]
    # The targets of the streamed batches were read on the CPU, before they moved.
    assert checked == [("meta", None), ("cpu", [1, 1]), ("cpu", [2, 2])]


def test_on_the_cpu_batches_are_not_copied():
    x = np.arange(8, dtype="float32").reshape(4, 2)
    iterator = EpochIterator(get_data_adapter(x, batch_size=2))
    iterator.to_device(torch.device("cpu"))
    first = next(iter(iterator))[1][0]
    second_pass = next(iter(iterator))[1][0]
    assert first.device.type == "cpu"
    assert first.data_ptr() == second_pass.data_ptr()  # views of the arrays converted once, as without a device
