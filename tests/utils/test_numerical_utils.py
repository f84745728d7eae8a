"""to_categorical / normalize. Expected arrays were printed by Keras 3.15 (`keras.utils.to_categorical`,
`keras.utils.normalize`, `keras.ops.normalize`) for the same inputs, except `axis=0` (hand computed: Keras's
NumPy path divides by the wrong axis there)."""

import numpy as np
import pytest
import torch

from kerasish.utils.numerical_utils import normalize, to_categorical

X = np.array([[3.0, -4.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 2.0]])


def test_to_categorical_numpy():
    result = to_categorical([[1], [0], [3]])
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
    result = to_categorical(np.array([[0, 2], [1, 1]]), 3)
    np.testing.assert_array_equal(result, [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]]])


def test_to_categorical_torch():
    x = torch.tensor([[2], [0], [-1]])
    result = to_categorical(x, num_classes=4)
    assert result.dtype == torch.float32 and result.device == x.device
    torch.testing.assert_close(result, torch.tensor([[0.0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0]]))
    assert to_categorical(torch.tensor([1, 2])).shape == (2, 3)


def test_to_categorical_index_out_of_range():
    with pytest.raises(ValueError, match="num_classes=3"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="num_classes=2"):
        to_categorical(torch.tensor([2]), num_classes=2)


def test_normalize_numpy():
    np.testing.assert_allclose(normalize(X), [[0.6, -0.8, 0], [0, 0, 0], [1 / 3, 2 / 3, 2 / 3]])
    np.testing.assert_allclose(normalize(X, order=1), [[3 / 7, -4 / 7, 0], [0, 0, 0], [0.2, 0.4, 0.4]])
    columns = np.sqrt([10.0, 20.0, 4.0])
    np.testing.assert_allclose(normalize(X, axis=0), X / columns)


def test_normalize_torch():
    x = torch.tensor(X, dtype=torch.float32)
    result = normalize(x)
    assert isinstance(result, torch.Tensor) and result.dtype == torch.float32
    torch.testing.assert_close(result, torch.tensor([[0.6, -0.8, 0], [0, 0, 0], [1 / 3, 2 / 3, 2 / 3]]))
    torch.testing.assert_close(
        normalize(x, order=3),
        torch.tensor([[0.6669718, -0.8892957, 0.0], [0, 0, 0], [0.3889111, 0.7778222, 0.7778222]]),
    )
    # The inverse norm is capped at 1 / epsilon, as Keras does.
    torch.testing.assert_close(normalize(torch.tensor([[1e-9, 0.0]])), torch.tensor([[0.01, 0.0]]))


def test_normalize_bad_order():
    with pytest.raises(ValueError, match="order"):
        normalize(torch.ones(2), order=0)
