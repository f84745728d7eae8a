"""`compile`: how loss, metric and optimizer names resolve, and what the logs are called.

The expected dicts were printed by real Keras 3.15 (JAX backend) running, for each case,

    i = keras.Input(shape=(3,))
    kernel = keras.initializers.Constant(np.arange(3 * units).reshape(3, units) / 10 - 0.3)
    m = keras.Model(i, keras.layers.Dense(units, activation=act, kernel_initializer=kernel)(i))
    m.compile("sgd", loss=loss, metrics=metrics)
    m.evaluate(x, y, verbose=0, return_dict=True, batch_size=12)

on the data made below (numpy's default_rng(5)).
"""

import numpy as np
import pytest

import kerasish as keras

rng = np.random.default_rng(5)
X = rng.normal(size=(12, 3)).astype("float32")
Y_BINARY = (rng.uniform(size=(12, 1)) > 0.5).astype("float32")
Y_SPARSE = rng.integers(0, 3, size=(12,))
Y_ONE_HOT = np.eye(3, dtype="float32")[Y_SPARSE]


def model(units, activation=None):
    inputs = keras.Input(shape=(3,))
    kernel = keras.initializers.Constant(np.arange(3 * units).reshape(3, units) / 10 - 0.3)
    return keras.Model(inputs, keras.layers.Dense(units, activation=activation, kernel_initializer=kernel)(inputs))


CASES = {
    "binary": (
        1,
        "sigmoid",
        Y_BINARY,
        "binary_crossentropy",
        ["accuracy", "acc"],
        {"acc": 0.5833333134651184, "accuracy": 0.5833333134651184, "loss": 0.6728553175926208},
    ),
    "binary_ce": (
        1,
        "sigmoid",
        Y_BINARY,
        "crossentropy",
        ["accuracy"],
        {"accuracy": 0.5833333134651184, "loss": 0.6728553175926208},
    ),
    "sparse": (
        3,
        "softmax",
        Y_SPARSE,
        "sparse_categorical_crossentropy",
        ["accuracy", "sparse_categorical_accuracy"],
        {"accuracy": 0.3333333432674408, "loss": 1.1394827365875244, "sparse_categorical_accuracy": 0.3333333432674408},
    ),
    "sparse_ce": (
        3,
        "softmax",
        Y_SPARSE,
        "crossentropy",
        ["acc"],
        {"acc": 0.3333333432674408, "loss": 1.1394827365875244},
    ),
    "categorical": (
        3,
        "softmax",
        Y_ONE_HOT,
        "categorical_crossentropy",
        ["accuracy"],
        {"accuracy": 0.3333333432674408, "loss": 1.1394827365875244},
    ),
    "categorical_ce": (
        3,
        "softmax",
        Y_ONE_HOT,
        "crossentropy",
        ["accuracy"],
        {"accuracy": 0.3333333432674408, "loss": 1.1394827365875244},
    ),
    "names": (
        3,
        None,
        Y_ONE_HOT,
        "mean_squared_error",
        [
            "mae",
            "mean_absolute_error",
            keras.metrics.MeanAbsoluteError(),
            keras.metrics.mean_squared_error,
            keras.metrics.RootMeanSquaredError(name="rmse"),
        ],
        {
            "loss": 0.5904226303100586,
            "mae": 0.5931766629219055,
            "mean_absolute_error": 0.5931766629219055,
            "mean_absolute_error_1": 0.5931766629219055,
            "mean_squared_error": 0.5904226303100586,
            "rmse": 0.7683896422386169,
        },
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_names_resolve_as_in_keras(case):
    units, activation, y, loss, metrics, expected = CASES[case]
    m = model(units, activation)
    m.compile("sgd", loss=loss, metrics=metrics)
    logs = m.evaluate(X, y, verbose=0, return_dict=True, batch_size=12)
    assert list(logs) == list(expected)
    assert logs == pytest.approx(expected, abs=1e-6)


def test_accuracy_resolution_in_fit_logs():
    m = model(3, "softmax")
    m.compile(keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = m.fit(X, Y_SPARSE, batch_size=5, epochs=1, verbose=0)
    assert history.history["accuracy"] == pytest.approx([0.3333333432674408])


@pytest.mark.parametrize(
    "name, cls, learning_rate",
    [("sgd", "SGD", 0.01), ("adam", "Adam", 0.001), ("Adam", "Adam", 0.001), ("rmsprop", "RMSprop", 0.001)],
)
def test_optimizer_names(name, cls, learning_rate):
    m = model(1)
    m.compile(optimizer=name, loss="mse")
    assert type(m.optimizer).__name__ == cls
    assert float(m.optimizer.learning_rate) == pytest.approx(learning_rate)


def test_default_optimizer_is_rmsprop():
    m = model(1)
    m.compile(loss="mse")
    assert type(m.optimizer).__name__ == "RMSprop"


def test_loss_as_a_function_or_a_callable():
    def my_loss(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean(dim=-1) * 2.0

    for loss in (my_loss, keras.losses.mean_squared_error, keras.losses.MeanSquaredError()):
        m = model(3)
        m.compile("sgd", loss=loss)
        factor = 2.0 if loss is my_loss else 1.0
        assert m.evaluate(X, Y_ONE_HOT, verbose=0) == pytest.approx(factor * 0.5904226303100586, rel=1e-6)


def test_custom_metric_function_is_logged_under_its_name():
    def twice_mae(y_true, y_pred):
        return (y_true - y_pred).abs().mean(dim=-1) * 2

    m = model(3)
    m.compile("sgd", loss="mse", metrics=[twice_mae])
    logs = m.evaluate(X, Y_ONE_HOT, verbose=0, return_dict=True)
    assert logs["twice_mae"] == pytest.approx(2 * 0.5931766629219055, rel=1e-6)


def test_metrics_must_be_a_list():
    with pytest.raises(ValueError, match="metrics"):
        model(1).compile("sgd", loss="mse", metrics="mae")


def test_recompiling_resets_state():
    m = model(3)
    m.compile("sgd", loss="mse", metrics=["mae"])
    m.fit(X, Y_ONE_HOT, epochs=1, verbose=0)
    m.compile("adam", loss="mse", metrics=["mse"])
    logs = m.evaluate(X, Y_ONE_HOT, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "mse"]
    assert m.metrics_names == ["loss", "mse"]
    assert type(m.optimizer).__name__ == "Adam"


def test_multi_output_log_names_and_order_match_keras():
    """Expected values printed by Keras 3.15 (JAX) for the same models, data and compile arguments."""
    inputs = keras.Input(shape=(3,))
    a = keras.layers.Dense(1, name="a", kernel_initializer="ones")(inputs)
    b = keras.layers.Dense(1, name="b", kernel_initializer="ones")(inputs)
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10
    y1, y2 = np.zeros((4, 1)), np.ones((4, 1))
    cases = [
        (
            keras.Model(inputs, {"p": a, "q": b}),
            dict(loss={"p": "mse", "q": "mae"}, metrics={"q": ["mse"]}),
            {"p": y1, "q": y2},
            {"loss": 4.734999656677246, "p_loss": 3.734999895095825, "q_loss": 1.0, "q_mse": 1.434999942779541},
            [4.734999656677246, 3.734999895095825, 1.0, 1.434999942779541],
        ),
        (
            keras.Model(inputs, [a, b]),
            dict(loss="mse"),
            [y1, y2],
            {"a_loss": 3.734999895095825, "b_loss": 1.434999942779541, "loss": 5.170000076293945},
            [5.170000076293945, 3.734999895095825, 1.434999942779541],
        ),
        (
            keras.Model(inputs, [a, b]),
            dict(loss=["mse", None], metrics=[["mae"], ["mse", "mae"]]),
            [y1, y2],
            {"a_mae": 1.649999976158142, "b_mae": 1.0, "b_mse": 1.434999942779541, "loss": 3.734999895095825},
            [3.734999895095825, 1.649999976158142, 1.0, 1.434999942779541],
        ),
    ]
    for m, compile_kwargs, y, expected_dict, expected_list in cases:
        m.compile("sgd", **compile_kwargs)
        logs = m.evaluate(x, y, verbose=0, return_dict=True)
        assert list(logs) == list(expected_dict)
        assert logs == pytest.approx(expected_dict, rel=1e-6)
        assert m.evaluate(x, y, verbose=0) == pytest.approx(expected_list, rel=1e-6)


@pytest.mark.slow  # torch.compile's first compilation
def test_jit_compile_trains_exactly_like_eager():
    """`jit_compile=True` runs the forward pass through torch.compile; the numbers must not change."""
    rng = np.random.default_rng(0)
    x = rng.random((64, 4), dtype=np.float32)
    y = rng.random((64, 1), dtype=np.float32)

    def trained(jit_compile):
        model = keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(0.0),
                keras.layers.Dense(1),
            ],
            name="m",
        )
        model.set_weights(initial)
        model.compile(keras.optimizers.SGD(0.1), "mse", jit_compile=jit_compile)
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        return history.history["loss"], model.predict(x, verbose=0)

    initial = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)]).get_weights()
    eager_loss, eager_pred = trained(False)
    compiled_loss, compiled_pred = trained(True)
    np.testing.assert_allclose(compiled_loss, eager_loss, rtol=1e-5)
    np.testing.assert_allclose(compiled_pred, eager_pred, atol=1e-5)
