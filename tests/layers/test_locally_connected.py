"""tf.keras 2's LocallyConnected1D/2D and ThresholdedReLU against tf_keras 2.21 (tests/fixtures/layers_extra/
layers_extra.json and tf_keras_locally_connected.h5, written by tests/fixtures/layers_extra/
make_layers_extra_fixtures.py): every implementation (1, 2, 3), data format and padding, and a tf.keras h5 model
file loaded with its weights."""

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
CASES = FIXTURES["locally_connected"]


def _array(entry):
    return np.asarray(entry["values"], dtype=np.float32).reshape(entry["shape"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_matches_tf_keras(name):
    case = CASES[name]
    layer = L.deserialize(case["config"])
    x = torch.tensor(_array(case["inputs"]))
    layer(x)
    assert [tuple(w.shape) for w in layer.get_weights()] == [tuple(w["shape"]) for w in case["weights"]]
    layer.set_weights([_array(w) for w in case["weights"]])
    y = layer(x)
    np.testing.assert_allclose(y.detach().numpy(), _array(case["outputs"][0]), atol=1e-5)
    assert layer.compute_output_shape(tuple(x.shape)) == tuple(y.shape)
    assert [n.rsplit("/", 1)[-1] for n in layer._weight_names()] == [
        n.rsplit("/", 1)[-1].split(":")[0] for n in case["weight_names"]
    ]
    config = layer.get_config()
    for key, value in case["config"]["config"].items():
        if key in ("dtype", "name", "trainable") or isinstance(value, dict):
            continue  # initializers are written in Keras 3's form (they load from tf.keras's)
        got = config[key]
        assert (list(got) if isinstance(got, tuple) else got) == value, key


def test_tf_keras_h5_model_loads():
    case = FIXTURES["files"]["tf_keras_locally_connected_model"]
    model = keras.saving.load_model(os.path.join(HERE, "tf_keras_locally_connected.h5"), compile=False)
    x = torch.tensor(_array(case["inputs"]))
    np.testing.assert_allclose(model.predict(x, verbose=0), _array(case["outputs"][0]), atol=1e-5)
    assert [layer.implementation for layer in model.layers[:2]] == [1, 2]


def test_implementations_agree():
    """The three layouts compute the same function: implementation 1's matrices and 3's values, scattered into
    implementation 2's dense kernel, give its output."""
    torch.manual_seed(0)
    x = torch.randn(3, 6, 7, 2)
    layers = {i: L.LocallyConnected2D(3, (3, 2), strides=(2, 1), implementation=i) for i in (1, 2, 3)}
    for layer in layers.values():
        layer(x)
    dense = layers[2]
    mask = dense.kernel_mask.bool().expand_as(dense.kernel)
    # Implementation 3 holds the connected entries of the (out, in) matrix; take them from implementation 2's.
    matrix = dense.kernel.detach().reshape(6 * 7 * 2, -1).T  # (out, in), out = (rows, cols, filters)
    out_index, in_index = layers[3].kernel_idxs
    layers[3].set_weights([matrix[out_index, in_index].numpy(), dense.bias.detach().numpy()])
    dense.set_weights([(dense.kernel * mask).detach().numpy(), dense.bias.detach().numpy()])
    torch.testing.assert_close(layers[3](x), dense(x), atol=1e-5, rtol=1e-5)
    assert torch.count_nonzero(mask) == layers[3].kernel.numel()


def test_trains_and_round_trips(tmp_path):
    torch.manual_seed(0)
    model = keras.Sequential(
        [keras.Input((8, 3)), L.LocallyConnected1D(2, 3, implementation=3), L.Flatten(), L.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    x, y = torch.randn(32, 8, 3), torch.randn(32, 1)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=10, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    expected = model.predict(x, verbose=0)
    for name in ("m.keras", "m.h5"):
        model.save(str(tmp_path / name))
        np.testing.assert_allclose(keras.saving.load_model(str(tmp_path / name)).predict(x, verbose=0), expected)


def test_thresholded_relu():
    layer = L.ThresholdedReLU(theta=0.5)
    np.testing.assert_allclose(layer(torch.tensor([-1.0, 0.5, 0.6, 2.0])), [0.0, 0.0, 0.6, 2.0])
    assert L.ThresholdedReLU().theta == 1.0
    assert L.ThresholdedReLU.from_config(layer.get_config()).theta == 0.5
    x = torch.tensor([0.2, 3.0], requires_grad=True)
    L.ThresholdedReLU(1.0)(x).sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 1.0])
    with pytest.raises(ValueError, match="theta"):
        L.ThresholdedReLU(-1.0)
    with pytest.raises(ValueError, match="None"):
        L.ThresholdedReLU(None)


def test_bad_arguments():
    with pytest.raises(ValueError, match='only "valid"'):
        L.LocallyConnected2D(2, 3, padding="same")
    with pytest.raises(ValueError, match="implementation"):
        L.LocallyConnected1D(2, 3, implementation=4)
    with pytest.raises(ValueError, match="filters"):
        L.LocallyConnected1D(0, 3)
    with pytest.raises(ValueError, match="<= 0"):
        L.LocallyConnected1D(2, 5)(torch.randn(1, 3, 2))
