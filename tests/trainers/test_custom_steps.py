"""Overridden `train_step`/`test_step`/`predict_step`/`compute_loss`, written as Keras 3's PyTorch guide writes them
("Customizing what happens in fit() with PyTorch")."""

import numpy as np
import pytest
import torch

import kerasish as keras

rng = np.random.default_rng(11)
X = rng.normal(size=(20, 3)).astype("float32")
Y = rng.normal(size=(20, 1)).astype("float32")
INITIAL = [
    rng.normal(size=(3, 4)).astype("float32"),
    np.zeros(4, "float32"),
    rng.normal(size=(4, 1)).astype("float32"),
    np.zeros(1, "float32"),
]


class GuideModel(keras.Model):
    """The guide's model: the whole step by hand, metrics updated from `self.metrics`."""

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]  # as in Keras's torch guide
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def predict_step(self, data):
        (x,) = data
        return {"prediction": self(x, training=False), "doubled": 2 * self(x, training=False)}


def functional(cls=keras.Model):
    inputs = keras.Input(shape=(3,))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    model = cls(inputs, keras.layers.Dense(1)(hidden))
    model.set_weights(INITIAL)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def test_guide_train_step_equals_the_built_in_one():
    # Batches of equal size: the guide's loss tracker takes an unweighted mean over batches.
    custom = functional(GuideModel)
    assert isinstance(custom, GuideModel)
    history = custom.fit(X, Y, batch_size=5, epochs=3, shuffle=False, verbose=0)
    reference = functional()
    expected = reference.fit(X, Y, batch_size=5, epochs=3, shuffle=False, verbose=0)
    assert list(history.history) == ["loss", "mae"]
    for key in ("loss", "mae"):
        np.testing.assert_allclose(history.history[key], expected.history[key], rtol=1e-6)
    for got, want in zip(custom.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_guide_test_step_and_predict_step():
    custom, reference = functional(GuideModel), functional()
    assert custom.evaluate(X, Y, batch_size=5, verbose=0) == pytest.approx(
        reference.evaluate(X, Y, batch_size=5, verbose=0), rel=1e-6
    )
    assert custom.evaluate(X, Y, batch_size=5, verbose=0, return_dict=True) == pytest.approx(
        reference.evaluate(X, Y, batch_size=5, verbose=0, return_dict=True), rel=1e-6
    )
    out = custom.predict(X, batch_size=8, verbose=0)
    assert sorted(out) == ["doubled", "prediction"]
    expected = reference.predict(X, verbose=0)
    np.testing.assert_allclose(out["prediction"], expected, rtol=1e-6)
    np.testing.assert_allclose(out["doubled"], 2 * expected, rtol=1e-6)
    np.testing.assert_allclose(custom.predict_on_batch(X)["doubled"], 2 * expected, rtol=1e-6)


def test_train_step_with_its_own_loss_and_metrics_and_no_compiled_loss():
    """The guide's lower-level variant: compile(optimizer) only; the model owns its loss and metric objects."""

    class OwnMetrics(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
            loss.backward()
            with torch.no_grad():
                self.optimizer.apply([v.grad for v in self.trainable_weights], self.trainable_weights)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    model = OwnMetrics()
    model.compile(optimizer=keras.optimizers.SGD(0.0))
    history = model.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    pred = model.predict(X, verbose=0)
    assert list(history.history) == ["loss", "mae"]
    # Nothing moves (lr 0) and the metrics reset each epoch, so both epochs report the full-data values.
    np.testing.assert_allclose(history.history["loss"], [np.mean((pred - Y) ** 2)] * 2, rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], [np.mean(np.abs(pred - Y))] * 2, rtol=1e-5)


class Penalized(keras.Model):
    """A subclassed model with its own `compute_loss` and a metric attribute, which fit reports."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.penalty = keras.metrics.Mean(name="penalty")

    def call(self, x):
        return self.dense(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
        penalty = 0.5 * y_pred.abs().mean()
        self.penalty.update_state(penalty)
        return loss + penalty


def test_custom_compute_loss_and_tracked_metric():
    model = Penalized()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    pred = model.predict(X, verbose=0)
    penalty = np.mean([0.5 * np.abs(pred[i : i + 5]).mean() for i in range(0, 20, 5)])
    mse, mae = np.mean((pred - Y) ** 2), np.mean(np.abs(pred - Y))
    assert model.metrics_names == ["loss", "mae", "penalty"]
    assert list(history.history) == ["loss", "mae", "penalty"]
    np.testing.assert_allclose(history.history["penalty"], [penalty] * 2, rtol=1e-5)
    np.testing.assert_allclose(history.history["loss"], [mse + penalty] * 2, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(X, Y, batch_size=5, verbose=0), [mse + penalty, mae, penalty], rtol=1e-5)


def test_custom_compute_loss_trains():
    model = Penalized()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(X, Y, batch_size=5, epochs=5, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


class OneDense(keras.Model):
    """A subclassed model with one Dense layer, for tests that override one step."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x):
        return self.dense(x)


def test_train_step_returning_tensors_and_plain_numbers():
    class Plain(OneDense):
        def train_step(self, data):
            x, y = data
            loss = ((self(x) - y) ** 2).mean()
            return {"loss": loss.detach(), "constant": 3}

    class EpochLogs(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.logs = logs

    model = Plain()
    model.compile(optimizer="sgd")
    recorder = EpochLogs()
    history = model.fit(X, Y, batch_size=20, epochs=1, verbose=0, callbacks=[recorder])
    assert history.history["constant"] == [3]
    assert type(recorder.logs["loss"]) is float


def test_sample_weights_reach_a_custom_train_step():
    seen = []

    class Weighted(OneDense):
        def train_step(self, data):
            x, y, sample_weight = data
            seen.append(sample_weight)
            return super().train_step(data)

    model = Weighted()
    model.compile(optimizer="sgd", loss="mse")
    sw = np.arange(20, dtype="float32")
    model.fit(X, Y, sample_weight=sw, batch_size=10, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_array_equal(torch.cat(seen).numpy(), sw)
