"""What the Keras fixture does not cover: NumPy's semantics where Keras's torch backend departs from them, input
kinds and devices, promotion rules, and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kerasish import config, ops
from kerasish.backend.common.dtypes import result_type

X = np.arange(12, dtype="float32").reshape(3, 4) / 4.0 - 1.0


@pytest.mark.parametrize(
    "pad_width, mode",
    [
        (1, "constant"),
        (((1, 2), (2, 1)), "reflect"),
        (((2, 1), (1, 2)), "symmetric"),
        (((1, 1), (3, 0)), "edge"),
        ((1, 2), "constant"),
    ],
)
def test_pad_matches_numpy(pad_width, mode):
    np.testing.assert_allclose(
        ops.pad(torch.from_numpy(X), pad_width, mode=mode).numpy(), np.pad(X, pad_width, mode=mode)
    )


def test_pad_rejects_unknown_mode():
    with pytest.raises(ValueError, match="'wrap'"):
        ops.pad(X, 1, mode="wrap")


def test_nonzero_rows_unpack_like_numpy():
    rows, cols = ops.nonzero(torch.tensor([[0.0, 1.0], [2.0, 0.0]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]


@pytest.mark.parametrize(
    "dtypes, expected",
    [
        (("int32", float), "float32"),
        (("int8", int), "int8"),
        (("float16", float), "float16"),
        (("bool", int), "int32"),
        (("uint8", "int8"), "int16"),
        (("int32", "float16"), "float16"),
        (("int64", "int64"), "int32"),
        (("float64", "float32"), "float32"),
        ((int, float), "float32"),
        (("bfloat16", "float16"), "float32"),
        ((), "float32"),
    ],
)
def test_result_type_follows_keras_lattice(dtypes, expected):
    assert result_type(*dtypes) == expected


def test_inputs_of_every_kind_give_tensors():
    assert ops.add(np.ones(2, dtype="float64"), [1, 2]).dtype == torch.float64
    assert ops.add([1, 2], [3, 4]).dtype == torch.int32
    assert ops.multiply(2, 3.5).dtype == torch.float32
    assert ops.mean([1, 2, 4]).item() == pytest.approx(7 / 3)
    assert ops.convert_to_tensor(2**40).dtype == torch.int64


def test_int_tensor_with_python_float_follows_floatx():
    previous = config.floatx()
    config.set_floatx("float64")
    try:
        assert ops.add(torch.tensor([1, 2], dtype=torch.int32), 0.5).dtype == torch.float64
        assert ops.mean(torch.tensor([1, 2])).dtype == torch.float32  # Keras: mean of ints is float32
        assert ops.exp(torch.tensor([1])).dtype == torch.float64
    finally:
        config.set_floatx(previous)


def test_outputs_stay_on_the_device_of_tensor_inputs():
    meta = torch.empty(2, 3, device="meta")
    assert ops.add(meta, np.ones(3, dtype="float32")).device.type == "meta"
    assert ops.concatenate([meta, np.zeros((1, 3), dtype="float32")]).shape == (3, 3)


def test_gradients_flow_through_ops():
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ops.sum(ops.square(ops.relu(x))).backward()
    assert x.grad.tolist() == [1.0, 0.0, 4.0]


def test_control_flow_ops():
    assert ops.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (0, 0)) == (4, 6)
    assert ops.fori_loop(0, 5, lambda i, acc: acc + i, 0) == 10
    assert ops.cond(torch.tensor(True), lambda: 1, lambda: 2) == 1
    assert ops.switch(5, [lambda x: x, lambda x: -x], 3) == -3
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), torch.tensor(0.0), torch.tensor([1.0, 2.0, 3.0]))
    assert carry.item() == 6.0 and ys.tolist() == [0.0, 2.0, 9.0]
    doubled = ops.vectorized_map(lambda row: row * 2, torch.ones(3, 2))
    assert doubled.tolist() == [[2.0, 2.0]] * 3
    assert ops.map(lambda row: row.sum(), torch.ones(3, 2)).tolist() == [2.0, 2.0, 2.0]


def test_custom_gradient_uses_the_given_gradient():
    @ops.custom_gradient
    def clipped_identity(x):
        return x * 1.0, lambda upstream: torch.clamp(upstream, -0.5, 0.5)

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (clipped_identity(x) * torch.tensor([3.0, -0.1])).sum().backward()
    assert x.grad.tolist() == pytest.approx([0.5, -0.1])


def test_scatter_adds_repeated_indices_and_scatter_update_reduces():
    out = ops.scatter([[0, 1], [0, 1], [1, 0]], torch.tensor([1.0, 2.0, 5.0]), (2, 2))
    assert out.tolist() == [[0.0, 3.0], [5.0, 0.0]]
    base = torch.tensor([[1.0, 5.0], [2.0, 2.0]])
    assert ops.scatter_update(base, [[0, 1], [1, 1]], [3.0, 4.0], reduction="max").tolist() == [[1.0, 5.0], [2.0, 4.0]]


def test_clear_errors():
    with pytest.raises(ValueError, match="equal sections"):
        ops.split(torch.ones(5), 2)
    with pytest.raises(ValueError, match="same shape"):
        ops.categorical_crossentropy(torch.ones(2, 3), torch.ones(2, 4))
    with pytest.raises(ValueError, match="channels_last"):
        ops.conv(torch.ones(1, 4, 4, 1), torch.ones(2, 2, 1, 1), data_format="nhwc")
    with pytest.raises(ValueError, match="padding"):
        ops.max_pool(torch.ones(1, 4, 4, 1), 2, padding="full")
    with pytest.raises(ValueError, match="Unknown dtype"):
        ops.cast(torch.ones(2), "float33")


def test_channels_first_conv_equals_channels_last():
    x = torch.randn(2, 6, 6, 3, generator=torch.Generator().manual_seed(0))
    kernel = torch.randn(3, 3, 3, 4, generator=torch.Generator().manual_seed(1))
    last = ops.conv(x, kernel, strides=2, padding="same")
    first = ops.conv(x.permute(0, 3, 1, 2), kernel, strides=2, padding="same", data_format="channels_first")
    torch.testing.assert_close(first.permute(0, 2, 3, 1), last)
