"""`evaluate`/`predict` return values and the `*_on_batch` methods, against hand computations."""

import numpy as np
import pytest

import kerasish as keras

rng = np.random.default_rng(3)
X = rng.normal(size=(10, 3)).astype("float32")
Y = rng.normal(size=(10, 2)).astype("float32")
KERNEL = rng.normal(size=(3, 2)).astype("float32")
BIAS = np.array([0.5, -0.5], "float32")


def linear(metrics=None, optimizer=None):
    inputs = keras.Input(shape=(3,), name="x")
    model = keras.Model(inputs, keras.layers.Dense(2, name="out")(inputs))
    model.set_weights([KERNEL, BIAS])
    model.compile(optimizer=optimizer or keras.optimizers.SGD(0.1), loss="mse", metrics=metrics)
    return model


def forward(x=X):
    return x @ KERNEL + BIAS


def test_evaluate_returns_a_scalar_a_list_or_a_dict():
    pred = forward()
    mse, mae = np.mean((pred - Y) ** 2), np.mean(np.abs(pred - Y))

    loss_only = linear().evaluate(X, Y, verbose=0)
    assert isinstance(loss_only, float)
    np.testing.assert_allclose(loss_only, mse, rtol=1e-6)

    model = linear(metrics=["mae", "mse"])
    results = model.evaluate(X, Y, batch_size=4, verbose=0)
    np.testing.assert_allclose(results, [mse, mae, mse], rtol=1e-6)  # loss, then metrics in compile order
    assert model.metrics_names == ["loss", "mae", "mse"]

    as_dict = model.evaluate(X, Y, batch_size=4, verbose=0, return_dict=True)
    assert list(as_dict) == ["loss", "mae", "mse"]
    assert all(type(v) is float for v in as_dict.values())
    np.testing.assert_allclose([as_dict["loss"], as_dict["mae"]], [mse, mae], rtol=1e-6)


def test_evaluate_with_sample_weight():
    sw = rng.uniform(0, 2, size=(10,)).astype("float32")
    per_sample = np.mean((forward() - Y) ** 2, axis=-1) * sw
    # Keras's default reduction, "sum_over_batch_size": sum of weighted per-sample losses / batch size.
    batch_losses = [per_sample[i : i + 4].sum() / len(per_sample[i : i + 4]) for i in (0, 4, 8)]
    expected = (4 * batch_losses[0] + 4 * batch_losses[1] + 2 * batch_losses[2]) / 10
    np.testing.assert_allclose(linear().evaluate(X, Y, sample_weight=sw, batch_size=4, verbose=0), expected, rtol=1e-6)


def test_evaluate_does_not_train_and_resets_metrics_each_call():
    model = linear(metrics=["mae"])
    first = model.evaluate(X[:5], Y[:5], verbose=0)
    model.evaluate(X[5:], Y[5:], verbose=0)
    assert model.evaluate(X[:5], Y[:5], verbose=0) == first
    np.testing.assert_array_equal(model.get_weights()[0], KERNEL)


def test_predict_batches_and_concatenates():
    model = linear()
    predictions = model.predict(X, batch_size=4, verbose=0)  # batches of 4, 4, 2
    assert isinstance(predictions, np.ndarray) and predictions.shape == (10, 2)
    np.testing.assert_allclose(predictions, forward(), rtol=1e-6)


def test_predict_multi_output_list_and_dict():
    inputs = keras.Input(shape=(3,))
    a = keras.layers.Dense(2, name="a")(inputs)
    b = keras.layers.Dense(1, name="b")(inputs)
    as_list = keras.Model(inputs, [a, b]).predict(X, batch_size=4, verbose=0)
    assert isinstance(as_list, list) and [p.shape for p in as_list] == [(10, 2), (10, 1)]
    as_dict = keras.Model(inputs, {"first": a, "second": b}).predict(X, batch_size=4, verbose=0)
    assert isinstance(as_dict, dict) and sorted(as_dict) == ["first", "second"]
    np.testing.assert_allclose(as_dict["first"], as_list[0])
    np.testing.assert_allclose(as_dict["second"], as_list[1])


class _LossPerCall(keras.layers.Layer):
    """Adds one loss per call and returns its input doubled; counts the calls it saw in training mode."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.training_calls = 0

    def call(self, inputs, training=None):
        self.training_calls += bool(training)
        self.add_loss(inputs.sum())
        return inputs * 2


def test_predict_runs_each_batch_as_an_inference_call():
    # predict hands every batch to `call` with its per-call work done once for the loop (`inference_calls`): the
    # numbers, the learning phase and the `add_loss` bookkeeping must be those of `model(x, training=False)`.
    layer = _LossPerCall()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu"), layer])
    model.layers[0].set_weights([KERNEL, BIAS])
    predictions = model.predict(X, batch_size=4, verbose=0)
    np.testing.assert_allclose(predictions, 2 * np.maximum(forward(), 0), rtol=1e-6)
    assert layer.training_calls == 0
    assert len(model.losses) == 1  # the last batch's loss only: each call clears the one before
    np.testing.assert_allclose(model.losses[0].item(), 2 * np.maximum(forward(X[8:]), 0).sum() / 2, rtol=1e-6)


def test_predict_keeps_the_model_call_where_it_has_per_call_work():
    model = linear()
    seen = []
    model.register_forward_hook(lambda module, args, output: seen.append(tuple(output.shape)))
    np.testing.assert_allclose(model.predict(X, batch_size=4, verbose=0), forward(), rtol=1e-6)
    assert seen == [(4, 2), (4, 2), (2, 2)]  # the model's own hook ran once per batch
    half = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], dtype="mixed_bfloat16")
    half.layers[0].set_weights([KERNEL, BIAS])
    predictions = half.predict(X, batch_size=4, verbose=0)
    assert predictions.dtype == np.float32  # bfloat16 results, as float32 (NumPy has no bfloat16)
    np.testing.assert_allclose(predictions, forward(), rtol=2e-2, atol=2e-2)


def test_train_on_batch_is_one_sgd_step():
    model = linear(metrics=["mae"])
    pred = forward()
    loss = model.train_on_batch(X, Y)
    assert isinstance(loss, list) and len(loss) == 2
    np.testing.assert_allclose(loss, [np.mean((pred - Y) ** 2), np.mean(np.abs(pred - Y))], rtol=1e-6)
    # d mean((xK + b - y)^2) / dK = 2 x^T (pred - y) / (n * units)
    grad_kernel = 2 * X.T @ (pred - Y) / Y.size
    grad_bias = 2 * (pred - Y).sum(axis=0) / Y.size
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, KERNEL - 0.1 * grad_kernel, rtol=1e-5)
    np.testing.assert_allclose(bias, BIAS - 0.1 * grad_bias, rtol=1e-5)


def test_train_on_batch_reports_only_that_batch():
    """Keras resets the metrics at each `train_on_batch`: the result is the loss of this batch alone."""
    model = linear(optimizer=keras.optimizers.SGD(0.0))
    model.train_on_batch(X[:5], Y[:5])
    second = model.train_on_batch(X[5:], Y[5:], return_dict=True)
    assert list(second) == ["loss"]
    np.testing.assert_allclose(second["loss"], np.mean((forward(X[5:]) - Y[5:]) ** 2), rtol=1e-6)


def test_train_on_batch_with_sample_and_class_weight():
    model = linear(optimizer=keras.optimizers.SGD(0.0))
    sw = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], "float32")
    expected = np.sum(np.mean((forward() - Y) ** 2, axis=-1) * sw) / 10
    np.testing.assert_allclose(model.train_on_batch(X, Y, sample_weight=sw), expected, rtol=1e-6)

    inputs = keras.Input(shape=(3,))
    classifier = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    classifier.compile(
        optimizer=keras.optimizers.SGD(0.0), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    labels = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 1])
    weighted = classifier.train_on_batch(X, labels, class_weight={0: 0.0, 1: 1.0, 2: 3.0})
    logits = classifier.predict_on_batch(X)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    per_sample = -log_probs[np.arange(10), labels]
    np.testing.assert_allclose(weighted, np.sum(per_sample * np.array([0.0, 1.0, 3.0])[labels]) / 10, rtol=1e-5)


def test_test_on_batch_and_predict_on_batch():
    model = linear(metrics=["mae"])
    pred = forward()
    np.testing.assert_allclose(
        model.test_on_batch(X, Y), [np.mean((pred - Y) ** 2), np.mean(np.abs(pred - Y))], rtol=1e-6
    )
    as_dict = model.test_on_batch(X[:3], Y[:3], return_dict=True)
    assert list(as_dict) == ["loss", "mae"]
    np.testing.assert_allclose(as_dict["mae"], np.mean(np.abs(pred[:3] - Y[:3])), rtol=1e-6)
    np.testing.assert_array_equal(model.get_weights()[0], KERNEL)
    out = model.predict_on_batch(X)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, pred, rtol=1e-6)


def test_on_batch_methods_before_compile():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    for method, args in (("train_on_batch", (X, Y)), ("test_on_batch", (X, Y)), ("evaluate", (X, Y))):
        with pytest.raises(ValueError, match="compile"):
            getattr(model, method)(*args)
    assert model.predict_on_batch(X).shape == (10, 2)  # predicting needs no compile
    assert model.predict(X, verbose=0).shape == (10, 2)
