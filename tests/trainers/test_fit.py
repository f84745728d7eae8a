"""`fit` against hand-written torch training loops, and fit's bookkeeping (epoch loss, freezing, regularization,
callbacks)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import kerasish as keras

rng = np.random.default_rng(42)
X = rng.normal(size=(20, 4)).astype("float32")
Y_REG = rng.normal(size=(20, 2)).astype("float32")
Y_CLS = rng.integers(0, 3, size=(20,)).astype("int64")
BATCHES = [slice(0, 8), slice(8, 16), slice(16, 20)]  # batch_size=8 on 20 rows: the last batch is short


def mlp(units_out: int, regularizer=None):
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(6, activation="tanh", kernel_regularizer=regularizer, name="hidden")(inputs)
    return keras.Model(inputs, keras.layers.Dense(units_out, name="out")(hidden))


def weights_copy(model):
    # Copies: a snapshot must not follow the parameters as they train.
    return [np.array(w, copy=True) for w in model.get_weights()]


def torch_params(model):
    """The model's weights as fresh leaf tensors in Keras layout (kernel (in, out), bias)."""
    return [torch.tensor(w, requires_grad=True) for w in model.get_weights()]


def torch_forward(params, x):
    k1, b1, k2, b2 = params
    return torch.tanh(x @ k1 + b1) @ k2 + b2


def keras_adam(params, grads, state, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras 3's Adam: the bias corrections go into the step size and epsilon is added to sqrt(v) uncorrected."""
    state["t"] = state.get("t", 0) + 1
    t = state["t"]
    step = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    for i, (p, g) in enumerate(zip(params, grads)):
        m = state.setdefault(("m", i), torch.zeros_like(p))
        v = state.setdefault(("v", i), torch.zeros_like(p))
        m.add_((g - m) * (1 - beta_1))
        v.add_((g * g - v) * (1 - beta_2))
        p.sub_(step * m / (v.sqrt() + epsilon))


def torch_fit(params, y, loss_fn, optimizer, epochs=2):
    """A plain torch loop over the batches in order; returns each epoch's batch-size-weighted mean loss."""
    torch_opt = torch.optim.SGD(params, lr=0.1) if optimizer == "sgd" else None
    adam_state = {}
    epoch_losses = []
    for _ in range(epochs):
        total = 0.0
        for index in BATCHES:
            xb, yb = torch.from_numpy(X[index]), torch.from_numpy(y[index])
            loss = loss_fn(torch_forward(params, xb), yb)
            for p in params:
                p.grad = None
            loss.backward()
            if torch_opt is not None:
                torch_opt.step()
            else:
                with torch.no_grad():
                    keras_adam(params, [p.grad for p in params], adam_state, lr=0.01)
            total += loss.item() * len(xb)
        epoch_losses.append(total / len(X))
    return epoch_losses


CASES = {
    "mse_sgd": (2, Y_REG, "mse", lambda p, t: F.mse_loss(p, t), "sgd"),
    "mse_adam": (2, Y_REG, "mse", lambda p, t: F.mse_loss(p, t), "adam"),
    "sparse_ce_sgd": (
        3,
        Y_CLS,
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        lambda p, t: F.cross_entropy(p, t),
        "sgd",
    ),
    "sparse_ce_adam": (
        3,
        Y_CLS,
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        lambda p, t: F.cross_entropy(p, t),
        "adam",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_equals_a_torch_loop(case):
    units, y, loss, torch_loss, optimizer = CASES[case]
    model = mlp(units)
    params = torch_params(model)
    expected_losses = torch_fit(params, y, torch_loss, optimizer)

    model.compile(optimizer=keras.optimizers.SGD(0.1) if optimizer == "sgd" else keras.optimizers.Adam(0.01), loss=loss)
    history = model.fit(X, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected_losses, rtol=1e-5)
    for got, want in zip(model.get_weights(), params, strict=True):
        np.testing.assert_allclose(got, want.detach().numpy(), atol=1e-6)


class TwoDense(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(6, activation="tanh")
        self.out = keras.layers.Dense(2)

    def call(self, x):
        return self.out(self.hidden(x))


@pytest.mark.parametrize("kind", ["sequential_without_input", "subclassed"])
def test_models_built_on_their_first_batch_train_like_a_torch_loop(kind):
    """fit builds these on the first batch; a callback then gives them the reference's weights before any step."""
    model = (
        TwoDense()
        if kind == "subclassed"
        else keras.Sequential([keras.layers.Dense(6, activation="tanh"), keras.layers.Dense(2)])
    )
    reference = mlp(2)
    expected_params = torch_params(reference)
    expected_losses = torch_fit(expected_params, Y_REG, lambda p, t: F.mse_loss(p, t), "sgd")

    class SetInitialWeights(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0 and not hasattr(self, "done"):
                self.model.set_weights(reference.get_weights())
                self.done = True

    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(X, Y_REG, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[SetInitialWeights()])
    np.testing.assert_allclose(history.history["loss"], expected_losses, rtol=1e-5)
    for got, want in zip(model.get_weights(), expected_params, strict=True):
        np.testing.assert_allclose(got, want.detach().numpy(), atol=1e-6)


def test_epoch_loss_is_the_batch_size_weighted_mean():
    """With SGD(0) nothing moves, so the epoch loss is (8*l0 + 8*l1 + 4*l2) / 20 of the fixed model's batch
    losses, which differs from their plain mean."""
    model = mlp(2)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    pred = torch_forward(torch_params(model), torch.from_numpy(X)).detach().numpy()
    batch_losses = [np.mean((pred[i] - Y_REG[i]) ** 2) for i in BATCHES]
    weighted = (8 * batch_losses[0] + 8 * batch_losses[1] + 4 * batch_losses[2]) / 20
    assert abs(weighted - np.mean(batch_losses)) > 1e-3
    history = model.fit(X, Y_REG, batch_size=8, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [weighted], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(X, Y_REG, batch_size=8, verbose=0), weighted, rtol=1e-6)


def test_shuffle_true_visits_every_row_once_per_epoch():
    model = mlp(2)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    history = model.fit(X, Y_REG, batch_size=8, epochs=2, shuffle=True, verbose=0)
    # Nothing trains, so any order of the rows gives the full-data loss.
    full = model.evaluate(X, Y_REG, batch_size=20, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [full, full], rtol=1e-6)


def test_kernel_regularizer_penalty_is_part_of_the_loss():
    model = mlp(2, regularizer=keras.regularizers.L2(0.1))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    kernel = model.get_layer("hidden").get_weights()[0]
    pred = torch_forward(torch_params(model), torch.from_numpy(X)).detach().numpy()
    expected = np.mean((pred - Y_REG) ** 2) + 0.1 * np.sum(kernel**2)
    history = model.fit(X, Y_REG, batch_size=20, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [expected], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(X, Y_REG, batch_size=20, verbose=0), expected, rtol=1e-6)


def test_regularization_gradient_is_applied():
    """One SGD step on loss + 0.1 * sum(k^2) moves the kernel by lr * (dmse/dk + 0.2 k)."""
    model = mlp(2, regularizer=keras.regularizers.L2(0.1))
    params = torch_params(model)
    loss = (
        F.mse_loss(torch_forward(params, torch.from_numpy(X)), torch.from_numpy(Y_REG)) + 0.1 * (params[0] ** 2).sum()
    )
    loss.backward()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(X, Y_REG, batch_size=20, epochs=1, shuffle=False, verbose=0)
    for got, p in zip(model.get_weights(), params):
        np.testing.assert_allclose(got, (p - 0.1 * p.grad).detach().numpy(), atol=1e-6)


def test_frozen_layer_does_not_train():
    model = mlp(2)
    model.get_layer("hidden").trainable = False
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    before = weights_copy(model)
    model.fit(X, Y_REG, batch_size=8, epochs=2, verbose=0)
    after = weights_copy(model)
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])
    assert not np.allclose(after[2], before[2]) and not np.allclose(after[3], before[3])


def test_frozen_layer_still_trains_after_unfreezing_and_recompiling():
    model = mlp(2)
    hidden = model.get_layer("hidden")
    hidden.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(X, Y_REG, batch_size=20, epochs=1, verbose=0)
    hidden.trainable = True
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = weights_copy(hidden)
    model.fit(X, Y_REG, batch_size=20, epochs=1, verbose=0)
    assert not np.allclose(hidden.get_weights()[0], before[0])


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _record(self, hook, index=None, logs=None):
        self.calls.append((hook, index, dict(logs) if logs is not None else None))

    def on_train_begin(self, logs=None):
        self._record("train_begin", logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._record("epoch_begin", epoch)

    def on_train_batch_begin(self, batch, logs=None):
        self._record("batch_begin", batch)

    def on_train_batch_end(self, batch, logs=None):
        self._record("batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._record("test_begin")

    def on_test_batch_end(self, batch, logs=None):
        self._record("test_batch_end", batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._record("epoch_end", epoch, logs)

    def on_train_end(self, logs=None):
        self._record("train_end", logs=logs)


def test_callback_hooks_are_called_with_float_logs():
    model = mlp(2)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    recorder = Recorder()
    history = model.fit(
        X,
        Y_REG,
        batch_size=8,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[recorder],
        validation_data=(X[:5], Y_REG[:5]),
    )
    hooks = [c[0] for c in recorder.calls]
    epoch = ["epoch_begin"] + ["batch_begin", "batch_end"] * 3 + ["test_begin", "test_batch_end", "epoch_end"]
    assert hooks == ["train_begin"] + epoch * 2 + ["train_end"]
    assert [c[1] for c in recorder.calls if c[0] == "batch_end"] == [0, 1, 2, 0, 1, 2]
    assert recorder.params["epochs"] == 2 and recorder.params["steps"] == 3
    for hook, _, logs in recorder.calls:
        if hook in ("batch_end", "test_batch_end", "epoch_end"):
            assert logs and all(type(v) is float for v in logs.values()), (hook, logs)
    epoch_ends = [logs for hook, _, logs in recorder.calls if hook == "epoch_end"]
    assert set(epoch_ends[0]) == {"loss", "mae", "val_loss", "val_mae"}
    assert [e["loss"] for e in epoch_ends] == history.history["loss"]
    assert [e["val_mae"] for e in epoch_ends] == history.history["val_mae"]
    # Batch logs hold the running mean over the epoch so far, so the last batch's equals the epoch's.
    last_batch = [logs for hook, i, logs in recorder.calls if hook == "batch_end" and i == 2]
    assert [b["loss"] for b in last_batch] == pytest.approx(history.history["loss"])


def test_stop_training_from_a_callback():
    class StopAfterBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model = mlp(2)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    recorder = Recorder()
    history = model.fit(X, Y_REG, batch_size=8, epochs=5, verbose=0, callbacks=[StopAfterBatch(), recorder])
    assert history.epoch == [0]
    assert [c[1] for c in recorder.calls if c[0] == "batch_end"] == [0, 1]


def test_stop_training_at_epoch_end():
    class StopAtEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 1

    model = mlp(2)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(X, Y_REG, batch_size=8, epochs=5, verbose=0, callbacks=[StopAtEpoch()])
    assert history.epoch == [0, 1] and len(history.history["loss"]) == 2
    assert model.history is history


def test_initial_epoch_and_validation_freq():
    model = mlp(2)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(
        X, Y_REG, batch_size=8, epochs=5, initial_epoch=1, verbose=0, validation_freq=2, validation_data=(X, Y_REG)
    )
    assert history.epoch == [1, 2, 3, 4]
    assert len(history.history["loss"]) == 4
    assert len(history.history["val_loss"]) == 2  # after epochs 1 and 3 (1-based 2 and 4)


def test_fit_leaves_the_model_in_inference_mode_and_works_with_dropout():
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(2)(keras.layers.Dropout(0.5)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    history = model.fit(X, Y_REG, batch_size=20, epochs=1, verbose=0)
    full = model.evaluate(X, Y_REG, batch_size=20, verbose=0)  # evaluate runs without dropout
    assert history.history["loss"][0] != pytest.approx(full)
    np.testing.assert_array_equal(model.predict(X, verbose=0), model.predict(X, verbose=0))


class _RowSums(keras.layers.Layer):
    """Tracks the mean of its rows' sums in a metric it holds, as Keras's custom-layer guides do."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = keras.metrics.Mean(name="row_sum")

    def call(self, x):
        self.seen.update_state(x.sum(dim=-1))
        return x


def test_a_metric_a_layer_updates_in_call_reports_in_the_logs_as_in_keras():
    """Keras 3.15 (TensorFlow backend) logs, for this program: loss [56.7314, 15.8498], mae [7.04, 3.7903], row_sum
    [9.0, 9.0]; evaluate row_sum 9.0. The layer's metric is reset each epoch, and neither the symbolic graph nor the
    forward pass that builds the compiled metrics on the first batch counts (9 = the mean of 3, 7, 11 and 15)."""
    inputs = keras.Input((2,))
    outputs = keras.layers.Dense(1, kernel_initializer="ones")(_RowSums()(inputs))
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "mse", metrics=["mae"])
    x = np.array([[1, 2], [3, 4], [5, 6], [7, 8]], "float32")
    y = np.zeros((4, 1), "float32")
    history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(history["loss"], [56.7314, 15.8498], rtol=1e-4)
    np.testing.assert_allclose(history["mae"], [7.04, 3.7903], rtol=1e-4)
    assert history["row_sum"] == [9.0, 9.0]
    assert [m.name for m in model.metrics] == ["loss", "mae", "row_sum"]
    assert len(model.metrics_variables) == 6
    assert model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)["row_sum"] == 9.0
