"""Flatten and Reshape: forwards against Keras, channels_first ordering, shape inference and errors."""

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers


def test_flatten_matches_keras(keras_layer_case):
    case = keras_layer_case("flatten")
    out = layers.Flatten()(torch.tensor(case["inputs"]))
    np.testing.assert_array_equal(out.numpy(), case["outputs"])


def test_flatten_channels_first_moves_channels_last_first():
    x = torch.arange(12.0).reshape(1, 2, 3, 2)  # (batch, channels, h, w)
    out = layers.Flatten(data_format="channels_first")(x)
    torch.testing.assert_close(out, x.permute(0, 2, 3, 1).reshape(1, -1))


def test_reshape_with_unknown_dim_matches_keras(keras_layer_case):
    case = keras_layer_case("reshape")
    layer = layers.Reshape(case["args"]["target_shape"])
    out = layer(torch.tensor(case["inputs"]))
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out.numpy(), case["outputs"])


def test_symbolic_shapes():
    assert layers.Flatten()(keras.Input((3, 4, 5))).shape == (None, 60)
    assert layers.Flatten()(keras.Input((None, 4))).shape == (None, None)
    assert layers.Reshape((-1, 4))(keras.Input((3, 8))).shape == (None, 6, 4)
    assert layers.Reshape((2, -1))(keras.Input((None,))).shape == (None, 2, None)


def test_reshape_errors_name_the_layer():
    with pytest.raises(ValueError, match='"bad_size": total size'):
        layers.Reshape((3, 3), name="bad_size")(keras.Input((4,)))
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        layers.Reshape((-1, -1))
