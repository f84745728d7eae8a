"""Ops in functional graphs, and a custom layer and loss written only with ops: they train (against a hand
computation) and serialize."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import backend, ops
from kerasish.layers.operation import Operation


def _functional_with_ops():
    inputs = keras.Input((3, 4))
    mean = ops.mean(inputs, axis=1)
    shifted = ops.add(1.0, mean)  # a Python number first, as Keras allows
    dense = keras.layers.Dense(2, kernel_initializer="ones", name="dense")(shifted)
    outputs = ops.concatenate([ops.softmax(dense), ops.square(mean)], axis=-1)
    return keras.Model(inputs, outputs)


def _direct(x: torch.Tensor) -> torch.Tensor:
    mean = x.mean(1)
    dense = (1.0 + mean) @ torch.ones(4, 2)
    return torch.cat([torch.softmax(dense, -1), mean**2], -1)


def test_op_on_input_builds_a_node_with_symbolic_shape_and_dtype():
    inputs = keras.Input((3, 4))
    out = ops.mean(inputs, axis=1)
    assert isinstance(out, keras.KerasTensor)
    assert out.shape == (None, 4) and out.dtype == "float32"
    ids = ops.argmax(inputs, axis=-1)
    assert ids.shape == (None, 3) and ids.dtype == "int32"
    first, second = ops.split(inputs, 2, axis=-1)
    assert first.shape == second.shape == (None, 3, 2)
    assert ops.shape(inputs) == (None, 3, 4)


def test_model_of_ops_predicts_the_direct_computation():
    model = _functional_with_ops()
    x = torch.linspace(-1, 1, 24).reshape(2, 3, 4)
    np.testing.assert_allclose(model(x).detach().numpy(), _direct(x).numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model.predict(x.numpy(), verbose=0), _direct(x).numpy(), rtol=1e-6, atol=1e-6)


def test_ops_are_written_as_keras_writes_them():
    backend.clear_session()  # names start over: mean, add, ...
    config = json.loads(_functional_with_ops().to_json())["config"]
    layers = {layer["class_name"]: layer for layer in config["layers"]}
    mean = layers["Mean"]
    assert mean["module"] == "keras.src.ops.numpy"  # where Keras 3 defines the class, so Keras can load it
    assert mean["config"] == {"name": "mean", "axis": 1, "keepdims": False}
    assert mean["inbound_nodes"][0]["args"][0]["config"]["keras_history"] == ["input_layer", 0, 0]
    add = layers["Add"]
    assert add["config"] == {"name": "add"}
    assert add["inbound_nodes"][0]["args"][0] == 1.0  # the operands stay in the node, as in Keras
    assert layers["Concatenate"]["config"] == {"name": "concatenate", "axis": -1}


def test_model_of_ops_round_trips_through_json():
    model = _functional_with_ops()
    x = torch.linspace(-1, 1, 24).reshape(2, 3, 4)
    restored = keras.models.model_from_json(model.to_json())
    restored.set_weights(model.get_weights())
    np.testing.assert_allclose(restored(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)


def test_keras_written_op_config_loads():
    """A model config written by Keras 3.15 (`keras.Model(inp, ops.add(ops.mean(inp, axis=1), 1.0))`)."""
    config = {
        "module": "keras",
        "class_name": "Functional",
        "config": {
            "name": "functional",
            "trainable": True,
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 3, 4], "dtype": "float32", "sparse": False, "name": "input_layer"},
                    "registered_name": None,
                    "name": "input_layer",
                    "inbound_nodes": [],
                },
                {
                    "module": "keras.src.ops.numpy",
                    "class_name": "Mean",
                    "config": {"name": "mean", "axis": 1, "keepdims": False},
                    "registered_name": "Mean",
                    "name": "mean",
                    "inbound_nodes": [
                        {
                            "args": [
                                {
                                    "class_name": "__keras_tensor__",
                                    "config": {
                                        "shape": [None, 3, 4],
                                        "dtype": "float32",
                                        "keras_history": ["input_layer", 0, 0],
                                    },
                                }
                            ],
                            "kwargs": {},
                        }
                    ],
                },
                {
                    "module": "keras.src.ops.numpy",
                    "class_name": "Add",
                    "config": {"name": "add"},
                    "registered_name": "Add",
                    "name": "add",
                    "inbound_nodes": [
                        {
                            "args": [
                                {
                                    "class_name": "__keras_tensor__",
                                    "config": {"shape": [None, 4], "dtype": "float32", "keras_history": ["mean", 0, 0]},
                                },
                                1.0,
                            ],
                            "kwargs": {},
                        }
                    ],
                },
            ],
            "input_layers": ["input_layer", 0, 0],
            "output_layers": ["add", 0, 0],
        },
        "registered_name": "Functional",
    }
    model = keras.models.model_from_json(json.dumps(config))
    x = torch.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(model(x).numpy(), (x.mean(1) + 1.0).numpy())


def test_concrete_calls_skip_the_graph_machinery():
    x = torch.ones(2, 3)
    assert torch.equal(ops.add(x, 1.0), x + 1.0)
    assert Operation not in type(ops.add(x, 1.0)).__mro__


# ---- a custom layer and loss written only with ops -----------------------------------------------------------


@keras.utils.register_keras_serializable(package="OpsTest")
class ScaledSoftplusDense(keras.layers.Layer):
    """`softplus(x @ w + b) * scale`, written with ops only."""

    def __init__(self, units: int, scale: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = scale

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        return ops.multiply(ops.softplus(ops.add(ops.matmul(inputs, self.w), self.b)), self.scale)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "scale": self.scale}


def mean_squared_log_error(y_true, y_pred):
    """A loss written with ops: mean over the last axis of (log1p(y_pred) - log1p(y_true)) ** 2."""
    return ops.mean(ops.square(ops.subtract(ops.log1p(y_pred), ops.log1p(y_true))), axis=-1)


def test_custom_layer_and_loss_train_and_match_a_hand_computation():
    x = np.array([[0.5, -1.0], [1.0, 2.0], [0.0, 0.5], [-0.5, 1.5]], dtype="float32")
    y = np.array([[1.0], [2.0], [0.5], [1.5]], dtype="float32")
    inputs = keras.Input((2,))
    model = keras.Model(inputs, ScaledSoftplusDense(1, scale=2.0)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=mean_squared_log_error)

    # Hand computation of one SGD step on the full batch with torch autograd on the same formula.
    w = torch.ones(2, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    prediction = torch.nn.functional.softplus(torch.from_numpy(x) @ w + b) * 2.0
    loss = ((torch.log1p(prediction) - torch.log1p(torch.from_numpy(y))) ** 2).mean()
    loss.backward()
    assert float(model.evaluate(x, y, verbose=0)) == pytest.approx(loss.item(), rel=1e-5)

    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(loss.item(), rel=1e-5)
    np.testing.assert_allclose(model.layers[1].w.detach().numpy(), (w - 0.1 * w.grad).detach().numpy(), rtol=1e-5)

    losses = model.fit(x, y, batch_size=4, epochs=20, shuffle=False, verbose=0).history["loss"]
    assert losses[-1] < losses[0] < loss.item()


def test_custom_layer_with_ops_serializes():
    inputs = keras.Input((2,))
    outputs = ops.sum(ScaledSoftplusDense(3, scale=0.5, name="scaled")(inputs), axis=-1, keepdims=True)
    model = keras.Model(inputs, outputs)
    x = np.array([[0.5, -1.0], [1.0, 2.0]], dtype="float32")
    restored = keras.models.model_from_json(
        model.to_json(), custom_objects={"mean_squared_log_error": mean_squared_log_error}
    )
    restored.set_weights(model.get_weights())
    assert isinstance(restored.get_layer("scaled"), ScaledSoftplusDense)
    assert restored.get_layer("scaled").scale == 0.5
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
