"""Pooling layers against Keras 3 (tests/fixtures/layers_conv, written by make_conv_fixtures.py with Keras 3.15,
JAX backend): TensorFlow's "same" windows, averages over valid elements only, global pooling, masks, configs."""

import json

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers
from tests.fixtures.layers_conv.keras_cases import assert_config_matches_keras, case, case_names, replay

POOLING_CLASSES = (
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
)


@pytest.mark.parametrize("name", case_names(*POOLING_CLASSES))
def test_matches_keras(name):
    layer = replay(name)
    if case(name)["config"] is not None:
        assert_config_matches_keras(layer, case(name)["config"])


def _tf_same_average_1d(x, pool, stride):
    """TensorFlow's "same" average pooling by hand: windows from -left, averaging the elements inside the input."""
    n = len(x)
    out = -(-n // stride)
    total = max((out - 1) * stride + pool - n, 0)
    starts = [i * stride - total // 2 for i in range(out)]
    return [np.mean(x[max(s, 0) : min(s + pool, n)]) for s in starts]


@pytest.mark.parametrize("pool,stride", [(2, 1), (4, 1), (3, 2), (4, 3), (2, 3), (5, 2)])
@pytest.mark.parametrize("length", [1, 5, 8])
def test_same_average_pooling_counts_valid_elements_only(pool, stride, length):
    x = np.arange(1.0, length + 1.0, dtype=np.float32) ** 2
    y = layers.AveragePooling1D(pool, strides=stride, padding="same")(torch.tensor(x).reshape(1, length, 1))
    np.testing.assert_allclose(y.reshape(-1).numpy(), _tf_same_average_1d(x, pool, stride), rtol=1e-6)


def test_same_max_pooling_never_picks_padding():
    x = -torch.arange(1.0, 7.0).reshape(1, 6, 1)  # all negative: a zero from padding would win
    y = layers.MaxPooling1D(4, strides=1, padding="same")(x)
    # TensorFlow pads 1 before and 2 after: windows [i - 1, i + 3).
    np.testing.assert_array_equal(y.reshape(-1).numpy(), [-1, -1, -2, -3, -4, -5])


def test_global_average_pooling1d_mask_from_embedding():
    inputs = keras.Input((4,), dtype="int32")
    x = layers.Embedding(5, 2, mask_zero=True)(inputs)
    outputs = layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, outputs)
    ids = torch.tensor([[1, 2, 0, 0], [3, 0, 0, 0]])
    embeddings = model.layers[1].embeddings.detach()
    expected = torch.stack([embeddings[[1, 2]].mean(0), embeddings[3]])
    np.testing.assert_allclose(model(ids).detach().numpy(), expected.numpy(), rtol=1e-6)
    assert layers.GlobalAveragePooling1D().compute_mask(None, torch.ones(2, 4, dtype=torch.bool)) is None


def test_channels_first_equals_channels_last():
    x = torch.randn(2, 3, 7, 6)
    for make in (
        lambda f: layers.MaxPooling2D(3, 2, "same", data_format=f),
        lambda f: layers.AveragePooling2D(2, 1, "same", data_format=f),
    ):
        first = make("channels_first")(x)
        last = make("channels_last")(x.permute(0, 2, 3, 1))
        np.testing.assert_allclose(last.numpy(), first.permute(0, 2, 3, 1).numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "layer",
    [
        layers.MaxPooling2D((3, 2), strides=(2, 1), padding="same", data_format="channels_first"),
        layers.AveragePooling3D(2, strides=1),
        layers.AvgPool1D(3),
        layers.GlobalMaxPooling3D(keepdims=True, data_format="channels_first"),
        layers.GlobalAveragePooling1D(name="gap"),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()


def test_keras_aliases():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool3D is layers.AveragePooling3D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D


def test_defaults_and_symbolic_shapes():
    assert layers.MaxPooling2D().pool_size == (2, 2) and layers.MaxPooling2D().strides == (2, 2)
    assert layers.MaxPooling1D(3, strides=1).strides == (1,)
    assert layers.MaxPooling2D(3, 2, "same")(keras.Input((7, None, 4))).shape == (None, 4, None, 4)
    assert layers.GlobalAveragePooling2D()(keras.Input((7, 5, 4))).shape == (None, 4)
    assert layers.GlobalMaxPooling1D(keepdims=True)(keras.Input((7, 4))).shape == (None, 1, 4)


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match='"pool".*expected ndim=4, found ndim=3'):
        layers.MaxPooling2D(name="pool")(torch.randn(2, 4, 4))
    with pytest.raises(ValueError, match='"gap".*expected ndim=3'):
        layers.GlobalAveragePooling1D(name="gap")(keras.Input((4, 4, 2)))
    with pytest.raises(ValueError, match='"tiny".*zero or negative'):
        layers.MaxPooling2D(3, name="tiny")(keras.Input((2, 5, 1)))
    with pytest.raises(ValueError, match="padding"):
        layers.MaxPooling1D(padding="full")
