"""tf.keras 2's arguments that kerasish takes beside Keras 3's (api_parity.py's tf.keras signature differences).

`legacy_format.json` comes from tests/fixtures/keras_api/make_legacy_format_fixtures.py (tf_keras 2.21): what
`serialize(obj, use_legacy_format=True)` returns for one object of each module.
"""

from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

import kerasish as keras

LEGACY = json.loads(
    (pathlib.Path(__file__).resolve().parent / "fixtures" / "keras_api" / "legacy_format.json").read_text()
)


def _module(name):
    namespace = keras
    for part in name.split("."):
        namespace = getattr(namespace, part)
    return namespace


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return round(value, 6) if isinstance(value, float) else value


OBJECTS = {
    "activations": lambda: keras.activations.relu,
    "constraints": lambda: keras.constraints.MaxNorm(max_value=3.0, axis=1),
    "initializers": lambda: keras.initializers.RandomNormal(mean=0.5, stddev=0.1, seed=3),
    "regularizers": lambda: keras.regularizers.L1L2(l1=0.1, l2=0.2),
    "optimizers.schedules": lambda: keras.optimizers.schedules.ExponentialDecay(
        0.1, 100, 0.5, staircase=True, name=None
    ),
}


@pytest.mark.parametrize("module", sorted(OBJECTS))
def test_serialize_use_legacy_format_matches_tf_keras(module):
    # To float32 precision: tf.keras 2 keeps L1L2's factors as float32.
    assert _rounded(_module(module).serialize(OBJECTS[module](), use_legacy_format=True)) == _rounded(LEGACY[module])


def test_serialize_use_legacy_format_gives_keras_2_shape_for_the_rest():
    loss = keras.losses.serialize(keras.losses.Huber(delta=2.0, name="h"), use_legacy_format=True)
    assert loss["class_name"] == "Huber" and loss["config"]["delta"] == 2.0 and loss["config"]["name"] == "h"
    metric = keras.metrics.serialize(keras.metrics.AUC(num_thresholds=50, name="auc_50"), use_legacy_format=True)
    assert {k: metric["config"][k] for k in LEGACY["metrics"]["config"]} == LEGACY["metrics"]["config"]
    layer = keras.layers.serialize(keras.layers.Dense(3, activation="tanh", name="d"), use_legacy_format=True)
    assert set(layer) == {"class_name", "config"}
    assert {k: layer["config"][k] for k in ("name", "units", "activation", "use_bias")} == {
        k: LEGACY["layers"]["config"][k] for k in ("name", "units", "activation", "use_bias")
    }
    optimizer = keras.optimizers.serialize(keras.optimizers.SGD(0.05, momentum=0.9), use_legacy_format=True)
    assert set(optimizer) == {"class_name", "config"} and optimizer["config"]["momentum"] == 0.9
    # Without the switch: Keras 3's shape.
    assert "module" in keras.constraints.serialize(keras.constraints.NonNeg())


@pytest.mark.parametrize("module", sorted(LEGACY))
def test_deserialize_use_legacy_format_reads_tf_keras_output(module):
    obj = _module(module).deserialize(LEGACY[module], use_legacy_format=True)
    if module == "activations":
        assert obj is keras.activations.relu
        return
    config = obj.get_config()
    expected = {
        "constraints": {"max_value": 3.0, "axis": 1},
        "initializers": {"mean": 0.5, "stddev": 0.1, "seed": 3},
        "losses": {"name": "h", "delta": 2.0},
        "metrics": {"name": "auc_50", "num_thresholds": 50},
        "optimizers": {"momentum": 0.9, "nesterov": False},
        "regularizers": {"l1": pytest.approx(0.1), "l2": pytest.approx(0.2)},
        "optimizers.schedules": {"decay_steps": 100, "decay_rate": 0.5, "staircase": True},
        "layers": {"name": "d", "units": 3, "activation": "tanh"},
    }[module]
    assert {k: config[k] for k in expected} == expected
    assert type(obj).__name__ == LEGACY[module]["class_name"].split(">")[-1]
    if module == "losses":  # tf.keras 2 writes `fn` for built-in losses; the numbers are Huber's (delta 2)
        y_true, y_pred = torch.tensor([[0.0, 1.0]]), torch.tensor([[3.0, 1.5]])
        # |3| > delta: 2 * 3 - 0.5 * 4 = 4; |0.5| <= delta: 0.5 * 0.25 = 0.125; mean = 2.0625
        assert float(obj(y_true, y_pred)) == pytest.approx(2.0625)
    if module == "optimizers":
        assert float(obj.learning_rate) == pytest.approx(0.05)


def test_custom_object_scope_takes_several_dicts_as_tf_keras():
    class A(keras.layers.Layer):
        pass

    class B(keras.layers.Layer):
        pass

    with keras.utils.custom_object_scope({"A": A}, {"B": B}, None):
        assert keras.saving.get_registered_object("A") is A
        assert keras.saving.get_registered_object("B") is B
    assert keras.saving.get_registered_object("A") is None
    with keras.saving.CustomObjectScope({"A": A}, {"A": B}):  # later dicts win
        assert keras.saving.get_registered_object("A") is B
    with pytest.raises(ValueError, match="takes dicts of custom objects"):
        keras.saving.CustomObjectScope({"A": A}, [A])
    with pytest.raises(TypeError):  # Keras 3 requires the dict
        keras.saving.CustomObjectScope()


def test_get_source_inputs_with_layer_and_node_index():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    shared = keras.layers.Dense(3)
    ya, yb = shared(a), shared(b)
    assert keras.utils.get_source_inputs(yb) == [b]
    assert keras.utils.get_source_inputs(yb, shared, 0) == [a]  # tf.keras 2: the node given wins
    assert keras.utils.get_source_inputs(ya, shared, 1) == [b]
    assert keras.utils.get_source_inputs(ya, shared) == [a]
    with pytest.raises(ValueError, match="received node_index=2"):
        keras.utils.get_source_inputs(ya, shared, 2)


def test_load_img_grayscale(tmp_path):
    path = tmp_path / "rgb.png"
    Image.fromarray(np.array([[[255, 0, 0], [0, 255, 0]]], np.uint8)).save(path)
    with pytest.warns(UserWarning, match="grayscale is deprecated"):
        img = keras.utils.load_img(path, grayscale=True)
    assert img.mode == "L"
    # PIL's luma: 0.299 R + 0.587 G + 0.114 B
    np.testing.assert_array_equal(np.asarray(img), [[76, 150]])


def test_optimizers_accept_tf_keras_jit_compile():
    weights = [torch.nn.Parameter(torch.tensor([1.0, -2.0])) for _ in range(2)]
    plain, flagged = keras.optimizers.Adam(0.1), keras.optimizers.Adam(0.1, jit_compile=True)
    for optimizer, weight in zip((plain, flagged), weights):
        optimizer.apply_gradients([(torch.tensor([0.5, 0.25]), weight)])
    # One Adam step moves each weight by -lr * sign(grad) (m_hat / sqrt(v_hat) = 1).
    np.testing.assert_allclose(weights[1].detach().numpy(), [0.9, -2.1], rtol=1e-5)
    np.testing.assert_allclose(weights[0].detach().numpy(), weights[1].detach().numpy())
    with pytest.raises(ValueError, match="`jit_compile` must be a bool"):
        keras.optimizers.SGD(jit_compile="yes")


def test_model_checkpoint_accepts_tf_keras_options(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "w.weights.h5"), save_weights_only=True, monitor="loss", options=None
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0, callbacks=[checkpoint])
    clone = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    clone.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(clone.get_weights()[0], model.get_weights()[0])
