"""California housing prices: 20,640 census block groups, 8 attributes each, and the median house value."""

from __future__ import annotations

import numpy as np

from kerasish.datasets.preparation import check_test_split, shuffle_and_split
from kerasish.datasets.sources import fetch


def load_data(
    version: str = "large", path: str = "california_housing.npz", test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the California housing dataset, downloading it into Keras's cache on first use.

    Args:
        version: `"large"` (all 20,640 rows) or `"small"` (the first 600, for quick experiments).
        path: Name of the file in the cache (`~/.keras/datasets/`).
        test_split: Fraction of the data kept for testing, in `[0, 1)`.
        seed: Seed of the shuffle that comes before the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: arrays of shape `(n, 8)` (longitude, latitude, median age,
        total rooms, total bedrooms, population, households, median income) and `(n,)`.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.california_housing.load_data(version="small")
    assert x_train.shape == (480, 8)
    ```
    """
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    check_test_split(test_split)
    with np.load(fetch("california_housing.npz", fname=path), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_and_split(x, y, test_split, seed)
