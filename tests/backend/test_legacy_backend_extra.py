"""Keras 2's `K` functions added for tf.keras parity (focal and CTC losses, conv2d_transpose, local convolutions,
pool3d, resizing and padding, normalize_batch_in_training, in_top_k, foldl/foldr, rnn, placeholder/function,
gradients, the learning phase) and Keras 3's `keras.backend` dtype helpers.

tests/fixtures/backend/legacy_backend.json holds tf.keras 2.21's results, made by
tests/fixtures/backend/make_legacy_backend_fixtures.py.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest
import torch

import kerasish
from kerasish import backend as K

_FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "backend", "legacy_backend.json")
with open(_FIXTURE) as f:
    _DATA = json.load(f)
_W = torch.tensor(_DATA["W"])
_U = torch.tensor(_DATA["U"])


def _simple_step(x, states):
    h = K.tanh(K.dot(x, _W) + K.dot(states[0], _U))
    return h, [h]


def _constant_step(x, states):
    h = K.tanh(K.dot(x, _W) + K.dot(states[0], _U) + states[1])
    return h, [h]


STEPS = {
    "simple": _simple_step,
    "constant": _constant_step,
    "sum": lambda acc, x: acc + x,
    "prod": lambda acc, x: acc * x,
    "rev_sub": lambda acc, x: x - 2 * acc,
}


def _build(value):
    if isinstance(value, dict) and "array" in value:
        return torch.as_tensor(np.array(value["array"], dtype=value["dtype"]))
    if isinstance(value, dict) and "tuple" in value:
        return tuple(_build(v) for v in value["tuple"])
    if isinstance(value, list):
        return [_build(v) for v in value]
    return value


def _resolve(fn):
    kind, _, step = fn.partition(":")
    if kind == "rnn":
        return lambda *a, **k: K.rnn(STEPS[step], *a, **k)
    if kind in ("foldl", "foldr"):
        return lambda *a, **k: getattr(K, kind)(STEPS[step], *a, **k)
    return getattr(K, fn)


def _check(result, expected, where):
    if isinstance(expected, list):
        assert isinstance(result, (tuple, list)) and len(result) == len(expected), where
        for i, (r, e) in enumerate(zip(result, expected)):
            _check(r, e, f"{where}[{i}]")
        return
    if "indices" in expected:  # a tf.SparseTensor: a torch sparse COO tensor here
        assert K.is_sparse(result), where
        assert result.indices().T.tolist() == expected["indices"], where
        assert result.values().tolist() == expected["values"], where
        assert list(result.shape) == expected["dense_shape"], where
        return
    value = result.numpy() if isinstance(result, torch.Tensor) else np.asarray(result)
    assert list(value.shape) == expected["shape"], f"{where}: shape {value.shape} vs {expected['shape']}"
    if expected["dtype"] == "bool" or expected["dtype"].startswith("int"):
        np.testing.assert_array_equal(value, np.array(expected["value"]), err_msg=where)
        assert value.dtype.kind == np.dtype(expected["dtype"]).kind, f"{where}: dtype {value.dtype}"
    else:
        np.testing.assert_allclose(value, np.array(expected["value"]), rtol=1e-4, atol=1e-5, err_msg=where)


@pytest.mark.parametrize("case", _DATA["cases"], ids=[c[0] for c in _DATA["cases"]])
def test_matches_tf_keras(case):
    name, fn, args, kwargs = case
    kwargs = {k: _build(v) for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _resolve(fn)(*[_build(a) for a in args], **kwargs)
    _check(result, _DATA["results"][name], name)


def test_placeholder_and_function_run_a_graph():
    x = K.placeholder(shape=(None, 3))
    y = K.placeholder(ndim=2)
    assert K.is_keras_tensor(x) and x.shape == (None, 3) and y.shape == (None, None)
    f = K.function([x], [K.sum(K.square(x), axis=1)])
    (out,) = f([np.array([[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]], "float32")])
    np.testing.assert_allclose(out, [14.0, 1.25])
    model = kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(3, name="d1"), kerasish.layers.ReLU()])
    model.get_layer("d1").set_weights([np.array([[1.0, -1.0, 2.0], [0.5, 0.5, -1.0]], "float32"), np.zeros(3)])
    hidden = K.function([model.inputs[0]], [model.get_layer("d1").output])
    np.testing.assert_allclose(hidden([np.array([[2.0, 4.0]], "float32")])[0], [[4.0, 0.0, 0.0]])


def test_function_rejects_session_arguments():
    x = K.placeholder(shape=(None, 2))
    with pytest.raises(ValueError, match="updates"):
        K.function([x], [x * 2], updates=[(x, x)])
    with pytest.raises(ValueError, match="Session keyword"):
        K.function([x], [x * 2], fetches=[])


def test_gradients():
    w = K.variable(np.array([1.0, -2.0, 3.0]))
    v = K.variable(np.array([4.0]))
    loss = K.sum(w**2) * 0.5
    grad_w, grad_v = K.gradients(loss, [w, v])
    np.testing.assert_allclose(grad_w.numpy(), [1.0, -2.0, 3.0])
    assert grad_v is None


def test_learning_phase_drives_layers_called_without_training():
    layer = kerasish.layers.Dropout(0.5)
    x = torch.ones(1000)
    assert K.learning_phase() == 0
    with pytest.warns(UserWarning, match="deprecated"):
        with K.learning_phase_scope(1):
            assert K.learning_phase() == 1
            dropped = layer(x)
            assert 300 < int((dropped == 0).sum()) < 700
            assert torch.equal(layer(x, training=False), x)  # an explicit `training` wins
    assert K.learning_phase() == 0 and torch.equal(layer(x), x)
    with pytest.warns(UserWarning):
        K.set_learning_phase(1)
    try:
        assert K.learning_phase() == 1 and int((layer(x) == 0).sum()) > 300
        with pytest.raises(ValueError, match="0 or 1"):
            K.set_learning_phase(2)
    finally:
        kerasish.layers.layer.set_default_learning_phase(None)


def test_random_variables_and_binomial():
    variable = K.random_uniform_variable((200, 50), -2.0, 3.0, seed=1)
    assert isinstance(variable, kerasish.Variable) and variable.shape == (200, 50)
    u = variable.detach()
    assert -2.0 <= float(u.min()) and float(u.max()) < 3.0 and abs(float(u.mean()) - 0.5) < 0.1
    n = K.random_normal_variable((200, 50), 1.0, 2.0, seed=1).detach()
    assert abs(float(n.mean()) - 1.0) < 0.1 and abs(float(n.std()) - 2.0) < 0.1
    assert torch.equal(
        K.random_normal_variable((3,), 0.0, 1.0, seed=5), K.random_normal_variable((3,), 0.0, 1.0, seed=5)
    )
    with pytest.warns(UserWarning, match="random_bernoulli"):
        b = K.random_binomial((10000,), p=0.3, seed=2)
    assert set(b.unique().tolist()) <= {0.0, 1.0} and abs(float(b.mean()) - 0.3) < 0.03


def test_sparse_helpers():
    dense = torch.tensor([[0.0, 2.0], [3.0, 0.0]])
    sparse = dense.to_sparse()
    assert K.is_sparse(sparse) and not K.is_sparse(dense)
    assert torch.equal(K.to_dense(sparse), dense) and K.to_dense(dense) is dense


def test_keras2_signatures_and_print_tensor(capsys):
    assert K.equal(x=torch.tensor([1, 2]), y=torch.tensor([1, 3])).tolist() == [True, False]
    assert K.maximum(x=torch.tensor([1.0, 5.0]), y=2.0).tolist() == [2.0, 5.0]
    assert K.reshape(torch.arange(6), shape=(2, 3)).shape == (2, 3)
    assert K.tile(torch.tensor([[1, 2]]), n=(2, 1)).tolist() == [[1, 2], [1, 2]]
    assert K.zeros_like(torch.ones(2), name="z").tolist() == [0.0, 0.0]
    assert len(K.stop_gradient(variables=[torch.ones(1, requires_grad=True)] * 2)) == 2
    x = torch.arange(10.0)
    assert K.print_tensor(x, message="x =", summarize=2) is x
    assert capsys.readouterr().out.strip() == "x = [0. 1. ... 8. 9.]"


def test_keras3_dtype_helpers():
    assert K.standardize_dtype(torch.float16) == "float16" and K.standardize_dtype(int) == "int32"
    assert K.result_type("int8", "uint8") == "int16" and K.result_type("int32", float) == "float32"
    assert K.is_float_dtype("bfloat16") and K.is_float_dtype(np.float64) and not K.is_float_dtype("int32")
    assert K.is_int_dtype("uint8") and K.is_int_dtype(torch.int64) and not K.is_int_dtype("bool")


def test_name_scope_prefixes_variable_paths():
    with K.name_scope("block"):
        v = kerasish.Variable(1.0, name="w")
    assert v.path == "block/w"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: K.conv2d_transpose(torch.ones(1, 3, 3, 2), torch.ones(2, 2, 4, 2), (1, 9, 9, 4)), "output length"),
        (lambda: K.resize_images(torch.ones(1, 2, 2, 1), 2, 2, "channels_last", "gaussian"), "interpolation"),
        (lambda: K.pool3d(torch.ones(1, 2, 2, 2, 1), (2, 2, 2), pool_mode="min"), "pooling mode"),
        (lambda: K.spatial_2d_padding(torch.ones(1, 2, 2, 1), ((1, 1),)), "2 pairs"),
        (lambda: K.placeholder(shape=(None, 2), sparse=True), "dense"),
        (lambda: K.categorical_focal_crossentropy(torch.ones(2, 3), torch.ones(2, 4)), "same shape"),
        (lambda: K.rnn(_simple_step, torch.ones(2, 3), [torch.zeros(2, 4)]), "rank 3"),
    ],
)
def test_bad_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
