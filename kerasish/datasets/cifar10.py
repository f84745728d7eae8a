"""CIFAR-10: 60,000 32x32 colour images in 10 classes."""

from __future__ import annotations

import os

import numpy as np

from kerasish import config
from kerasish.datasets.cifar import load_batch
from kerasish.datasets.sources import fetch


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the CIFAR-10 dataset, downloading it into Keras's cache on first use.

    50,000 training images (five batches, in order) and 10,000 test images. Classes: 0 airplane, 1 automobile,
    2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape `(n, 32, 32, 3)` (`(n, 3, 32, 32)` when
        `image_data_format()` is `"channels_first"`) and uint8 labels of shape `(n, 1)`.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (50000, 32, 32, 3)
    ```
    """
    path = fetch("cifar-10-python.tar.gz", fname="cifar-10-batches-py-target", extract=True)
    path = os.path.join(path, "cifar-10-batches-py")
    train = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([data for data, _ in train])
    y_train = np.concatenate([np.asarray(labels, dtype="uint8") for _, labels in train])
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))

    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1)).astype(y_train.dtype)
    if config.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test.astype(x_train.dtype), y_test)
