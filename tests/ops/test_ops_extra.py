"""The ops Keras 3 added late (NaN reductions, unique, histogram, conv_transpose, ctc_decode, depth_to_space, fold,
rearrange, associative_scan, vectorize, ...), replayed against real Keras's results.

tests/fixtures/ops/ops_extra.json was made by tests/fixtures/ops/make_ops_extra_fixtures.py with Keras 3.15 on the
TensorFlow backend (NumPy's results for the four cases that backend cannot run; the script says which).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

import kerasish
from kerasish import ops

_FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "ops", "ops_extra.json")
with open(_FIXTURE) as f:
    _DATA = json.load(f)

FUNCTIONS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "max": lambda a, b: ops.maximum(a, b),
    "pair_add": lambda a, b: [a[0] + b[0], a[1] * b[1]],
    "matvec": lambda m, v: ops.matmul(m, v),
    "scale": lambda a, b: a * 2.0 + b,
}


def _build(value):
    if isinstance(value, dict) and "array" in value:
        return np.array(value["array"], dtype=value["dtype"])
    if isinstance(value, dict) and "tuple" in value:
        return tuple(_build(v) for v in value["tuple"])
    if isinstance(value, list):
        return [_build(v) for v in value]
    return value


def _resolve(op):
    if op.startswith("vectorize:"):
        name, _, signature = op.split(":", 1)[1].partition("@")
        return ops.vectorize(FUNCTIONS[name], signature=signature or None)
    if op.startswith("associative_scan:"):
        fn = FUNCTIONS[op.split(":", 1)[1]]
        return lambda elems, **kw: ops.associative_scan(fn, elems, **kw)
    return getattr(ops, op)


def _check(result, expected, where):
    if isinstance(expected, list):
        assert isinstance(result, (tuple, list)) and len(result) == len(expected), where
        for i, (r, e) in enumerate(zip(result, expected)):
            _check(r, e, f"{where}[{i}]")
        return
    assert isinstance(result, torch.Tensor), where
    assert list(result.shape) == expected["shape"], f"{where}: shape {tuple(result.shape)} vs {expected['shape']}"
    if "real" in expected:
        assert result.is_complex(), where
        np.testing.assert_allclose(result.real.numpy(), expected["real"], rtol=1e-5, atol=1e-6, err_msg=where)
        np.testing.assert_allclose(result.imag.numpy(), expected["imag"], rtol=1e-5, atol=1e-6, err_msg=where)
        return
    assert kerasish.config.dtype_name(result.dtype) == expected["dtype"], f"{where}: dtype {result.dtype}"
    value = result.numpy()
    if value.dtype.kind in "iub":
        np.testing.assert_array_equal(value, np.array(expected["value"]), err_msg=where)
    else:
        np.testing.assert_allclose(value, np.array(expected["value"], dtype=float), rtol=2e-5, atol=2e-5, err_msg=where)


@pytest.mark.parametrize("case", _DATA["cases"], ids=[c[0] for c in _DATA["cases"]])
def test_op_matches_keras(case):
    name, op, args, kwargs = case
    kwargs = {k: _build(v) for k, v in kwargs.items()}
    result = _resolve(op)(*[_build(a) for a in args], **kwargs)
    _check(result, _DATA["results"][name], name)


def _model_of(fn, *shapes, dtype="float32"):
    inputs = [kerasish.Input(shape=s, dtype=dtype) for s in shapes]
    return kerasish.Model(inputs, fn(*inputs))


@pytest.mark.parametrize(
    "fn, x",
    [
        (lambda t: ops.nanmax(t, axis=1), np.array([[1.0, np.nan], [np.nan, np.nan]], "float32")),
        (lambda t: ops.nanargmin(t, axis=-1), np.array([[1.0, np.nan, -3.0], [np.nan, np.nan, 2.0]], "float32")),
        (lambda t: ops.nanquantile(t, 0.5, axis=1), np.array([[1.0, np.nan, 4.0], [2.0, 8.0, 3.0]], "float32")),
        (lambda t: ops.depth_to_space(t, 2), np.arange(32, dtype="float32").reshape(2, 2, 2, 4)),
        (lambda t: ops.space_to_depth(t, 2), np.arange(32, dtype="float32").reshape(2, 4, 4, 1)),
        (lambda t: ops.rearrange(t, "b (h h1) c -> b h (c h1)", h1=2), np.arange(24, dtype="float32").reshape(2, 4, 3)),
        (lambda t: ops.associative_scan(lambda a, b: a + b, t, axis=1), np.arange(10, dtype="float32").reshape(2, 5)),
        (lambda t: ops.unfold(t, 2), np.arange(32, dtype="float32").reshape(2, 1, 4, 4)),
    ],
)
def test_ops_join_functional_models(fn, x):
    model = _model_of(fn, x.shape[1:])
    np.testing.assert_allclose(model.predict(x, verbose=0), fn(torch.as_tensor(x)).numpy(), rtol=1e-6)


def test_symbolic_shapes_follow_keras():
    x = kerasish.Input(shape=(5,), dtype="int32")
    assert ops.unique(x).shape == (None,)
    values, index, inverse, counts = ops.unique(x, return_index=True, return_inverse=True, return_counts=True)
    assert (values.shape, index.shape, inverse.shape, counts.shape) == ((None,), (None,), (None, 5), (None,))
    assert ops.unique(x, size=4).shape == (4,)
    logits = kerasish.Input(shape=(7, 5))
    decoded, scores = ops.ctc_decode(logits, kerasish.Input(shape=(), dtype="int32"))
    assert decoded.shape == (1, None, 7) and decoded.dtype == "int32" and scores.shape == (None, 1)
    image = kerasish.Input(shape=(4, 6, 3))
    out = ops.conv_transpose(image, ops.ones((3, 3, 2, 3)), strides=2, padding="same")
    assert out.shape == (None, 8, 12, 2)
    assert ops.histogram(kerasish.Input(batch_shape=(9,)), bins=4)[1].shape == (5,)


def test_ctc_decode_beam_search_finds_the_most_probable_labelling():
    # Two steps over {blank, a}: P(a) sums the alignments "a-", "-a", "aa" (0.6*0.4 + 0.4*0.6 + 0.6*0.6 = 0.84).
    probs = np.array([[[0.4, 0.6], [0.4, 0.6]]], dtype="float32")
    decoded, scores = ops.ctc_decode(np.log(probs), [2], strategy="beam_search", beam_width=4, top_paths=2)
    assert decoded[:, 0].tolist() == [[1, -1], [-1, -1]]
    np.testing.assert_allclose(np.exp(scores.numpy()), [[0.84, 0.16]], rtol=1e-6)


def test_vectorize_excluded_and_keyword_arguments():
    f = ops.vectorize(lambda x, scale, offset=0.0: x * scale + offset, excluded={1})
    out = f(np.array([1.0, 2.0, 3.0], "float32"), 2.0, offset=np.array([0.0, 1.0, 2.0], "float32"))
    assert out.tolist() == [2.0, 5.0, 8.0]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ops.histogram(np.ones(3), bins=2.5), "bins"),
        (lambda: ops.histogram(np.ones((2, 2)), bins=2), "1-dimensional"),
        (lambda: ops.histogram(np.ones(3), range=(2.0, 1.0)), "greater"),
        (lambda: ops.depth_to_space(np.ones((1, 2, 2, 6)), 2), "divisible"),
        (lambda: ops.space_to_depth(np.ones((1, 3, 4, 1)), 2), "divisible"),
        (lambda: ops.depth_to_space(np.ones((1, 2, 2, 8)), 1), "block_size"),
        (lambda: ops.conv_transpose(np.ones((1, 4, 4, 3)), np.ones((3, 3, 2, 5))), "channels"),
        (lambda: ops.ctc_decode(np.ones((1, 3, 4)), [3], strategy="best"), "strategy"),
        (lambda: ops.rearrange(np.ones((2, 3)), "a b c -> a b c"), "names 3 input axes"),
        (lambda: ops.rearrange(np.ones((2, 6)), "a (b c) -> a b c", b=4), "divide"),
        (lambda: ops.view(np.ones(3, "int32"), "int64"), "divisible"),
        (lambda: ops.unfold(np.ones((2, 3, 4)), 2), "4D"),
    ],
)
def test_bad_arguments_raise(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_models_with_the_new_ops_save_and_load(tmp_path):
    inputs = kerasish.Input(shape=(4, 4, 8))
    x = ops.depth_to_space(inputs, 2)
    x = ops.rearrange(x, "b h w c -> b (h w) c")
    outputs = ops.nanmax(ops.nancumsum(x, axis=1), axis=-1)
    model = kerasish.Model(inputs, outputs)
    data = np.random.default_rng(0).normal(size=(2, 4, 4, 8)).astype("float32")
    data[0, 1, 2, 3] = np.nan
    expected = model.predict(data, verbose=0)
    for name in ("model.keras", "model.h5"):
        path = str(tmp_path / name)
        model.save(path)
        restored = kerasish.models.load_model(path)
        np.testing.assert_allclose(restored.predict(data, verbose=0), expected, rtol=1e-6)
        classes = [layer.__class__.__name__ for layer in restored.operations]
        assert ["DepthToSpace", "Rearrange", "Nancumsum", "Nanmax"] == classes[1:]
