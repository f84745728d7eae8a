"""Adaptive pooling ops and layers against Keras 3 (tests/fixtures/layers_extra/layers_extra.json, written by
tests/fixtures/layers_extra/make_layers_extra_fixtures.py with Keras 3.15, TensorFlow backend, whose adaptive
pools gather explicit windows: the check that torch's bins are Keras's)."""

import json
import os

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers as L
from kerasish import ops

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_extra")
with open(os.path.join(HERE, "layers_extra.json")) as _f:
    FIXTURES = json.load(_f)
CASES = {name: case for name, case in FIXTURES["adaptive_pooling"].items() if "kind" in case}
LAYERS = {
    ("average", 1): L.AdaptiveAveragePooling1D,
    ("average", 2): L.AdaptiveAveragePooling2D,
    ("average", 3): L.AdaptiveAveragePooling3D,
    ("max", 1): L.AdaptiveMaxPooling1D,
    ("max", 2): L.AdaptiveMaxPooling2D,
    ("max", 3): L.AdaptiveMaxPooling3D,
}


def _array(entry):
    return np.asarray(entry["values"], dtype=np.float32).reshape(entry["shape"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_ops_and_layers_match_keras(name):
    case = CASES[name]
    x = torch.tensor(_array(case["inputs"]))
    expected = _array(case["outputs"][0])
    op = ops.adaptive_average_pool if case["kind"] == "average" else ops.adaptive_max_pool
    np.testing.assert_allclose(op(x, case["output_size"], data_format=case["data_format"]), expected, atol=1e-5)
    layer = LAYERS[case["kind"], len(case["output_size"])](case["output_size"], data_format=case["data_format"])
    np.testing.assert_allclose(layer(x), expected, atol=1e-5)
    assert layer.compute_output_shape(tuple(x.shape)) == expected.shape


def test_bins_by_hand():
    x = torch.arange(5.0).reshape(1, 5, 1)
    # Length 5 to 3: bins [0, 2), [1, 4), [3, 5).
    np.testing.assert_allclose(ops.adaptive_average_pool(x, 3)[0, :, 0], [0.5, 2.0, 3.5])
    np.testing.assert_allclose(ops.adaptive_max_pool(x, 3)[0, :, 0], [1.0, 3.0, 4.0])
    # An int output size applies to every spatial axis; integer inputs average as floats.
    y = ops.adaptive_average_pool(torch.arange(16).reshape(1, 4, 4, 1), 2)
    np.testing.assert_allclose(y[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])


def test_config_and_keras_config():
    config = FIXTURES["adaptive_pooling"]["layer_config_max2d"]["config"]
    layer = L.deserialize(config)
    assert isinstance(layer, L.AdaptiveMaxPooling2D) and layer.output_size == (3, 3)
    assert layer.get_config()["output_size"] == (3, 3)
    assert layer.get_config()["data_format"] == config["config"]["data_format"]
    again = L.AdaptiveAveragePooling3D.from_config(L.AdaptiveAveragePooling3D((1, 2, 3)).get_config())
    assert again.output_size == (1, 2, 3)


def test_keras3_model_with_wrappers_and_adaptive_pools_loads():
    case = FIXTURES["files"]["keras3_wrappers_model"]
    model = keras.saving.load_model(os.path.join(HERE, "wrappers.keras"))
    x = torch.tensor(_array(case["inputs"]))
    np.testing.assert_allclose(model.predict(x, verbose=0), _array(case["outputs"][0]), atol=1e-5)


def test_in_functional_model_and_saved(tmp_path):
    inputs = keras.Input((9, 7, 2))
    pooled = ops.adaptive_max_pool(inputs, (3, 2))
    outputs = L.AdaptiveAveragePooling2D(2)(pooled)
    model = keras.Model(inputs, outputs)
    x = torch.randn(3, 9, 7, 2)
    expected = model.predict(x, verbose=0)
    assert expected.shape == (3, 2, 2, 2)
    model.save(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(keras.saving.load_model(str(tmp_path / "m.keras")).predict(x, verbose=0), expected)


def test_gradients_flow():
    x = torch.randn(2, 6, 3, requires_grad=True)
    L.AdaptiveAveragePooling1D(4)(x).sum().backward()
    assert x.grad.abs().sum() > 0


def test_bad_input():
    with pytest.raises(ValueError, match="output_size"):
        L.AdaptiveAveragePooling2D((2, 2, 2))
    with pytest.raises(ValueError, match="output_size"):
        L.AdaptiveMaxPooling1D(0)
    with pytest.raises(ValueError, match="data_format"):
        L.AdaptiveMaxPooling1D(2, data_format="nhwc")
    with pytest.raises(ValueError):
        L.AdaptiveMaxPooling2D(2)(torch.randn(2, 5, 3))
    with pytest.raises(ValueError, match="ndim"):
        ops.adaptive_average_pool(torch.randn(2, 3), 2)
