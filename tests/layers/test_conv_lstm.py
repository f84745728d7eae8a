"""ConvLSTM1D/2D/3D against Keras 3 and tf.keras 2 (tests/fixtures/layers_extra/layers_extra.json and the model
files beside it, written by tests/fixtures/layers_extra/make_layers_extra_fixtures.py with Keras 3.15, TensorFlow
backend, and tf_keras 2.21), plus the step cell, dropout, state, masks and training."""

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
CASES = FIXTURES["conv_lstm"]


def _array(entry):
    return np.asarray(entry["values"], dtype=np.float32).reshape(entry["shape"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_matches_keras(name):
    case = CASES[name]
    layer = L.deserialize(case["config"])
    x = torch.tensor(_array(case["inputs"]))
    kwargs = {"mask": torch.tensor(case["mask"], dtype=torch.bool)} if "mask" in case else {}
    layer(x, **kwargs)
    assert [w.shape for w in layer.get_weights()] == [tuple(w["shape"]) for w in case["weights"]]
    layer.set_weights([_array(w) for w in case["weights"]])
    outputs = layer(x, **kwargs)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    assert len(outputs) == len(case["outputs"])
    for got, expected in zip(outputs, case["outputs"]):
        np.testing.assert_allclose(got.detach().numpy(), _array(expected), atol=2e-5)
    # Keras's weight names: the cell's kernel, recurrent_kernel and bias.
    assert [n.rsplit("/", 1)[-1] for n in layer._weight_names()] == [n.rsplit("/", 1)[-1] for n in case["weight_names"]]
    assert layer.compute_output_shape(tuple(x.shape)) == (
        tuple(outputs[0].shape) if len(outputs) == 1 else tuple(tuple(o.shape) for o in outputs)
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_round_trip(name):
    config = CASES[name]["config"]["config"]
    layer = L.deserialize(CASES[name]["config"])
    ours = layer.get_config()
    for key, value in config.items():
        if key == "dtype":  # Keras writes a DTypePolicy object; kerasish the policy name (both load)
            continue
        got = ours[key]
        assert (list(got) if isinstance(got, tuple) else got) == value, key
    assert type(layer).from_config(ours).get_config() == ours


def test_keras3_files_load():
    case = FIXTURES["files"]["keras3_conv_lstm_model"]
    x = torch.tensor(_array(case["inputs"]))
    model = keras.saving.load_model(os.path.join(HERE, "conv_lstm2d.keras"))
    np.testing.assert_allclose(model.predict(x, verbose=0), _array(case["outputs"][0]), atol=2e-5)
    fresh = keras.Sequential([keras.Input((3, 4, 5, 2)), L.ConvLSTM2D(2, 3, padding="same"), L.Flatten(), L.Dense(2)])
    fresh.load_weights(os.path.join(HERE, "conv_lstm2d.weights.h5"))
    np.testing.assert_allclose(fresh.predict(x, verbose=0), _array(case["outputs"][0]), atol=2e-5)


def test_tf_keras_h5_loads():
    case = FIXTURES["files"]["tf_keras_conv_lstm_model"]
    model = keras.saving.load_model(os.path.join(HERE, "tf_keras_conv_lstm2d.h5"), compile=False)
    x = torch.tensor(_array(case["inputs"]))
    np.testing.assert_allclose(model.predict(x, verbose=0), _array(case["outputs"][0]), atol=2e-5)


def test_save_load_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((3, 6, 2)), L.ConvLSTM1D(3, 2, padding="same", return_sequences=True)])
    x = torch.randn(2, 3, 6, 2)
    expected = model.predict(x, verbose=0)
    for name in ("m.keras", "m.h5"):
        model.save(str(tmp_path / name))
        loaded = keras.saving.load_model(str(tmp_path / name))
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6)


def test_keras2_module_path():
    from kerasish.layers import convolutional_recurrent

    assert convolutional_recurrent.ConvLSTM2D is L.ConvLSTM2D
    assert convolutional_recurrent.ConvLSTM1D is L.ConvLSTM1D and convolutional_recurrent.ConvLSTM3D is L.ConvLSTM3D


def _step_by_hand(layer, x):
    """A channels-last ConvLSTM2D computed with `ops.conv` per gate, as Keras's cell writes it."""
    cell = layer.cell
    kernels = cell.kernel.chunk(4, dim=-1)
    recurrent = cell.recurrent_kernel.chunk(4, dim=-1)
    biases = cell.bias.chunk(4)
    h = c = None
    for t in range(x.shape[1]):
        z = [keras.ops.conv(x[:, t], k, padding=cell.padding) + b for k, b in zip(kernels, biases)]
        if h is None:
            h = c = torch.zeros_like(z[0])
        z = [zi + keras.ops.conv(h, r, padding="same") for zi, r in zip(z, recurrent)]
        i, f, o = torch.sigmoid(z[0]), torch.sigmoid(z[1]), torch.sigmoid(z[3])
        c = f * c + i * torch.tanh(z[2])
        h = o * torch.tanh(c)
    return h


def test_matches_per_gate_convolutions():
    layer = L.ConvLSTM2D(3, 3, padding="same", bias_initializer="random_normal")
    x = torch.randn(2, 4, 5, 5, 2)
    np.testing.assert_allclose(layer(x).detach().numpy(), _step_by_hand(layer, x).detach().numpy(), atol=1e-5)


def test_stateful_carries_states_and_resets():
    layer = L.ConvLSTM1D(2, 3, padding="same", stateful=True)
    x = torch.randn(2, 3, 5, 2)
    first = layer(x)
    second = layer(x)
    assert not torch.allclose(first, second)
    layer.reset_states()
    torch.testing.assert_close(layer(x), first)
    whole = L.ConvLSTM1D(2, 3, padding="same")
    whole(x)
    whole.set_weights(layer.get_weights())
    torch.testing.assert_close(whole(torch.cat([x, x], 1)), second, atol=1e-6, rtol=1e-5)


def test_initial_state_and_return_state():
    layer = L.ConvLSTM2D(2, 3, padding="same", return_state=True, data_format="channels_first")
    x = torch.randn(2, 3, 2, 4, 4)
    out, h, c = layer(x)
    torch.testing.assert_close(out, h)
    assert c.shape == (2, 2, 4, 4)
    resumed = layer(x[:, 1:], initial_state=[*layer(x[:, :1])[1:]])
    torch.testing.assert_close(resumed[0], out, atol=1e-6, rtol=1e-5)


def test_dropout_only_in_training_and_seeded():
    layer = L.ConvLSTM1D(2, 2, dropout=0.5, recurrent_dropout=0.5, seed=3)
    x = torch.randn(4, 3, 6, 2)
    torch.testing.assert_close(layer(x), layer(x))
    a = layer(x, training=True)
    assert not torch.allclose(a, layer(x))
    assert torch.isfinite(a).all()
    # With all-ones masks the grouped per-gate convolutions compute exactly the plain path.
    layer.cell.get_dropout_mask = lambda step: [torch.ones_like(step)] * 4
    layer.cell.get_recurrent_dropout_mask = lambda step: [torch.ones_like(step)] * 4
    torch.testing.assert_close(layer(x, training=True), layer(x), atol=1e-6, rtol=1e-5)


def test_trains_with_fit():
    torch.manual_seed(0)
    model = keras.Sequential([keras.Input((3, 4, 4, 1)), L.ConvLSTM2D(2, 2, padding="same"), L.Flatten(), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = torch.randn(16, 3, 4, 4, 1), torch.randn(16, 1)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=15, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_bad_arguments():
    with pytest.raises(ValueError, match="dilation_rate"):
        L.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="filters"):
        L.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        L.ConvLSTM2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        L.ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError):
        L.ConvLSTM2D(2, 3)(torch.randn(2, 3, 4, 4))  # missing the time axis
