"""Losses inside `compile`/`fit`/`evaluate`: custom `Loss` subclasses and functions, and per-output losses with
`loss_weights` on a two-output functional model, all checked against hand computations in numpy."""

import numpy as np
import pytest
import torch

import kerasish as keras

rng = np.random.default_rng(3)
X = rng.normal(size=(8, 3)).astype("float32")
KERNEL_A = (np.arange(6).reshape(3, 2) / 10 - 0.2).astype("float32")
KERNEL_B = np.array([[0.5], [-0.4], [0.3]], dtype="float32")
Y_A = rng.normal(size=(8, 2)).astype("float32")
Y_B = (rng.uniform(size=(8, 1)) > 0.5).astype("float32")


def two_output_model():
    inputs = keras.Input(shape=(3,))
    a = keras.layers.Dense(2, name="a", kernel_initializer=keras.initializers.Constant(KERNEL_A))(inputs)
    b = keras.layers.Dense(1, name="b", activation="sigmoid", kernel_initializer=keras.initializers.Constant(KERNEL_B))(
        inputs
    )
    return keras.Model(inputs, [a, b])


def one_output_model():
    inputs = keras.Input(shape=(3,))
    out = keras.layers.Dense(2, kernel_initializer=keras.initializers.Constant(KERNEL_A))(inputs)
    return keras.Model(inputs, out)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def huber_np(y, p, delta):
    e = np.abs(p - y)
    return np.where(e <= delta, 0.5 * e**2, delta * e - 0.5 * delta**2).mean(-1)


def bce_np(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)


class ScaledAbsoluteError(keras.losses.Loss):
    def __init__(self, scale=3.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * (y_true - y_pred).abs().sum(dim=-1)


def cubic_error(y_true, y_pred):
    return ((y_pred - y_true).abs() ** 3).mean(dim=-1)


def test_custom_loss_subclass_in_fit_and_evaluate():
    m = one_output_model()
    m.compile(keras.optimizers.SGD(learning_rate=0.0), loss=ScaledAbsoluteError(scale=3.0))
    pred = X @ KERNEL_A
    expected = (3.0 * np.abs(Y_A - pred).sum(-1)).mean()
    history = m.fit(X, Y_A, batch_size=8, epochs=1, verbose=0)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)
    weights = rng.uniform(0.5, 2.0, size=(8,)).astype("float32")
    expected_weighted = (3.0 * np.abs(Y_A - pred).sum(-1) * weights).mean()
    assert m.evaluate(X, Y_A, sample_weight=weights, verbose=0) == pytest.approx(expected_weighted, rel=1e-5)


def test_custom_loss_function_in_fit_moves_weights_as_its_gradient_says():
    m = one_output_model()
    m.compile(keras.optimizers.SGD(learning_rate=0.1), loss=cubic_error)
    pred = X @ KERNEL_A
    history = m.fit(X, Y_A, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert history.history["loss"][0] == pytest.approx((np.abs(pred - Y_A) ** 3).mean(), rel=1e-5)
    # d/dpred mean(|e|^3) = 3 e |e| / (N * units); one SGD step on the kernel.
    err = pred - Y_A
    grad = X.T @ (3 * err * np.abs(err) / err.size)
    np.testing.assert_allclose(m.layers[-1].kernel.numpy(), KERNEL_A - 0.1 * grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "loss, loss_weights",
    [
        ({"a": keras.losses.Huber(delta=0.5), "b": "binary_crossentropy"}, {"a": 0.3, "b": 2.0}),
        ([keras.losses.Huber(delta=0.5), keras.losses.binary_crossentropy], [0.3, 2.0]),
    ],
)
def test_two_outputs_total_is_the_weighted_sum(loss, loss_weights):
    m = two_output_model()
    m.compile("sgd", loss=loss, loss_weights=loss_weights)
    logs = m.evaluate(X, [Y_A, Y_B], verbose=0, return_dict=True)
    loss_a = huber_np(Y_A, X @ KERNEL_A, 0.5).mean()
    loss_b = bce_np(Y_B, sigmoid(X @ KERNEL_B)).mean()
    assert logs["a_loss"] == pytest.approx(loss_a, rel=1e-5)  # the per-output logs are unweighted
    assert logs["b_loss"] == pytest.approx(loss_b, rel=1e-5)
    assert logs["loss"] == pytest.approx(0.3 * loss_a + 2.0 * loss_b, rel=1e-5)


def test_two_outputs_with_custom_losses_and_sample_weights_in_fit():
    m = two_output_model()
    m.compile(
        keras.optimizers.SGD(learning_rate=0.0),
        loss=[ScaledAbsoluteError(scale=2.0), cubic_error],
        loss_weights=[0.5, 4.0],
    )
    sw = rng.uniform(0.0, 2.0, size=(8,)).astype("float32")
    history = m.fit(X, [Y_A, Y_B], sample_weight=sw, batch_size=8, epochs=1, verbose=0)
    loss_a = (2.0 * np.abs(Y_A - X @ KERNEL_A).sum(-1) * sw).mean()
    loss_b = (np.abs(sigmoid(X @ KERNEL_B) - Y_B) ** 3).mean(-1).dot(sw) / 8
    assert history.history["loss"][0] == pytest.approx(0.5 * loss_a + 4.0 * loss_b, rel=1e-5)


def test_new_losses_by_name_in_compile():
    m = one_output_model()
    y = np.abs(Y_A) + 0.1
    for name, fn in [
        ("msle", lambda t, p: (np.log(np.maximum(p, 1e-7) + 1) - np.log(t + 1)) ** 2),
        ("log_cosh", lambda t, p: np.log(np.cosh(p - t))),
        ("mape", lambda t, p: 100 * np.abs((t - p) / t)),
        ("squared_hinge", lambda t, p: np.maximum(1 - t * p, 0) ** 2),
    ]:
        m.compile("sgd", loss=name)
        expected = fn(y, X @ KERNEL_A).mean()
        assert m.evaluate(X, y, verbose=0) == pytest.approx(expected, rel=1e-5), name


def test_loss_objects_serialize_in_compile_config():
    m = one_output_model()
    m.compile("sgd", loss=keras.losses.BinaryFocalCrossentropy(gamma=1.0, from_logits=True))
    restored = keras.losses.deserialize(keras.losses.serialize(m.loss))
    assert isinstance(restored, keras.losses.BinaryFocalCrossentropy) and restored.gamma == 1.0
    y = (Y_A > 0).astype("float32")
    torch.testing.assert_close(
        restored(torch.tensor(y), torch.tensor(X @ KERNEL_A)), m.loss(torch.tensor(y), torch.tensor(X @ KERNEL_A))
    )
