"""EinsumDense against Keras 3.15: weights, outputs, symbolic shapes and configs recorded by
tests/fixtures/layers_extra2/make_layers_extra2_fixtures.py (Keras 3.15, TensorFlow backend) in layers_extra2.json."""

import json
import math
import os

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import initializers, layers

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_extra2")
with open(os.path.join(HERE, "layers_extra2.json")) as f:
    CASES = json.load(f)

EINSUM_CASES = sorted(name for name in CASES if name.startswith("einsum_dense_"))
_OWN_KEYS = ("output_shape", "equation", "activation", "bias_axes", "kernel_initializer", "bias_initializer")


@pytest.mark.parametrize("name", EINSUM_CASES)
def test_einsum_dense_matches_keras(name):
    case = CASES[name]
    layer = layers.EinsumDense(**case["args"])
    x = torch.tensor(case["inputs"])
    assert list(layer.compute_output_shape((None,) + tuple(x.shape[1:]))) == case["symbolic_output_shape"]
    layer.build(tuple(x.shape))
    assert [n.split("/", 1)[1] for n in layer._weight_names()] == case["weight_names"]
    assert [list(w.shape) for w in layer.get_weights()] == [list(np.shape(w)) for w in case["weights"]]
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    np.testing.assert_allclose(layer(x).detach().numpy(), case["outputs"], rtol=1e-5, atol=1e-6)
    config = layer.get_config()
    for key in _OWN_KEYS + ("kernel_regularizer", "bias_constraint", "quantization_config"):
        assert config[key] == case["config"][key], key
    assert "lora_rank" not in config
    assert layers.EinsumDense.from_config(config).get_config() == config


def test_einsum_dense_in_a_functional_model_trains_and_saves(tmp_path):
    inputs = keras.Input((3, 4))
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 5), bias_axes="de", activation="relu")
    outputs = layer(inputs)
    assert tuple(outputs.shape) == (None, None, 2, 5)  # Keras leaves the output's None entries unknown
    model = keras.Model(inputs, layers.Reshape((3, 10))(outputs))
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.rand(8, 3, 4).astype("float32"), np.random.rand(8, 3, 10).astype("float32")
    before = layer.kernel.detach().clone()
    model.fit(x, y, epochs=1, verbose=0)
    assert not torch.equal(before, layer.kernel.detach())
    path = str(tmp_path / "einsum.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_einsum_dense_keeps_left_elided_axes_in_order():
    # Keras 3.15 reverses three or more elided axes in compute_output_shape (its outputs are right); kerasish does not.
    layer = layers.EinsumDense("...b,bc->...c", output_shape=6, bias_axes="c")
    assert layer.compute_output_shape((None, 3, 5, 4)) == (None, 3, 5, 6)
    assert layer(torch.ones(2, 3, 5, 4)).shape == (2, 3, 5, 6)


def test_einsum_dense_kernel_initializer_counts_the_kernels_fans():
    # (64, 8, 16) with input axis 0 and output axes 1, 2: Glorot's limit is sqrt(6 / (64 + 128)) ~ 0.177, where a
    # convolution-style fan count (receptive field 64) would give sqrt(6 / (512 + 1024)) ~ 0.0625.
    layer = layers.EinsumDense("ab,bcd->acd", output_shape=(8, 16), kernel_initializer=initializers.GlorotUniform(7))
    layer.build((None, 64))
    kernel = layer.kernel.detach()
    limit = math.sqrt(6 / (64 + 128))
    assert 0.9 * limit < kernel.abs().max() <= limit
    assert layer.kernel_initializer.input_axes is None  # the layer's own initializer is left as given
    again = layers.EinsumDense("ab,bcd->acd", output_shape=(8, 16), kernel_initializer=initializers.GlorotUniform(7))
    again.build((None, 64))
    torch.testing.assert_close(again.kernel.detach(), kernel)


def test_einsum_dense_bad_arguments_raise_value_errors():
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        layers.EinsumDense("ab,bc", output_shape=3)
    with pytest.raises(ValueError, match="Bias dimension"):
        layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="x")
    with pytest.raises(ValueError, match="output_shape"):
        layers.EinsumDense("ab,bc->ac", output_shape=-3)
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 3))
    with pytest.raises(ValueError, match="expects inputs of rank 3"):
        layer(torch.ones(2, 4))
    assert not layer.built
    with pytest.raises(ValueError, match="do not match at shared dimension"):
        layers.EinsumDense("abc,cd->abd", output_shape=(5, 3)).build((None, 4, 2))
    with pytest.raises(ValueError, match="did not have a match"):
        layers.EinsumDense("ab,bzc->ac", output_shape=3).build((None, 2))


def test_einsum_dense_is_tf_keras_layers_experimental_einsum_dense():
    assert layers.experimental.EinsumDense is layers.EinsumDense
    layer = layers.deserialize({"class_name": "EinsumDense", "config": {"equation": "ab,bc->ac", "output_shape": 2}})
    assert layer(torch.ones(3, 4)).shape == (3, 2)
