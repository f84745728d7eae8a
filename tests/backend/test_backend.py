"""kerasish.backend as Keras 2's `K`: settings, session, shapes, and the tensor functions with Keras 2's
defaults (values checked by hand or against NumPy)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import backend as K
from kerasish import config

X = torch.tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])


def test_settings_are_the_config_ones():
    assert K.floatx() == config.floatx() and K.epsilon() == config.epsilon()
    previous = K.epsilon()
    K.set_epsilon(1e-5)
    try:
        assert config.epsilon() == 1e-5
    finally:
        K.set_epsilon(previous)
    previous = K.image_data_format()
    K.set_image_data_format("channels_first")
    try:
        assert config.image_data_format() == "channels_first"
    finally:
        K.set_image_data_format(previous)
    assert K.backend() == "torch"


def test_clear_session_resets_automatic_names():
    K.clear_session()
    first = keras.layers.Dense(2).name
    K.clear_session()
    assert keras.layers.Dense(2).name == first == "dense"
    assert [K.get_uid("x"), K.get_uid("x")] == [1, 2]


def test_shapes_and_keras_tensors():
    inputs = keras.Input((3, 4))
    assert K.is_keras_tensor(inputs) and not K.is_keras_tensor(X)
    assert K.int_shape(inputs) == (None, 3, 4) and K.int_shape(X) == (2, 3)
    assert K.shape(X).tolist() == [2, 3] and K.ndim(X) == 2 and K.count_params(X) == 6


def test_variables():
    v = K.variable([[1.0, 2.0]], name="v")
    assert isinstance(v, torch.nn.Parameter) and v.dtype == torch.float32 and v.name == "v"
    K.set_value(v, [[3.0, 4.0]])
    np.testing.assert_array_equal(K.get_value(v), [[3.0, 4.0]])
    K.update_add(v, 1.0)
    assert K.eval(v).tolist() == [[4.0, 5.0]]
    K.moving_average_update(v, torch.zeros(1, 2), 0.75)
    assert K.get_value(v).tolist() == [[3.0, 3.75]]
    assert K.constant(2.0, shape=(2,)).tolist() == [2.0, 2.0]


@pytest.mark.parametrize(
    "name, args, expected",
    [
        ("mean", (X,), X.numpy().mean()),
        ("sum", (X, 1), X.numpy().sum(1)),
        ("max", (X, 0), X.numpy().max(0)),
        ("square", (X,), X.numpy() ** 2),
        ("abs", (X,), np.abs(X.numpy())),
        ("exp", (X,), np.exp(X.numpy())),
        ("argmax", (X,), X.numpy().argmax(-1)),
        ("argmin", (X,), X.numpy().argmin(-1)),
        ("cumsum", (X,), X.numpy().cumsum(0)),
        ("sqrt", (X,), np.sqrt(np.maximum(X.numpy(), 0))),
        ("clip", (X, -1.0, 2.0), np.clip(X.numpy(), -1, 2)),
        ("clip", (X, 1.0, 0.0), np.full((2, 3), 1.0)),
        ("concatenate", ([X, X],), np.concatenate([X.numpy()] * 2, -1)),
        ("expand_dims", (X,), X.numpy()[..., None]),
        ("permute_dimensions", (X, (1, 0)), X.numpy().T),
        ("transpose", (X,), X.numpy().T),
        ("pow", (X, 2), X.numpy() ** 2),
        ("dot", (X, X.T), X.numpy() @ X.numpy().T),
        ("hard_sigmoid", (X,), np.clip(0.2 * X.numpy() + 0.5, 0, 1)),
        ("relu", (X,), np.maximum(X.numpy(), 0)),
        ("relu", (X, 0.1, 4.0), np.where(X.numpy() > 0, np.minimum(X.numpy(), 4), 0.1 * X.numpy())),
        ("l2_normalize", (X, 1), X.numpy() / np.linalg.norm(X.numpy(), axis=1, keepdims=True)),
        ("batch_flatten", (torch.ones(2, 3, 4),), np.ones((2, 12))),
        ("repeat", (X, 2), np.stack([X.numpy()] * 2, 1)),
        ("maximum", (X, 0.0), np.maximum(X.numpy(), 0)),
        ("greater", (X, 0.0), X.numpy() > 0),
    ],
)
def test_tensor_functions(name, args, expected):
    np.testing.assert_allclose(
        np.asarray(K.get_value(getattr(K, name)(*args)), dtype="float64"),
        np.asarray(expected, dtype="float64"),
        rtol=1e-6,
    )


def test_batch_dot_follows_keras2_shapes():
    x = torch.arange(24.0).reshape(2, 3, 4)
    y = torch.arange(40.0).reshape(2, 4, 5)
    np.testing.assert_allclose(K.batch_dot(x, y).numpy(), np.einsum("bij,bjk->bik", x.numpy(), y.numpy()))
    a, b = torch.arange(6.0).reshape(2, 3), torch.ones(2, 3)
    out = K.batch_dot(a, b)
    assert out.shape == (2, 1) and out.flatten().tolist() == [3.0, 12.0]
    z = K.batch_dot(x, torch.ones(2, 3, 5), axes=(1, 1))
    np.testing.assert_allclose(z.numpy(), np.einsum("bij,bik->bjk", x.numpy(), np.ones((2, 3, 5))))
    with pytest.raises(ValueError, match="batch"):
        K.batch_dot(x, y, axes=0)


def test_switch_and_learning_phase_helpers():
    condition = torch.tensor([True, False])
    assert K.switch(condition, torch.ones(2, 3), torch.zeros(2, 3)).tolist() == [[1.0] * 3, [0.0] * 3]
    assert K.switch(torch.tensor(False), lambda: 1, lambda: 2) == 2
    assert K.in_train_phase(lambda: "train", "test", training=True) == "train"
    assert K.in_train_phase("train", "test") == "test"
    assert K.in_test_phase("test", "train", training=False) == "test"


def test_losses_and_encodings():
    target, output = torch.tensor([[0.0, 1.0]]), torch.tensor([[0.25, 0.75]])
    np.testing.assert_allclose(K.categorical_crossentropy(target, output).numpy(), [-np.log(0.75)], rtol=1e-6)
    np.testing.assert_allclose(
        K.binary_crossentropy(target, output).numpy(), [[-np.log(0.75), -np.log(0.75)]], rtol=1e-6
    )
    np.testing.assert_allclose(
        K.sparse_categorical_crossentropy(torch.tensor([1]), output).numpy(), [-np.log(0.75)], rtol=1e-6
    )
    assert K.one_hot(torch.tensor([1, 0]), 3).tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    assert K.gather(X, torch.tensor([1])).tolist() == [[-4.0, 5.0, -6.0]]
