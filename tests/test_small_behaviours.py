"""Small behaviours real Keras programs hit (issue 17) and Keras 2's spellings, each checked by its numbers."""

from __future__ import annotations

import traceback

import numpy as np
import pytest
import torch

import kerasish as keras


def test_functional_model_exposes_its_ends_and_their_shapes():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    out = keras.layers.Dense(2)(a)
    single = keras.Model(a, out)
    assert single.input is a and single.output is out
    assert (single.input_shape, single.output_shape) == ((None, 3), (None, 2))
    several = keras.Model([a, b], [out, b])
    assert several.input_shape == [(None, 3), (None, 2)] and several.output_shape == [(None, 2), (None, 2)]
    keyed = keras.Model({"a": a, "b": b}, out)
    assert isinstance(keyed.input, dict) and keyed.input_shape == [(None, 3), (None, 2)]
    sequential = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Reshape((2, 1))])
    assert sequential.output_shape == (None, 2, 1) and sequential.input_shape == (None, 3)


def test_boolean_one_hot_targets_work_with_categorical_accuracy():
    y_true = np.array([[True, False], [False, True], [False, True]])
    y_pred = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]], "float32")
    np.testing.assert_array_equal(keras.metrics.categorical_accuracy(y_true, y_pred).numpy(), [1.0, 0.0, 1.0])
    metric = keras.metrics.CategoricalAccuracy()
    metric.update_state(y_true, y_pred)
    assert float(metric.result()) == pytest.approx(2 / 3)


def test_compute_loss_without_training_argument_is_called_without_it():
    seen = []

    class Custom(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            seen.append(True)
            return keras.ops.mean((y - y_pred) ** 2)

    inputs = keras.Input((3,))
    model = Custom(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(inputs))
    model.compile("sgd")
    history = model.fit(np.ones((8, 3)), np.full((8, 1), 2.0), batch_size=8, epochs=1, verbose=0)
    assert seen and history.history["loss"][0] == pytest.approx(4.0)  # zero predictions against 2.0


def test_numpy_integers_are_accepted_as_sizes():
    dense = keras.layers.Dense(units=np.int64(8))
    assert tuple(dense(np.ones((2, 3), "float32")).shape) == (2, 8)
    assert type(dense.get_config()["units"]) is int
    conv = keras.layers.Conv2D(np.int32(4), (np.int64(3), 3))
    assert conv.get_config()["kernel_size"] == (3, 3)


def test_stateful_rnn_carries_state_between_batches_and_resets():
    model = keras.Sequential([keras.layers.LSTM(4, stateful=True, batch_input_shape=(2, 5, 3))])
    whole = keras.Sequential([keras.layers.LSTM(4, batch_input_shape=(2, 10, 3))])
    whole.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 10, 3)).astype("float32")
    model.predict(x[:, :5], batch_size=2, verbose=0)
    carried = model.predict(x[:, 5:], batch_size=2, verbose=0)
    np.testing.assert_allclose(carried, whole.predict(x, batch_size=2, verbose=0), rtol=1e-5, atol=1e-6)
    model.reset_states()
    fresh = keras.Sequential([keras.layers.LSTM(4, batch_input_shape=(2, 5, 3))])
    fresh.set_weights(model.get_weights())
    np.testing.assert_allclose(
        model.predict(x[:, 5:], batch_size=2, verbose=0), fresh.predict(x[:, 5:], verbose=0), rtol=1e-5, atol=1e-6
    )


def test_keras2_signatures():
    named = keras.Sequential([keras.layers.Dense(1)], "classifier")  # Keras 2's (layers, name)
    assert named.name == "classifier" and named.trainable
    np.testing.assert_allclose(keras.activations.relu(torch.tensor([-1.0, 2.0]), alpha=0.1).numpy(), [-0.1, 2.0])
    one_hot = keras.utils.to_categorical([0, 2], 3, "int32")
    assert one_hot.dtype == np.int32 and one_hot.tolist() == [[1, 0, 0], [0, 0, 1]]


def test_keras2_save_format_and_options(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(tmp_path / "no_extension", save_format="h5")  # Keras 2 wrote HDF5 whatever the name
    loaded = keras.models.load_model(tmp_path / "no_extension")
    x = np.ones((1, 3), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    model.save_weights(tmp_path / "w.weights.h5", save_format="h5", options=None)  # the legacy layout, as asked
    fresh = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    fresh.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="SavedModel"):
        model.save(tmp_path / "saved", save_format="tf")
    with pytest.raises(ValueError, match="max_shard_size"):
        model.save_weights(tmp_path / "s.weights.h5", max_shard_size=1)


def test_keras2_module_paths():
    from kerasish.layers.advanced_activations import LeakyReLU
    from kerasish.layers.convolutional import MaxPooling2D
    from kerasish.layers.core import Activation, Dropout
    from kerasish.layers.embeddings import Embedding
    from kerasish.layers.merge import concatenate
    from kerasish.layers.recurrent import LSTM
    from kerasish.layers.wrappers import TimeDistributed

    assert (LeakyReLU, MaxPooling2D, Activation, Dropout, Embedding, LSTM, TimeDistributed) == (
        keras.layers.LeakyReLU,
        keras.layers.MaxPooling2D,
        keras.layers.Activation,
        keras.layers.Dropout,
        keras.layers.Embedding,
        keras.layers.LSTM,
        keras.layers.TimeDistributed,
    )
    a, b = keras.Input((2,)), keras.Input((3,))
    assert concatenate([a, b]).shape == (None, 5)
    with pytest.raises(ImportError):
        from kerasish.layers.core import NoSuchLayer  # noqa: F401


def test_errors_in_fit_show_the_users_frames_not_kerasish():
    class Broken(keras.layers.Layer):
        def call(self, x, training=None):
            if training:
                raise ValueError("the user's bug")
            return x

    model = keras.Sequential([keras.Input((3,)), Broken()])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="the user's bug") as info:
        model.fit(np.ones((4, 3)), np.ones((4, 5)), verbose=0)
    files = [frame.filename for frame in traceback.extract_tb(info.value.__traceback__)]
    kerasish_frames = [f for f in files if "/kerasish/" in f]
    assert any(f == __file__ for f in files) and len(kerasish_frames) <= 3, files
    keras.config.disable_traceback_filtering()
    try:
        with pytest.raises(ValueError) as info:
            model.fit(np.ones((4, 3)), np.ones((4, 5)), verbose=0)
        files = [frame.filename for frame in traceback.extract_tb(info.value.__traceback__)]
        assert len([f for f in files if "/kerasish/" in f]) > 5
    finally:
        keras.config.enable_traceback_filtering()


@pytest.mark.slow  # fresh interpreters, one per setting
def test_another_keras_backend_setting_is_warned_about_once():
    import subprocess
    import sys

    code = "import warnings; warnings.simplefilter('always'); import kerasish; import kerasish.layers"
    env = {"KERAS_BACKEND": "jax", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("kerasish runs on PyTorch only") == 1
    quiet = subprocess.run(
        [sys.executable, "-c", code], env={**env, "KERAS_BACKEND": "torch"}, capture_output=True, text=True, timeout=120
    )
    assert "PyTorch only" not in quiet.stderr


def test_model_layers_leave_out_ops_and_operations_hold_them():
    # Keras 3.15: layers ['input_layer', 'dense'], operations InputLayer, Dense, Multiply, Add; summary lists ops.
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs) * 2 + 1)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense"]
    assert [type(op).__name__ for op in model.operations] == ["InputLayer", "Dense", "Multiply", "Add"]
    lines = []
    model.summary(print_fn=lines.append)
    assert "(Multiply)" in lines[0] and "(Add)" in lines[0]


def test_functional_inference_drops_each_activation_after_its_last_reader():
    import weakref

    watched = {}

    class Watch(keras.layers.Layer):
        def call(self, x):
            watched[self.name] = weakref.ref(x)
            return x * 2

    class Look(keras.layers.Layer):
        def call(self, x):
            watched["first_input_alive"] = watched["first"]() is not None
            watched["second_input_alive"] = watched["second"]() is not None
            return x + 1

    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(4)(inputs)
    first = Watch(name="first")(hidden)
    second = Watch(name="second")(first)
    model = keras.Model(inputs, [Look()(second), hidden])  # `hidden` is an output too: kept to the end
    with torch.no_grad():
        model(torch.ones(2, 4))
    # `first`'s input is `hidden`, a model output: alive; `second`'s input was read by `second` only: dropped.
    assert watched["first_input_alive"] and not watched["second_input_alive"]
