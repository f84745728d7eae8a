"""Model configs: round trips of Sequential and functional models, to_json/model_from_json, configs written by
real Keras 3 and by tf.keras 2, and Lambda layers under safe mode."""

import json

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers
from tests.models.keras_reference import BUILDERS, assert_outputs_close, keras_inputs, keras_record, keras_weights


def _assert_same_predictions(model, rebuilt, inputs):
    rebuilt.set_weights(model.get_weights())
    expected, actual = model(inputs), rebuilt(inputs)
    for e, a in zip(
        expected if isinstance(expected, list) else [expected], actual if isinstance(actual, list) else [actual]
    ):
        torch.testing.assert_close(a, e)


@pytest.mark.parametrize("name", ["two_io", "branchy", "seq"])
def test_from_config_rebuilds_the_same_model(name):
    model = BUILDERS[name]()
    rebuilt = type(model).from_config(model.get_config())
    assert type(rebuilt) is type(model) and rebuilt is not model
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in model.layers]
    assert [tuple(w.shape) for w in rebuilt.weights] == [tuple(w.shape) for w in model.weights]
    _assert_same_predictions(model, rebuilt, keras_inputs(keras_record(name)))


@pytest.mark.parametrize("name", ["two_io", "branchy", "seq"])
def test_to_json_then_model_from_json(name):
    model = BUILDERS[name]()
    text = model.to_json()
    assert json.loads(text)["class_name"] == type(model).__name__
    rebuilt = keras.models.model_from_json(text)
    assert rebuilt.get_config() == model.get_config()
    _assert_same_predictions(model, rebuilt, keras_inputs(keras_record(name)))


def test_frozen_layer_stays_frozen_through_config():
    rebuilt = keras.models.model_from_json(BUILDERS["branchy"]().to_json())
    assert not rebuilt.get_layer("frozen").trainable
    assert sum(w.numel() for w in rebuilt.non_trainable_weights) == 14


def test_lazily_built_sequential_round_trips_with_its_build_shape():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    model(torch.ones(3, 7))
    rebuilt = keras.Sequential.from_config(model.get_config())
    assert rebuilt.built and [tuple(w.shape) for w in rebuilt.weights] == [(7, 4), (4,), (4, 2), (2,)]
    _assert_same_predictions(model, rebuilt, torch.randn(2, 7))


def test_dict_inputs_and_outputs_round_trip():
    left, right = keras.Input((2,), name="left"), keras.Input((3,), name="right")
    features = layers.Concatenate(name="features")([left, right])
    model = keras.Model(
        {"left": left, "right": right}, {"score": layers.Dense(1, name="score")(features), "features": features}
    )
    config = model.get_config()
    assert config["input_layers"] == {"left": ["left", 0, 0], "right": ["right", 0, 0]}
    assert config["output_layers"] == {"score": ["score", 0, 0], "features": ["features", 0, 0]}
    rebuilt = keras.Model.from_config(json.loads(json.dumps(config)))
    rebuilt.set_weights(model.get_weights())
    data = {"left": torch.randn(2, 2), "right": torch.randn(2, 3)}
    expected, actual = model(data), rebuilt(data)
    assert set(actual) == {"score", "features"}
    for key in expected:
        torch.testing.assert_close(actual[key], expected[key])


# ---- configs written by Keras ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["two_io", "branchy", "seq"])
def test_config_written_by_keras3_loads_and_predicts_like_keras(name):
    record = keras_record(name)
    model = keras.models.model_from_json(record["json"])
    assert [layer.name for layer in model.layers] == record["layer_names"]
    model.set_weights(keras_weights(record))
    assert_outputs_close(model(keras_inputs(record)), record["predictions"])


def test_keras3_nested_sequential_keeps_its_layers_and_frozen_flag():
    model = keras.models.model_from_json(keras_record("branchy")["json"])
    inner = model.get_layer("inner")
    assert isinstance(inner, keras.Sequential)
    assert [layer.name for layer in inner.layers] == ["inner_dense"]
    assert model.get_layer("frozen").trainable is False


KERAS2_FUNCTIONAL = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {
                "class_name": "InputLayer",
                "name": "input_1",
                "inbound_nodes": [],
                "config": {
                    "batch_input_shape": [None, 3],
                    "dtype": "float32",
                    "sparse": False,
                    "ragged": False,
                    "name": "input_1",
                },
            },
            {
                "class_name": "Dense",
                "name": "dense",
                "inbound_nodes": [[["input_1", 0, 0, {}]]],
                "config": {
                    "name": "dense",
                    "trainable": True,
                    "dtype": "float32",
                    "units": 2,
                    "activation": "relu",
                    "use_bias": True,
                    "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                    "bias_initializer": {"class_name": "Zeros", "config": {}},
                    "kernel_regularizer": None,
                    "bias_regularizer": None,
                    "activity_regularizer": None,
                    "kernel_constraint": None,
                    "bias_constraint": None,
                },
            },
            # A layer shared by two calls: its second call is node 1.
            {
                "class_name": "Dense",
                "name": "shared",
                "inbound_nodes": [[["dense", 0, 0, {}]], [["shared", 0, 0, {}]]],
                "config": {
                    "name": "shared",
                    "trainable": True,
                    "dtype": "float32",
                    "units": 2,
                    "activation": "linear",
                    "use_bias": False,
                    "kernel_initializer": {"class_name": "Ones", "config": {}},
                    "bias_initializer": {"class_name": "Zeros", "config": {}},
                    "kernel_regularizer": None,
                    "bias_regularizer": None,
                    "activity_regularizer": None,
                    "kernel_constraint": None,
                    "bias_constraint": None,
                },
            },
            {
                "class_name": "Add",
                "name": "add",
                "inbound_nodes": [[["dense", 0, 0, {}], ["shared", 1, 0, {}]]],
                "config": {"name": "add", "trainable": True, "dtype": "float32"},
            },
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["add", 0, 0]],
    },
    "keras_version": "2.15.0",
    "backend": "tensorflow",
}


def test_keras2_functional_config_loads():
    model = keras.models.model_from_json(json.dumps(KERAS2_FUNCTIONAL))
    assert [layer.name for layer in model.layers] == ["input_1", "dense", "shared", "add"]
    assert len(model.get_layer("shared")._inbound_nodes) == 2
    model.get_layer("dense").set_weights([torch.eye(3, 2).numpy(), torch.tensor([0.0, -10.0]).numpy()])
    x = torch.tensor([[1.0, 2.0, 3.0]])
    h = torch.relu(x @ torch.eye(3, 2) + torch.tensor([0.0, -10.0]))  # [[1, 0]]
    twice = h @ torch.ones(2, 2) @ torch.ones(2, 2)  # the shared layer applied two times
    torch.testing.assert_close(model(x), h + twice)


# ---- Lambda layers -------------------------------------------------------------------------------------------


@pytest.fixture
def unsafe_deserialization():
    keras.config.enable_unsafe_deserialization()
    yield
    keras.config._SAFE_MODE = True


def _model_with_a_lambda():
    x = keras.Input((3,))
    return keras.Model(x, layers.Lambda(lambda t: t * 10.0 - 1.0, name="affine")(layers.Dense(3)(x)))


def test_model_with_a_python_lambda_is_refused_in_safe_mode():
    text = _model_with_a_lambda().to_json()
    with pytest.raises(ValueError, match="safe_mode"):
        keras.models.model_from_json(text)


def test_model_with_a_python_lambda_loads_when_unsafe_is_enabled(unsafe_deserialization):
    model = _model_with_a_lambda()
    rebuilt = keras.models.model_from_json(model.to_json())
    _assert_same_predictions(model, rebuilt, torch.randn(4, 3))


def test_a_functional_subclass_rebuilt_from_config_keeps_its_methods():
    class Custom(keras.Model):
        def train_step(self, data):
            return {"custom": 1.0}

    inputs = keras.Input((3,))
    model = Custom(inputs, keras.layers.Dense(2)(inputs))
    rebuilt = Custom.from_config(model.get_config())
    assert isinstance(rebuilt, Custom) and rebuilt.train_step(None) == {"custom": 1.0}
    rebuilt.set_weights(model.get_weights())
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0))


def test_compile_arguments_serialize_and_deserialize_next_to_compile():
    from kerasish.trainers import compile_utils

    arguments = {
        "loss": [keras.losses.MeanSquaredError(), "mae"],
        "run_eagerly": True,
        "optimizer": keras.optimizers.Adam(0.01),
    }
    config = compile_utils.serialize_compile_argument(arguments)
    assert config["loss"][1] == "mae" and config["loss"][0]["class_name"] == "MeanSquaredError"
    assert config["optimizer"]["config"]["learning_rate"] == pytest.approx(0.01) and config["run_eagerly"] is True
    loss = compile_utils.deserialize_compile_argument(config["loss"], keras.losses)
    assert isinstance(loss[0], keras.losses.MeanSquaredError) and loss[1] == "mae"
    metrics = [{"class_name": "MeanAbsoluteError", "config": {"name": "mae_metric"}}]
    arguments = compile_utils.compile_arguments_from_config({**config, "metrics": metrics, "not_a_compile_argument": 1})
    assert sorted(arguments) == ["loss", "metrics", "optimizer", "run_eagerly"]
    assert isinstance(arguments["optimizer"], keras.optimizers.Adam)
    assert arguments["optimizer"].learning_rate == pytest.approx(0.01)
    assert isinstance(arguments["metrics"][0], keras.metrics.MeanAbsoluteError)
    assert arguments["metrics"][0].name == "mae_metric"


def test_a_model_compiles_from_its_compile_config():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse", metrics=["mae"])
    twin = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    twin.compile_from_config(model.get_compile_config())
    assert twin.get_compile_config() == model.get_compile_config()
    twin.set_weights(model.get_weights())
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    assert twin.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
