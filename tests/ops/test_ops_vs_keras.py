"""Every case of tests/fixtures/ops/keras_ops.json, replayed with kerasish.ops: values and dtypes must equal what
Keras 3 (torch backend) returned. The cases (broadcasting, negative and tuple axes, int/bool/float16/float64
inputs, Python scalars and NumPy arrays) and how they were made are in tests/fixtures/ops/make_ops_fixtures.py."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from kerasish import ops

_FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "ops", "keras_ops.json")
with open(_FIXTURE) as f:
    _DATA = json.load(f)
_CASES = _DATA["cases"]


def _build(value):
    if isinstance(value, str) and value.startswith("$"):
        spec = _DATA["tensors"][value[1:]]
        return torch.as_tensor(np.array(spec["value"], dtype=spec["dtype"]))
    if isinstance(value, str) and value.startswith("np:"):
        spec = _DATA["tensors"][value[3:]]
        return np.array(spec["value"], dtype=spec["dtype"])
    if isinstance(value, dict) and "tuple" in value:
        return tuple(_build(v) for v in value["tuple"])
    if isinstance(value, dict):
        return {k: _build(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_build(v) for v in value]
    return value


def _check(result, expected, where: str):
    if "sequence" in expected:
        assert isinstance(result, (tuple, list)), where
        assert len(result) == len(expected["sequence"]), where
        for i, (r, e) in enumerate(zip(result, expected["sequence"])):
            _check(r, e, f"{where}[{i}]")
        return
    if "python" in expected:
        value = result.item() if isinstance(result, torch.Tensor) else result
        assert value == pytest.approx(expected["python"]), where
        return
    assert isinstance(result, torch.Tensor), f"{where}: got {type(result).__name__}"
    assert str(result.dtype).replace("torch.", "") == expected["dtype"], where
    assert list(result.shape) == expected["shape"], where
    actual = ops.convert_to_numpy(result)
    wanted = np.array(expected["value"], dtype=actual.dtype if actual.dtype != bool else bool)
    tolerance = 1e-2 if expected["dtype"] in ("float16", "bfloat16") else 1e-5
    np.testing.assert_allclose(actual, wanted, rtol=tolerance, atol=tolerance, err_msg=where)


@pytest.mark.parametrize("case", _CASES, ids=[f"{i}-{c['op']}" for i, c in enumerate(_CASES)])
def test_op_matches_keras(case):
    result = getattr(ops, case["op"])(*_build(case["args"]), **_build(case["kwargs"]))
    _check(result, case["expected"], f"{case['op']}({case['args']}, {case['kwargs']})")


def test_every_op_of_the_issue_is_covered():
    required = """abs add all any arange argmax argmin argsort cast clip concatenate cos cumsum diag divide dot einsum
    equal exp expand_dims eye flip floor full greater identity isnan linspace log log1p logical_and logical_or
    logical_not matmul max maximum mean min minimum moveaxis multiply ones ones_like pad power prod repeat reshape
    round sign sin sort split sqrt square squeeze stack std subtract sum swapaxes take take_along_axis tanh tile
    top_k transpose tril triu var where zeros zeros_like relu gelu sigmoid softmax log_softmax silu softplus conv
    depthwise_conv max_pool average_pool one_hot binary_crossentropy categorical_crossentropy
    sparse_categorical_crossentropy moments batch_normalization ctc_loss dot_product_attention convert_to_tensor
    stop_gradient scatter slice slice_update norm inv solve logsumexp segment_sum fft""".split()
    covered = {case["op"] for case in _CASES}
    assert not [name for name in required if name not in covered]
