"""MNIST: 70,000 28x28 grayscale images of handwritten digits."""

from __future__ import annotations

import numpy as np

from kerasish.datasets.sources import fetch


def load_data(path: str = "mnist.npz") -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the MNIST dataset, downloading it into Keras's cache on first use.

    Args:
        path: Name of the file in the cache (`~/.keras/datasets/`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape `(60000, 28, 28)` and `(10000, 28, 28)`
        with values 0-255, and uint8 digit labels 0-9.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    ```
    """
    with np.load(fetch("mnist.npz", fname=path), allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
