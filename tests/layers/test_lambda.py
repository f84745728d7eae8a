"""Lambda: calling, shape inference, and (de)serialization of lambdas under safe mode."""

import json

import pytest
import torch

import kerasish as keras
from kerasish import layers


@pytest.fixture
def unsafe_deserialization():
    keras.config.enable_unsafe_deserialization()
    yield
    keras.config._SAFE_MODE = True


def _round_trip(layer, **kwargs):
    return layers.deserialize(json.loads(json.dumps(layers.serialize(layer))), **kwargs)


def test_calls_the_function_with_its_arguments():
    layer = layers.Lambda(lambda x, power: x**power, arguments={"power": 3})
    torch.testing.assert_close(layer(torch.tensor([2.0, -1.0])), torch.tensor([8.0, -1.0]))


def test_output_shape_is_inferred_symbolically():
    out = layers.Lambda(lambda x: torch.cat([x, x[:, :2]], dim=1))(keras.Input((5,)))
    assert out.shape == (None, 7)


def test_python_lambda_is_refused_in_safe_mode():
    config = json.loads(json.dumps(layers.serialize(layers.Lambda(lambda x: x + 1))))
    assert config["config"]["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="safe_mode"):
        layers.deserialize(config)


def test_python_lambda_round_trips_when_unsafe_deserialization_is_enabled(unsafe_deserialization):
    def make(offset):
        return layers.Lambda(lambda x: x * 2 + offset, name="affine")  # `offset` lives in a closure

    rebuilt = _round_trip(make(1.5))
    assert rebuilt.name == "affine"
    torch.testing.assert_close(rebuilt(torch.tensor([1.0, 2.0])), torch.tensor([3.5, 5.5]))


def test_named_function_round_trips_through_custom_objects():
    def double(x):
        return 2 * x

    rebuilt = _round_trip(layers.Lambda(double), custom_objects={"double": double})
    torch.testing.assert_close(rebuilt(torch.ones(2)), torch.full((2,), 2.0))


def test_non_callable_is_refused():
    with pytest.raises(ValueError, match="callable"):
        layers.Lambda(3)
