"""Fashion-MNIST: 70,000 28x28 grayscale images of clothing in 10 classes."""

from __future__ import annotations

import gzip
import os

import numpy as np

from kerasish.datasets.sources import fetch

# Keras keeps these four files in ~/.keras/datasets/fashion-mnist/.
_CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the Fashion-MNIST dataset, downloading it into Keras's cache on first use.

    Classes: 0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker, 8 bag,
    9 ankle boot.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape `(60000, 28, 28)` and `(10000, 28, 28)`,
        and uint8 labels 0-9.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    assert x_test.shape == (10000, 28, 28)
    ```
    """
    y_train = _read_idx("train-labels-idx1-ubyte.gz", header_size=8)
    x_train = _read_idx("train-images-idx3-ubyte.gz", header_size=16).reshape(len(y_train), 28, 28)
    y_test = _read_idx("t10k-labels-idx1-ubyte.gz", header_size=8)
    x_test = _read_idx("t10k-images-idx3-ubyte.gz", header_size=16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)


def _read_idx(source: str, header_size: int) -> np.ndarray:
    """The uint8 values of a gzipped IDX file, after its header (magic number and dimensions)."""
    with gzip.open(fetch(source, cache_subdir=_CACHE_SUBDIR), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header_size)
