"""Keras 2's `fit_generator`/`evaluate_generator`/`predict_generator` and `Sequential.predict_classes`/
`predict_proba`: tf.keras 2's signatures and deprecation warnings, the numbers of the methods they stand for."""

import inspect
import re
import threading
import warnings

import numpy as np
import pytest

import kerasish as keras

rng = np.random.default_rng(16)
X = rng.normal(size=(24, 3)).astype("float32")
Y = rng.normal(size=(24, 2)).astype("float32")
KERNEL = rng.normal(size=(3, 2)).astype("float32")
BIAS = np.array([0.5, -0.5], "float32")

# tf_keras/src/engine/training.py (tf.keras 2.21) and tensorflow/python/keras/engine/sequential.py (TF 2.4).
FIT_GENERATOR_WARNING = (
    "`Model.fit_generator` is deprecated and will be removed in a future version. Please use "
    "`Model.fit`, which supports generators."
)
EVALUATE_GENERATOR_WARNING = (
    "`Model.evaluate_generator` is deprecated and will be removed in a future version. "
    "Please use `Model.evaluate`, which supports generators."
)
PREDICT_GENERATOR_WARNING = (
    "`Model.predict_generator` is deprecated and will be removed in a future version. "
    "Please use `Model.predict`, which supports generators."
)
PREDICT_CLASSES_WARNING = (
    "`model.predict_classes()` is deprecated and will be removed after 2021-01-01. Please use instead:* "
    "`np.argmax(model.predict(x), axis=-1)`,   if your model does multi-class classification   (e.g. if it uses a "
    '`softmax` last-layer activation).* `(model.predict(x) > 0.5).astype("int32")`,   if your model does binary '
    "classification   (e.g. if it uses a `sigmoid` last-layer activation)."
)
PREDICT_PROBA_WARNING = (
    "`model.predict_proba()` is deprecated and will be removed after 2021-01-01. Please use `model.predict()` instead."
)
INVALID_PROBABILITIES_WARNING = (
    "Network returning invalid probability values. The last layer might not normalize "
    "predictions into probabilities (like softmax or sigmoid would)."
)


def linear():
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    model.set_weights([KERNEL, BIAS])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return model


def batches(x=X, y=Y, size=6):
    """An endless generator of `(x, y)` batches, as Keras 2 programs wrote them."""
    while True:
        for start in range(0, len(x), size):
            yield (x[start : start + size], y[start : start + size]) if y is not None else x[start : start + size]


def exact(message):
    return f"^{re.escape(message)}$"


def test_signatures_are_tf_keras_2s():
    def parameters(method):
        return [(p.name, p.default) for p in inspect.signature(method).parameters.values()][2:]  # after x

    assert parameters(keras.Model.fit_generator) == [
        ("steps_per_epoch", None),
        ("epochs", 1),
        ("verbose", 1),
        ("callbacks", None),
        ("validation_data", None),
        ("validation_steps", None),
        ("validation_freq", 1),
        ("class_weight", None),
        ("max_queue_size", 10),
        ("workers", 1),
        ("use_multiprocessing", False),
        ("shuffle", True),
        ("initial_epoch", 0),
    ]
    expected = [
        ("steps", None),
        ("callbacks", None),
        ("max_queue_size", 10),
        ("workers", 1),
        ("use_multiprocessing", False),
        ("verbose", 0),
    ]
    assert parameters(keras.Model.evaluate_generator) == expected
    assert parameters(keras.Model.predict_generator) == expected
    assert parameters(keras.Sequential.predict_classes) == [("batch_size", 32), ("verbose", 0)]
    assert parameters(keras.Sequential.predict_proba) == [("batch_size", 32), ("verbose", 0)]


def test_fit_generator_trains_as_fit_and_warns():
    reference = linear()
    expected = reference.fit(
        batches(), steps_per_epoch=4, epochs=3, verbose=0, validation_data=batches(size=8), validation_steps=3
    )
    model = linear()
    with pytest.warns(UserWarning, match=exact(FIT_GENERATOR_WARNING)):
        history = model.fit_generator(
            batches(), steps_per_epoch=4, epochs=3, verbose=0, validation_data=batches(size=8), validation_steps=3
        )
    assert history is model.history
    assert sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    for key, values in expected.history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-6)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    # And against a hand computation: one SGD step on the first batch, from the known weights.
    first = linear()
    with pytest.warns(UserWarning):
        first.fit_generator(batches(), steps_per_epoch=1, verbose=0)
    x, y = X[:6], Y[:6]
    gradient = 2 * (x @ KERNEL + BIAS - y) / y.size
    np.testing.assert_allclose(first.get_weights()[0], KERNEL - 0.1 * x.T @ gradient, rtol=1e-5)
    np.testing.assert_allclose(first.get_weights()[1], BIAS - 0.1 * gradient.sum(axis=0), rtol=1e-5)


def test_fit_generator_passes_initial_epoch_and_class_weight_on():
    histories = []
    for method in ("fit", "fit_generator"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            histories.append(
                getattr(linear(), method)(batches(), steps_per_epoch=4, epochs=3, initial_epoch=1, verbose=0)
            )
    assert histories[1].epoch == [1, 2]
    np.testing.assert_allclose(histories[1].history["loss"], histories[0].history["loss"], rtol=1e-6)
    # `class_weight` reaches `fit`, which (as Keras 3) takes it with arrays and tf.data only.
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="`class_weight` is only supported"):
        linear().fit_generator(batches(), steps_per_epoch=4, class_weight={0: 1.0, 1: 3.0}, verbose=0)


def test_evaluate_generator_evaluates_as_evaluate_and_warns():
    model = linear()
    expected = model.evaluate(batches(), steps=4, verbose=0)
    with pytest.warns(UserWarning, match=exact(EVALUATE_GENERATOR_WARNING)):
        results = model.evaluate_generator(batches(), steps=4)
    assert results == expected
    pred = X @ KERNEL + BIAS
    np.testing.assert_allclose(results, [np.mean((pred - Y) ** 2), np.mean(np.abs(pred - Y))], rtol=1e-6)


def test_predict_generator_predicts_as_predict_and_warns():
    model = linear()
    with pytest.warns(UserWarning, match=exact(PREDICT_GENERATOR_WARNING)):
        outputs = model.predict_generator(batches(y=None), steps=4)
    np.testing.assert_array_equal(outputs, model.predict(batches(y=None), steps=4, verbose=0))
    np.testing.assert_allclose(outputs, X @ KERNEL + BIAS, rtol=1e-6)


class Batches(keras.utils.PyDataset):
    """Four batches of `(X, Y)`, recording the threads that load them."""

    def __init__(self, with_targets=True):
        super().__init__()
        self.with_targets = with_targets
        self.threads = set()

    def __len__(self):
        return 4

    def __getitem__(self, index):
        self.threads.add(threading.current_thread().name)
        x, y = X[index * 6 : (index + 1) * 6], Y[index * 6 : (index + 1) * 6]
        return (x, y) if self.with_targets else x


@pytest.mark.parametrize("method", ["fit_generator", "evaluate_generator", "predict_generator"])
def test_generator_methods_load_with_their_workers(method):
    # As tf.keras 2 passed them to fit/evaluate/predict: `workers=2` loads a dataset's batches in two threads.
    model = linear()
    dataset = Batches(with_targets=method != "predict_generator")
    with pytest.warns(UserWarning):
        result = getattr(model, method)(dataset, workers=2, verbose=0)
    assert dataset.threads and all(name.startswith("kerasish-loader") for name in dataset.threads)
    if method == "predict_generator":
        np.testing.assert_allclose(result, X @ KERNEL + BIAS, rtol=1e-6)


def test_evaluate_and_predict_take_keras_2s_loading_arguments():
    model = linear()
    dataset = Batches()
    results = model.evaluate(dataset, verbose=0, workers=2, use_multiprocessing=False, max_queue_size=3)
    assert all(name.startswith("kerasish-loader") for name in dataset.threads)
    assert results == model.evaluate(X, Y, batch_size=6, verbose=0)
    inputs = Batches(with_targets=False)
    outputs = model.predict(inputs, verbose=0, workers=2, max_queue_size=3)
    assert all(name.startswith("kerasish-loader") for name in inputs.threads)
    np.testing.assert_allclose(outputs, X @ KERNEL + BIAS, rtol=1e-6)


# ---- Sequential.predict_classes / predict_proba ------------------------------------------------------------------

POINTS = np.array([[1, 0], [0, 1], [0, 0], [3, 4]], "float32")


def softmax_classifier():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3, activation="softmax")])
    model.set_weights([np.array([[2, 0, 1], [0, 3, 1]], "float32"), np.array([0, 0, 0.5], "float32")])
    return model


def sigmoid_classifier():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.array([[1], [-1]], "float32"), np.zeros(1, "float32")])
    return model


def test_predict_classes_is_the_argmax_of_several_outputs():
    # Logits: [2, 0, 1.5], [0, 3, 1.5], [0, 0, 0.5], [6, 12, 7.5].
    with pytest.warns(UserWarning, match=exact(PREDICT_CLASSES_WARNING)):
        classes = softmax_classifier().predict_classes(POINTS)
    assert classes.shape == (4,)
    assert classes.tolist() == [0, 1, 2, 1]


def test_predict_classes_thresholds_one_sigmoid_at_one_half():
    # x0 - x1 = 1, -1, 0, -1: sigmoid 0.73, 0.27, exactly 0.5 (not above the threshold), 0.27.
    with pytest.warns(UserWarning, match=exact(PREDICT_CLASSES_WARNING)):
        classes = sigmoid_classifier().predict_classes(POINTS, batch_size=2)
    assert classes.dtype == np.int32
    assert classes.tolist() == [[1], [0], [0], [0]]


def test_predict_proba_is_predict():
    model = softmax_classifier()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        probabilities = model.predict_proba(POINTS)
    assert [str(w.message) for w in caught] == [PREDICT_PROBA_WARNING]  # softmax: no invalid values
    logits = POINTS @ np.array([[2, 0, 1], [0, 3, 1]], "float32") + np.array([0, 0, 0.5], "float32")
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-6)


def test_predict_proba_warns_about_values_outside_zero_one():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.set_weights([np.array([[1], [-1]], "float32"), np.zeros(1, "float32")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = model.predict_proba(POINTS)
    assert [str(w.message) for w in caught] == [PREDICT_PROBA_WARNING, INVALID_PROBABILITIES_WARNING]
    np.testing.assert_allclose(values, [[1], [-1], [0], [-1]])
