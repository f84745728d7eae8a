"""tf.keras 2's `experimental.LinearModel`, `experimental.WideDeepModel` and
`models.experimental.SharpnessAwareMinimization`, trained against tf.keras 2.21's numbers.

The fixture is written by tests/fixtures/models/make_experimental_model_fixtures.py (tf_keras 2.21): each model
starts from recorded weights, trains with `fit(..., shuffle=False)`, and the loss history, final weights and
predictions are recorded.
"""

import json
import pathlib

import numpy as np
import pytest

import kerasish as keras
from kerasish import optimizers

FIXTURE = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "models" / "experimental_model_fixtures.json").read_text()
)
X_WIDE, X_DEEP, Y, Y_BINARY = (np.asarray(FIXTURE[k], dtype="float32") for k in ("x_wide", "x_deep", "y", "y_binary"))
RTOL, ATOL = 2e-5, 2e-6


def _assert_weights(ours, expected):
    assert len(ours) == len(expected)
    for i, (value, reference) in enumerate(zip(ours, expected)):
        np.testing.assert_allclose(value, reference, rtol=RTOL, atol=ATOL, err_msg=f"weight {i}")


def _dnn(initial):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"), keras.layers.Dense(1)])
    model.set_weights([np.asarray(w, dtype="float32") for w in initial])
    return model


def test_linear_model_single_input():
    expected = FIXTURE["linear"]["single"]
    model = keras.experimental.LinearModel()
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    history = model.fit(X_WIDE, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=RTOL)
    _assert_weights(model.get_weights(), expected["weights"])  # kernel, then bias, as tf.keras orders them


def test_linear_model_dict_inputs_logistic():
    expected = FIXTURE["linear"]["dict_logistic"]
    model = keras.experimental.LinearModel(units=1, activation="sigmoid", bias_initializer="ones")
    model.compile(optimizer=optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit({"wide": X_WIDE, "deep": X_DEEP}, Y_BINARY, batch_size=6, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=RTOL)
    np.testing.assert_allclose(history.history["accuracy"], expected["accuracy"], rtol=RTOL)
    # One kernel per key in sorted order ("deep" then "wide"), then the bias.
    _assert_weights(model.get_weights(), expected["weights"])
    config = model.get_config()
    assert {k: v for k, v in config.items() if k != "name"} == {
        k: v for k, v in expected["config"].items() if k != "name"
    }
    clone = keras.experimental.LinearModel.from_config(config)
    clone({"wide": X_WIDE[:1], "deep": X_DEEP[:1]})
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(
        clone.predict({"wide": X_WIDE, "deep": X_DEEP}, verbose=0),
        model.predict({"wide": X_WIDE, "deep": X_DEEP}, verbose=0),
        rtol=1e-6,
    )
    with pytest.raises(ValueError, match="Missing keys"):
        model({"wide": X_WIDE})


@pytest.mark.parametrize(
    ("case", "optimizer", "activation", "loss"),
    [
        ("wide_deep_two_optimizers", lambda: [optimizers.SGD(0.05), optimizers.Adam(0.01)], None, "mse"),
        ("wide_deep_one_optimizer", lambda: optimizers.SGD(0.05), None, "mse"),
        (
            "wide_deep_sigmoid",
            lambda: [optimizers.Ftrl(0.1), optimizers.Adagrad(0.1)],
            "sigmoid",
            "binary_crossentropy",
        ),
    ],
)
def test_wide_deep_model_matches_tf_keras(case, optimizer, activation, loss):
    expected = FIXTURE[case]
    linear = keras.experimental.LinearModel()
    deep = _dnn(expected["initial_deep"])
    model = keras.experimental.WideDeepModel(linear, deep, activation=activation)
    model.compile(optimizer=optimizer(), loss=loss)
    y = Y_BINARY if activation == "sigmoid" else Y
    history = model.fit([X_WIDE, X_DEEP], y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=RTOL)
    _assert_weights(linear.get_weights(), expected["linear_weights"])
    _assert_weights(deep.get_weights(), expected["deep_weights"])
    np.testing.assert_allclose(model.predict([X_WIDE, X_DEEP], verbose=0), expected["prediction"], rtol=RTOL, atol=ATOL)
    if isinstance(model.optimizer, optimizers.MultiOptimizer):
        assert [int(o.iterations) for o in model.optimizer.optimizers] == [9, 9]  # 3 batches x 3 epochs each


def test_wide_deep_model_saves_and_resumes(tmp_path):
    expected = FIXTURE["wide_deep_two_optimizers"]
    model = keras.experimental.WideDeepModel(keras.experimental.LinearModel(), _dnn(expected["initial_deep"]))
    model.compile(optimizer=["sgd", optimizers.Adam(0.01)], loss="mse")
    model.fit([X_WIDE, X_DEEP], Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    config = model.get_compile_config()
    assert [o["class_name"] for o in config["optimizer"]] == ["SGD", "Adam"]
    path = tmp_path / "wide_deep.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    assert type(restored) is keras.experimental.WideDeepModel
    np.testing.assert_allclose(
        restored.predict([X_WIDE, X_DEEP], verbose=0), model.predict([X_WIDE, X_DEEP], verbose=0), rtol=1e-6
    )
    assert [type(o).__name__ for o in restored.optimizer.optimizers] == ["SGD", "Adam"]
    # Resuming continues both optimizers exactly as the original model does.
    model.fit([X_WIDE, X_DEEP], Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    restored.fit([X_WIDE, X_DEEP], Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    _assert_weights(restored.get_weights(), model.get_weights())
    with pytest.raises(ValueError, match="pair"):
        model.compile(optimizer=["sgd", "adam", "sgd"], loss="mse")


@pytest.mark.parametrize(("case", "splits"), [("sam", None), ("sam_splits", 2)])
def test_sharpness_aware_minimization_matches_tf_keras(case, splits):
    expected = FIXTURE[case]
    inner = _dnn(expected["initial"])
    model = keras.models.experimental.SharpnessAwareMinimization(inner, rho=0.1, num_batch_splits=splits)
    model.compile(optimizer=optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(X_DEEP, Y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected["history"]["loss"], rtol=RTOL)
    np.testing.assert_allclose(history.history["mae"], expected["history"]["mae"], rtol=RTOL)
    _assert_weights(inner.get_weights(), expected["weights"])
    config = model.get_config()
    assert config["rho"] == 0.1 and config["model"]["class_name"] == "Sequential"
    clone = keras.models.experimental.SharpnessAwareMinimization.from_config(config)
    assert clone.num_batch_splits == splits
    with pytest.raises(ValueError, match="num_batch_splits"):
        keras.models.experimental.SharpnessAwareMinimization(inner, num_batch_splits=0)


@pytest.mark.parametrize("kind", ["linear", "sam"])
def test_keras_file_round_trip(tmp_path, kind):
    if kind == "linear":
        model = keras.experimental.LinearModel(units=2, activation="sigmoid", bias_initializer="ones")
        model.compile(optimizer="adam", loss="mse")
        model.fit(X_WIDE, np.tile(Y_BINARY, (1, 2)), epochs=1, verbose=0)
        x = X_WIDE
    else:
        model = keras.models.experimental.SharpnessAwareMinimization(
            _dnn(FIXTURE["sam"]["initial"]), rho=0.2, num_batch_splits=2
        )
        model.compile(optimizer="sgd", loss="mse")
        model.fit(X_DEEP, Y, batch_size=6, epochs=1, verbose=0)
        x = X_DEEP
    model.save(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert type(restored) is type(model)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
