"""`fit`/`evaluate`/`predict` against real Keras 3 runs on the same models, weights and data.

The fixture was written by tests/fixtures/trainers/make_fit_fixtures.py (Keras 3.15, JAX backend); its docstring
says what each case does. Here the same models are built in kerasish, given the same initial weights and fitted
with the same arguments: History (keys and values), `evaluate`, `predict` and the final weights must match.
"""

import json
import os

import numpy as np
import pytest

import kerasish as keras

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "trainers", "fit_fixtures.json")
with open(FIXTURE) as f:
    FIX = json.load(f)
DATA = {
    k: np.asarray(v, dtype="int64" if k.startswith(("y_cls", "y_val_cls")) else "float32")
    for k, v in FIX["data"].items()
}
ATOL = 2e-5


def classifier():
    inputs = keras.Input(shape=(4,), name="features")
    hidden = keras.layers.Dense(5, activation="relu", name="hidden")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, name="logits")(hidden), name="classifier")


def regressor():
    inputs = keras.Input(shape=(4,), name="features")
    hidden = keras.layers.Dense(4, activation="tanh", name="hidden")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="out")(hidden), name="regressor")


def two_outputs():
    inputs = keras.Input(shape=(4,), name="features")
    hidden = keras.layers.Dense(5, activation="relu", name="hidden")(inputs)
    out1 = keras.layers.Dense(1, name="out1")(hidden)
    out2 = keras.layers.Dense(3, name="out2")(hidden)
    return keras.Model(inputs, [out1, out2], name="two_outputs")


def scce():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def build(kind):
    model = {"classifier": classifier, "regressor": regressor, "two_outputs": two_outputs}[kind]()
    model.set_weights([np.asarray(w, dtype="float32") for w in FIX["initial_weights"][kind]])
    return model


def assert_history_equal(history: dict, expected: dict):
    assert list(history) == list(expected)  # same keys, in Keras's (sorted) order
    for key, values in expected.items():
        assert len(history[key]) == len(values), key
        np.testing.assert_allclose(history[key], values, atol=ATOL, err_msg=key)
        assert all(isinstance(v, float) for v in history[key]), key


def assert_weights_equal(model, expected):
    for got, want in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_allclose(got, np.asarray(want), atol=ATOL)


def fit_and_check(case, model, compile_kwargs, x, y, validation=None, **fit_kwargs):
    expected = FIX["cases"][case]
    model.compile(**compile_kwargs)
    history = model.fit(
        x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=validation, **fit_kwargs
    )
    assert history is model.history
    assert history.epoch == [0, 1]
    assert_history_equal(history.history, expected["history"])
    assert_weights_equal(model, expected["weights"])
    return expected


SINGLE_OUTPUT = {
    "cls_sgd": (classifier, "y_cls", lambda: keras.optimizers.SGD(0.1), "accuracy"),
    "cls_adam": (classifier, "y_cls", lambda: keras.optimizers.Adam(0.01), "accuracy"),
    "reg_sgd": (regressor, "y_reg", lambda: keras.optimizers.SGD(0.1), "mae"),
    "reg_adam": (regressor, "y_reg", lambda: keras.optimizers.Adam(0.01), "mae"),
}


@pytest.mark.parametrize("case", sorted(SINGLE_OUTPUT))
def test_single_output_fit_evaluate_predict(case):
    kind, y_name, optimizer, metric = SINGLE_OUTPUT[case]
    model = build(kind.__name__)
    loss = scce() if kind is classifier else "mse"
    y_val = DATA[y_name.replace("y_", "y_val_")]
    expected = fit_and_check(
        case,
        model,
        dict(optimizer=optimizer(), loss=loss, metrics=[metric]),
        DATA["x"],
        DATA[y_name],
        validation=(DATA["x_val"], y_val),
    )

    results = model.evaluate(DATA["x_val"], y_val, batch_size=8, verbose=0)
    np.testing.assert_allclose(results, expected["evaluate"], atol=ATOL)
    as_dict = model.evaluate(DATA["x_val"], y_val, batch_size=8, verbose=0, return_dict=True)
    assert list(as_dict) == list(expected["evaluate_dict"])
    np.testing.assert_allclose(list(as_dict.values()), list(expected["evaluate_dict"].values()), atol=ATOL)

    predictions = model.predict(DATA["x_val"], batch_size=8, verbose=0)
    assert isinstance(predictions, np.ndarray) and predictions.dtype == np.float32
    np.testing.assert_allclose(predictions, expected["predict"], atol=ATOL)


def test_sample_weight_and_weighted_metrics():
    model = build("classifier")
    expected = fit_and_check(
        "cls_sample_weight",
        model,
        dict(optimizer=keras.optimizers.SGD(0.1), loss=scce(), metrics=["accuracy"], weighted_metrics=["accuracy"]),
        DATA["x"],
        DATA["y_cls"],
        sample_weight=DATA["sample_weight"],
    )
    as_dict = model.evaluate(DATA["x_val"], DATA["y_val_cls"], batch_size=8, verbose=0, return_dict=True)
    assert as_dict == pytest.approx(expected["evaluate_dict"], abs=ATOL)
    # Keras's list repeats "accuracy" (both metric objects carry that name); kerasish lists each metric once.
    results = model.evaluate(DATA["x_val"], DATA["y_val_cls"], batch_size=8, verbose=0)
    assert results == pytest.approx([as_dict["loss"], as_dict["accuracy"], as_dict["weighted_accuracy"]])


def test_sample_weight_changes_the_loss():
    unweighted = FIX["cases"]["cls_sgd"]["history"]["loss"]
    weighted = FIX["cases"]["cls_sample_weight"]["history"]["loss"]
    assert abs(unweighted[0] - weighted[0]) > 1e-3


def test_class_weight():
    model = build("classifier")
    fit_and_check(
        "cls_class_weight",
        model,
        dict(optimizer=keras.optimizers.SGD(0.1), loss=scce(), metrics=["accuracy"]),
        DATA["x"],
        DATA["y_cls"],
        class_weight={0: 1.0, 1: 2.0, 2: 0.5},
    )


def test_validation_split_matches_keras():
    model = build("regressor")
    fit_and_check(
        "reg_validation_split",
        model,
        dict(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"]),
        DATA["x"],
        DATA["y_reg"],
        validation_split=0.25,
    )


def test_validation_split_uses_the_last_rows():
    """validation_split=0.25 of 20 rows: train on rows 0..14, validate on rows 15..19, as Keras does."""
    model = build("regressor")
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    split = model.fit(
        DATA["x"], DATA["y_reg"], batch_size=8, epochs=2, shuffle=False, verbose=0, validation_split=0.25
    ).history
    model = build("regressor")
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    explicit = model.fit(
        DATA["x"][:15],
        DATA["y_reg"][:15],
        batch_size=8,
        epochs=2,
        shuffle=False,
        verbose=0,
        validation_data=(DATA["x"][15:], DATA["y_reg"][15:]),
    ).history
    assert split == explicit


def test_two_outputs_history_keys_and_loss_weights():
    model = build("two_outputs")
    validation = (DATA["x_val"], [DATA["y_val_one"], DATA["y_val_cls"]])
    expected = fit_and_check(
        "two_outputs",
        model,
        dict(
            optimizer=keras.optimizers.Adam(0.01),
            loss={"out1": "mse", "out2": scce()},
            loss_weights={"out1": 0.5, "out2": 2.0},
            metrics={"out1": ["mae"], "out2": ["accuracy"]},
        ),
        DATA["x"],
        [DATA["y_one"], DATA["y_cls"]],
        validation=validation,
    )
    history = model.history.history
    # The total is the loss_weights-weighted sum of the (unweighted) per-output losses.
    np.testing.assert_allclose(
        history["loss"], 0.5 * np.array(history["out1_loss"]) + 2.0 * np.array(history["out2_loss"]), rtol=1e-6
    )

    results = model.evaluate(*validation, batch_size=8, verbose=0)
    np.testing.assert_allclose(results, expected["evaluate"], atol=ATOL)  # Keras's list order
    as_dict = model.evaluate(*validation, batch_size=8, verbose=0, return_dict=True)
    assert list(as_dict) == list(expected["evaluate_dict"])
    assert as_dict == pytest.approx(expected["evaluate_dict"], abs=ATOL)

    predictions = model.predict(DATA["x_val"], batch_size=8, verbose=0)
    assert isinstance(predictions, list) and len(predictions) == 2
    for got, want in zip(predictions, expected["predict"]):
        np.testing.assert_allclose(got, want, atol=ATOL)


def test_two_outputs_targets_as_dict():
    model = build("two_outputs")
    fit_and_check(
        "two_outputs",
        model,
        dict(
            optimizer=keras.optimizers.Adam(0.01),
            loss={"out1": "mse", "out2": scce()},
            loss_weights={"out1": 0.5, "out2": 2.0},
            metrics={"out1": ["mae"], "out2": ["accuracy"]},
        ),
        DATA["x"],
        {"out1": DATA["y_one"], "out2": DATA["y_cls"]},
        validation=(DATA["x_val"], {"out2": DATA["y_val_cls"], "out1": DATA["y_val_one"]}),
    )
