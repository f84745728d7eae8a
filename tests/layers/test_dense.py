"""Dense: forward against Keras's recorded output, against plain torch, and its argument checks."""

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers


def test_forward_matches_keras_with_keras_weights(keras_layer_case):
    case = keras_layer_case("dense")
    layer = layers.Dense(**case["args"])
    x = torch.tensor(case["inputs"])
    layer.build(tuple(x.shape))
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    np.testing.assert_allclose(layer(x).detach().numpy(), case["outputs"], rtol=1e-6, atol=1e-6)


def test_forward_on_3d_input_without_bias_matches_keras(keras_layer_case):
    case = keras_layer_case("dense_3d")
    layer = layers.Dense(**case["args"])
    x = torch.tensor(case["inputs"])
    layer(x)
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    assert [w.shape for w in layer.get_weights()] == [(4, 2)]
    np.testing.assert_allclose(layer(x).detach().numpy(), case["outputs"], rtol=1e-6, atol=1e-6)


def test_kernel_layout_is_keras_in_by_out_and_matches_torch_linear():
    layer = layers.Dense(3, activation="sigmoid")
    x = torch.randn(5, 4)
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 3) and bias.shape == (3,)
    expected = torch.sigmoid(torch.nn.functional.linear(x, torch.tensor(kernel).T, torch.tensor(bias)))
    torch.testing.assert_close(y, expected)


def test_default_initializers_glorot_uniform_kernel_and_zero_bias():
    torch.manual_seed(0)
    layer = layers.Dense(200)
    layer.build((None, 300))
    kernel, bias = layer.get_weights()
    limit = np.sqrt(6 / (300 + 200))
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.95 * limit  # uniform over the whole range, not a narrower one
    np.testing.assert_array_equal(bias, np.zeros(200))


def test_kernel_regularizer_and_constraint_are_attached():
    layer = layers.Dense(
        2, kernel_initializer="ones", kernel_regularizer=keras.regularizers.L2(0.1), kernel_constraint="non_neg"
    )
    layer.build((None, 3))
    [penalty] = layer.losses
    assert penalty.item() == pytest.approx(0.1 * 6)  # 6 ones squared
    assert type(layer._weight_specs[0].constraint).__name__ == "NonNeg"


@pytest.mark.parametrize("units", [0, -2, 2.5])
def test_invalid_units_raise(units):
    with pytest.raises(ValueError, match="units"):
        layers.Dense(units)


def test_input_of_the_wrong_width_after_build_names_the_layer():
    layer = layers.Dense(2, name="narrow")
    layer(torch.ones(1, 3))
    with pytest.raises(ValueError, match='"narrow".*axis -1'):
        layer(keras.Input((4,)))


def test_rank_one_input_is_refused_naming_the_layer():
    with pytest.raises(ValueError, match='layer "rank_one".*min_ndim=2'):
        layers.Dense(2, name="rank_one")(torch.ones(3))


@pytest.mark.parametrize("activation", ["relu", "silu", "tanh"])
def test_fused_activation_is_applied_in_place_only_without_autograd(activation):
    # `activations.apply_to_fresh`: with autograd off the activation is written into the fresh pre-activation;
    # with it on, the backward pass needs that tensor as it was, so the out-of-place op must run.
    torch.manual_seed(0)
    layer = layers.Dense(5, activation=activation)
    x = torch.randn(4, 3)
    layer.build(tuple(x.shape))
    fn = {"relu": torch.relu, "silu": torch.nn.functional.silu, "tanh": torch.tanh}[activation]
    kernel, bias = layer.kernel.detach().clone().requires_grad_(), layer.bias.detach().clone().requires_grad_()
    expected = fn(x @ kernel + bias)
    with torch.no_grad(), torch.profiler.profile() as prof:
        out = layer(x)
    ops = {event.key for event in prof.key_averages()}
    assert any(op.endswith("_") and activation in op for op in ops), ops  # aten::relu_, aten::silu_, aten::tanh_
    torch.testing.assert_close(out, expected.detach())
    layer(x).sum().backward()  # autograd on: the out-of-place twin, and the gradients of the plain computation
    expected.sum().backward()
    torch.testing.assert_close(layer.kernel.grad, kernel.grad)
    torch.testing.assert_close(layer.bias.grad, bias.grad)
