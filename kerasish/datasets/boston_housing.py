"""Boston housing prices: 506 suburbs, 13 attributes each, and the median home value (in k$)."""

from __future__ import annotations

import numpy as np

from kerasish.datasets.preparation import check_test_split, shuffle_and_split
from kerasish.datasets.sources import fetch


def load_data(
    path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the Boston housing dataset, downloading it into Keras's cache on first use.

    Args:
        path: Name of the file in the cache (`~/.keras/datasets/`).
        test_split: Fraction of the data kept for testing, in `[0, 1)`.
        seed: Seed of the shuffle that comes before the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 arrays of shape `(n, 13)` and `(n,)` (404 and 102 rows
        with the defaults).

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    assert x_train.shape == (404, 13)
    ```
    """
    check_test_split(test_split)
    with np.load(fetch("boston_housing.npz", fname=path), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return shuffle_and_split(x, y, test_split, seed)
