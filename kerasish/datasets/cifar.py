"""Reading the batches of CIFAR-10 and CIFAR-100's Python version."""

from __future__ import annotations

import os

import numpy as np

from kerasish.datasets.safe_pickle import load_pickle


def load_batch(fpath: str | os.PathLike, label_key: str = "labels") -> tuple[np.ndarray, list[int]]:
    """Reads one CIFAR batch file: a Python 2 pickle of a dict holding `data` (uint8 rows) and the labels.

    The pickle is read with `RestrictedUnpickler`, which rebuilds NumPy arrays and plain containers only, so a
    tampered download cannot run code while it is read.

    Args:
        fpath: The batch file (`data_batch_1`, `test_batch`, `train`, ...).
        label_key: The dict key of the labels (`"labels"`, `"fine_labels"`, `"coarse_labels"`).

    Returns:
        `(data, labels)`: a uint8 array of shape `(n, 3, 32, 32)` and the labels as a list.
    """
    batch = {key.decode("utf8"): value for key, value in load_pickle(fpath, encoding="bytes").items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]
