"""Wrapper, SpectralNormalization and TorchModuleWrapper. SpectralNormalization against Keras 3
(tests/fixtures/layers_extra/layers_extra.json and wrappers.keras, written by
tests/fixtures/layers_extra/make_layers_extra_fixtures.py with Keras 3.15, TensorFlow backend)."""

import json
import os

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers as L

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_extra")
with open(os.path.join(HERE, "layers_extra.json")) as _f:
    FIXTURES = json.load(_f)
SPECTRAL = FIXTURES["spectral_normalization"]


def _array(entry):
    return np.asarray(entry["values"], dtype=np.float32).reshape(entry["shape"])


# ---- Wrapper -------------------------------------------------------------------------------------------------


class Doubled(L.Wrapper):
    def call(self, inputs):
        return 2 * self.layer(inputs)


def test_wrapper_builds_calls_and_serializes():
    layer = Doubled(L.Dense(3, kernel_initializer="ones"))
    y = layer(torch.ones(2, 4))
    np.testing.assert_allclose(y.detach(), np.full((2, 3), 8.0))
    assert layer.layer.built and [w.shape for w in layer.weights] == [(4, 3), (3,)]
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense" and config["layer"]["config"]["units"] == 3
    again = Doubled.from_config(config)
    assert isinstance(again.layer, L.Dense) and again.layer.units == 3
    assert isinstance(L.TimeDistributed(L.Dense(2)), L.Wrapper)
    with pytest.raises(ValueError, match="Wrapper"):
        Doubled(torch.nn.Linear(2, 2))


# ---- SpectralNormalization ----------------------------------------------------------------------------------


def _spectral_layer(name):
    case = SPECTRAL[name]
    layer = L.deserialize(case["config"])
    x = torch.tensor(_array(case["inputs"]))
    if "embedding" in name:
        x = x.long()
    layer(x)
    layer.set_weights([_array(w) for w in case["weights"]])
    return case, layer, x


@pytest.mark.parametrize("name", sorted(SPECTRAL))
def test_spectral_normalization_matches_keras(name):
    case, layer, x = _spectral_layer(name)
    # Keras's weights: the layer's kernel (tracked by the wrapper first), vector_u, then the layer's others.
    assert [n.rsplit("/", 1)[-1] for n in layer._weight_names()] == [n.rsplit("/", 1)[-1] for n in case["weight_names"]]
    if "embedding" not in name:  # Keras casts the output to the inputs' dtype: integer ids give an integer output
        np.testing.assert_allclose(layer(x, training=False).detach(), _array(case["outputs"][0]), atol=1e-5)
    y = layer(x, training=True)
    for got, expected in zip(layer.get_weights(), case["weights_after_training_call"]):
        np.testing.assert_allclose(got, _array(expected), atol=1e-5)
    if "embedding" not in name:
        np.testing.assert_allclose(y.detach(), _array(case["train_outputs"][0]), atol=1e-5)
    else:
        np.testing.assert_allclose(y.detach(), _array(case["weights_after_training_call"][0])[x.numpy()], atol=1e-5)


def test_spectral_norm_is_one_after_many_iterations():
    torch.manual_seed(0)
    layer = L.SpectralNormalization(L.Dense(5), power_iterations=50)
    x = torch.randn(3, 8)
    layer(x, training=True)
    assert abs(torch.linalg.matrix_norm(layer.layer.kernel.detach(), ord=2).item() - 1.0) < 1e-4
    # Inference leaves the kernel alone; an all-zero kernel is left as it is in training.
    kernel = layer.layer.kernel.detach().clone()
    layer(x)
    torch.testing.assert_close(layer.layer.kernel.detach(), kernel)
    zero = L.SpectralNormalization(L.Dense(2, kernel_initializer="zeros"))
    np.testing.assert_allclose(zero(x, training=True).detach(), np.zeros((3, 2)))


def test_spectral_kernel_is_shared_and_trains_once():
    layer = L.SpectralNormalization(L.Conv2D(2, 2))
    model = keras.Sequential([keras.Input((5, 5, 1)), layer, L.Flatten(), L.Dense(1)])
    assert layer.kernel is layer.layer.kernel
    assert len(model.weights) == 5 and len(model.trainable_weights) == 4  # the shared kernel once
    assert len(model.get_weights()) == 5
    model.compile(optimizer="sgd", loss="mse")
    x, y = torch.randn(8, 5, 5, 1), torch.randn(8, 1)
    u = layer.vector_u.detach().clone()
    model.fit(x, y, epochs=1, verbose=0)
    assert not torch.allclose(layer.vector_u, u)  # updated by the training calls


def test_spectral_keras_file_and_round_trip(tmp_path):
    case = FIXTURES["files"]["keras3_wrappers_model"]
    model = keras.saving.load_model(os.path.join(HERE, "wrappers.keras"))
    x = torch.tensor(_array(case["inputs"]))
    np.testing.assert_allclose(model.predict(x, verbose=0), _array(case["outputs"][0]), atol=1e-5)
    for name in ("m.keras", "m.h5", "m.weights.h5"):
        path = str(tmp_path / name)
        if name.endswith(".weights.h5"):
            model.save_weights(path)
            loaded = keras.saving.load_model(os.path.join(HERE, "wrappers.keras"))
            for w in loaded.weights:
                w.detach().zero_()
            loaded.load_weights(path)
        else:
            model.save(path)
            loaded = keras.saving.load_model(path)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), _array(case["outputs"][0]), atol=1e-5)


def test_spectral_bad_input():
    with pytest.raises(ValueError, match="power_iterations"):
        L.SpectralNormalization(L.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="kernel"):
        L.SpectralNormalization(L.Flatten())(torch.ones(2, 3))


# ---- TorchModuleWrapper ---------------------------------------------------------------------------------------


def _net():
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 1))


def test_torch_module_wrapper_weights_are_the_module_parameters():
    net = _net()
    layer = L.TorchModuleWrapper(net)
    assert layer.built
    assert [w is p for w, p in zip(layer.weights, net.parameters())] == [True] * 6
    x = torch.randn(5, 4)
    net.eval()
    expected = net(x)
    torch.testing.assert_close(layer(x), expected)  # inference: BatchNorm uses its running statistics
    layer.set_weights([np.zeros(w.shape, np.float32) for w in layer.weights])
    assert all(float(p.detach().abs().sum()) == 0 for p in net.parameters())


def test_torch_module_wrapper_trains_with_fit():
    torch.manual_seed(0)
    model = keras.Sequential([keras.Input((4,)), L.TorchModuleWrapper(torch.nn.Linear(4, 1))])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = torch.randn(64, 4)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    model.fit(x, y, epochs=60, batch_size=16, verbose=0)
    np.testing.assert_allclose(model.layers[0].module.weight.detach().numpy(), [[1.0, -2.0, 0.5, 3.0]], atol=2e-2)


def test_torch_module_wrapper_saves_its_state_dict(tmp_path):
    torch.manual_seed(0)
    model = keras.Sequential([keras.Input((4,)), L.TorchModuleWrapper(_net()), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = torch.randn(32, 4)
    model.fit(x, torch.randn(32, 1), epochs=2, verbose=0)
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    import h5py

    with h5py.File(path) as f:  # as Keras writes it: the state dict's keys, buffers included
        keys = set(f["layers/torch_module_wrapper/vars"].keys())
    assert keys == set(model.layers[0].module.state_dict())
    fresh = keras.Sequential([keras.Input((4,)), L.TorchModuleWrapper(_net()), L.Dense(1)])
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, atol=1e-6)
    model.save(str(tmp_path / "m.keras"))
    with pytest.raises(ValueError, match="safe_mode"):
        keras.saving.load_model(str(tmp_path / "m.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "m.keras"), safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6)


def test_torch_module_wrapper_in_functional_model_and_bad_input():
    inputs = keras.Input((4,))
    outputs = L.TorchModuleWrapper(torch.nn.Linear(4, 3))(inputs)
    assert tuple(outputs.shape) == (None, 3)
    model = keras.Model(inputs, outputs)
    assert model(torch.randn(2, 4)).shape == (2, 3)
    assert L.TorchModuleWrapper(torch.nn.Linear(4, 3), output_shape=(None, 3)).compute_output_shape((2, 4)) == (
        None,
        3,
    )
    with pytest.raises(ValueError, match="LazyModule"):
        L.TorchModuleWrapper(torch.nn.LazyLinear(3))
    with pytest.raises(ValueError, match="torch.nn.Module"):
        L.TorchModuleWrapper("not a module")
    frozen = L.TorchModuleWrapper(torch.nn.Linear(2, 2), trainable=False)
    assert frozen.trainable_weights == [] and not any(p.requires_grad for p in frozen.module.parameters())
