"""ReLU, LeakyReLU, PReLU, ELU and Softmax layers against Keras 3 (tests/fixtures/layers_misc/layers_misc.json,
written by make_layers_misc_fixtures.py there)."""

import json
import os

import numpy as np
import pytest
import torch

from kerasish import layers

with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_misc", "layers_misc.json")) as f:
    CASES = json.load(f)


@pytest.mark.parametrize(
    "name,cls", [("prelu_shared", "PReLU"), ("relu_args", "ReLU"), ("leaky_relu", "LeakyReLU"), ("elu", "ELU")]
)
def test_activation_layers_match_keras(name, cls):
    case = CASES[name]
    layer = getattr(layers, cls)(**case["args"])
    x = torch.tensor(case["inputs"])
    layer.build(tuple(x.shape))
    if case["weights"]:
        layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    np.testing.assert_allclose(layer(x).detach().numpy(), case["outputs"], rtol=1e-6, atol=1e-6)


def test_prelu_alpha_shape_and_gradient():
    layer = layers.PReLU(shared_axes=[1, 2], alpha_initializer="ones")
    x = torch.randn(2, 4, 5, 3)
    layer(x).sum().backward()
    assert tuple(layer.alpha.shape) == (1, 1, 3)
    torch.testing.assert_close(layer.alpha.grad, torch.clamp(x, max=0).sum((0, 1, 2)).reshape(1, 1, 3))
    assert layer.get_config()["shared_axes"] == [1, 2]


def test_softmax_with_mask_matches_keras():
    case = CASES["softmax_masked"]
    out = layers.Softmax()(torch.tensor(case["inputs"]), mask=torch.tensor(case["mask"]))
    np.testing.assert_allclose(out.numpy(), case["outputs"], rtol=1e-6, atol=1e-7)


def test_softmax_uses_the_input_mask_and_several_axes():
    x = torch.randn(2, 3)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, True]])
    out = layers.Softmax()(x)
    assert out[0, 1] == 0
    torch.testing.assert_close(out.sum(-1), torch.ones(2))
    both = layers.Softmax(axis=[1, 2])(torch.randn(2, 3, 4))
    torch.testing.assert_close(both.sum((1, 2)), torch.ones(2))
    with pytest.raises(ValueError, match="broadcastable"):
        layers.Softmax()(torch.randn(2, 3), mask=torch.ones(2, 4, dtype=torch.bool))


def test_relu_and_leaky_relu_arguments():
    x = torch.tensor([-2.0, -0.5, 0.5, 3.0])
    torch.testing.assert_close(layers.ReLU(max_value=1.0)(x), torch.tensor([0.0, 0.0, 0.5, 1.0]))
    torch.testing.assert_close(layers.LeakyReLU()(x), torch.tensor([-0.6, -0.15, 0.5, 3.0]))
    assert layers.LeakyReLU().get_config()["negative_slope"] == 0.3
    with pytest.raises(ValueError, match="max_value"):
        layers.ReLU(max_value=-1.0)
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(negative_slope=-0.1)
    assert layers.ELU(alpha=0.5).get_config()["alpha"] == 0.5
