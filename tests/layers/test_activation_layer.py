"""Activation layer: forward against Keras and config round trip."""

import numpy as np
import torch

from kerasish import layers


def test_softmax_matches_keras(keras_layer_case):
    case = keras_layer_case("activation_softmax")
    out = layers.Activation(**case["args"])(torch.tensor(case["inputs"]))
    np.testing.assert_allclose(out.numpy(), case["outputs"], rtol=1e-6, atol=1e-7)


def test_relu_by_name_and_callable():
    x = torch.tensor([[-1.0, 0.5]])
    torch.testing.assert_close(layers.Activation("relu")(x), torch.tensor([[0.0, 0.5]]))
    torch.testing.assert_close(layers.Activation(torch.tanh)(x), torch.tanh(x))


def test_config_round_trip_keeps_the_activation():
    layer = layers.Activation("tanh", name="act")
    rebuilt = layers.deserialize(layers.serialize(layer))
    assert rebuilt.get_config() == layer.get_config()
    assert rebuilt.get_config()["activation"] == "tanh"
