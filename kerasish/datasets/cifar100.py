"""CIFAR-100: 60,000 32x32 colour images in 100 fine classes grouped into 20 coarse ones."""

from __future__ import annotations

import os

import numpy as np

from kerasish import config
from kerasish.datasets.cifar import load_batch
from kerasish.datasets.sources import fetch


def load_data(label_mode: str = "fine") -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the CIFAR-100 dataset, downloading it into Keras's cache on first use.

    Args:
        label_mode: `"fine"` (100 classes) or `"coarse"` (20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape `(n, 32, 32, 3)` (`(n, 3, 32, 32)` when
        `image_data_format()` is `"channels_first"`; 50,000 for training, 10,000 for testing) and int64 labels
        of shape `(n, 1)`.

    Example:

    ```python
    (x_train, y_train), _ = keras.datasets.cifar100.load_data(label_mode="coarse")
    assert y_train.max() == 19
    ```
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    path = fetch("cifar-100-python.tar.gz", fname="cifar-100-python-target", extract=True)
    path = os.path.join(path, "cifar-100-python")
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=f"{label_mode}_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=f"{label_mode}_labels")

    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if config.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
