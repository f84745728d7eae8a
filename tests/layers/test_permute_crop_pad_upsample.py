"""Permute, RepeatVector, Cropping, ZeroPadding and UpSampling against Keras 3 (tests/fixtures/layers_conv,
written by make_conv_fixtures.py with Keras 3.15, JAX backend), plus configs, shapes and errors."""

import json

import pytest
import torch

import kerasish as keras
from kerasish import layers
from tests.fixtures.layers_conv.keras_cases import assert_config_matches_keras, case, case_names, replay

RESHAPING_CLASSES = (
    "Permute",
    "RepeatVector",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
)


@pytest.mark.parametrize("name", case_names(*RESHAPING_CLASSES))
def test_matches_keras(name):
    layer = replay(name)
    if case(name)["config"] is not None:
        assert_config_matches_keras(layer, case(name)["config"])


def test_nearest_upsampling_repeats_elements():
    x = torch.tensor([[[1.0], [2.0]]])  # (1, 2, 1)
    assert layers.UpSampling1D(3)(x).reshape(-1).tolist() == [1, 1, 1, 2, 2, 2]
    image = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    assert layers.UpSampling2D((1, 2))(image).reshape(2, 4).tolist() == [[1, 1, 2, 2], [3, 3, 4, 4]]


def test_repeat_vector_output_is_writable():
    y = layers.RepeatVector(2)(torch.tensor([[1.0, 2.0]]))
    y += 1  # a real tensor, not a broadcast view
    assert y.tolist() == [[[2, 3], [2, 3]]]


@pytest.mark.parametrize(
    "layer",
    [
        layers.Permute((3, 1, 2)),
        layers.RepeatVector(4),
        layers.Cropping1D(2),
        layers.Cropping2D(((1, 2), (0, 3)), data_format="channels_first"),
        layers.Cropping3D(1),
        layers.ZeroPadding1D((0, 2)),
        layers.ZeroPadding2D((1, 2)),
        layers.ZeroPadding3D(((1, 0), (0, 1), (2, 2))),
        layers.UpSampling1D(3),
        layers.UpSampling2D((2, 1), interpolation="bilinear"),
        layers.UpSampling3D(2, data_format="channels_first"),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()


def test_argument_standardisation_as_keras():
    assert layers.Cropping2D(2).cropping == ((2, 2), (2, 2))
    assert layers.Cropping2D((1, 2)).cropping == ((1, 1), (2, 2))
    assert layers.Cropping1D().cropping == (1, 1)
    assert layers.ZeroPadding2D().padding == ((1, 1), (1, 1))
    assert layers.ZeroPadding3D(((1, 2), 0, 3)).padding == ((1, 2), (0, 0), (3, 3))
    assert layers.UpSampling2D(3).size == (3, 3)


def test_symbolic_shapes():
    assert layers.Permute((2, 1))(keras.Input((3, None))).shape == (None, None, 3)
    assert layers.RepeatVector(5)(keras.Input((3,))).shape == (None, 5, 3)
    assert layers.Cropping2D(((1, 0), (2, 2)))(keras.Input((None, 9, 3))).shape == (None, None, 5, 3)
    assert layers.ZeroPadding1D(2)(keras.Input((None, 3))).shape == (None, None, 3)
    assert layers.UpSampling3D((1, 2, 3))(keras.Input((2, 2, 2, 4))).shape == (None, 2, 4, 6, 4)


def test_errors():
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        layers.Permute((0, 1))
    with pytest.raises(ValueError, match="positive integer"):
        layers.RepeatVector(0)
    with pytest.raises(TypeError, match="integer"):
        layers.UpSampling1D(2.0)
    with pytest.raises(ValueError, match="`cropping` should be"):
        layers.Cropping2D((1, 2, 3))
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="lanczos3")
    with pytest.raises(ValueError, match='"crop".*smaller than'):
        layers.Cropping1D((2, 2), name="crop")(torch.randn(1, 4, 2))
    with pytest.raises(ValueError, match='"pad2d".*expected ndim=4, found ndim=3'):
        layers.ZeroPadding2D(name="pad2d")(torch.randn(1, 4, 2))
    with pytest.raises(ValueError, match='"rv".*expected ndim=2'):
        layers.RepeatVector(2, name="rv")(keras.Input((3, 4)))
