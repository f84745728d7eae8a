"""Losses against Keras 3.15.

`loss_fixtures.json` holds Keras's values for every loss x from_logits x label_smoothing x sample_weight shape x
reduction, on rank-2 and rank-3 inputs; it was written by tests/fixtures/losses/make_loss_fixtures.py.
"""

import json
import math
import pathlib
import warnings

import pytest
import torch

from kerasish import losses

FIXTURES = json.loads((pathlib.Path(__file__).parents[1] / "fixtures/losses/loss_fixtures.json").read_text())
CASES = FIXTURES["cases"]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]


def _labels(case):
    dtype = torch.int32 if case["y_true_dtype"].startswith("int") else torch.float32
    return torch.tensor(case["y_true"], dtype=dtype)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_keras(case):
    y_true = _labels(case)
    y_pred = torch.tensor(case["y_pred"])
    sw = None if case["sample_weight"] is None else torch.tensor(case["sample_weight"])
    for reduction in REDUCTIONS:
        loss = getattr(losses, case["class"])(reduction=reduction, **case["kwargs"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            out = loss(y_true, y_pred, sample_weight=sw)
        expected = torch.tensor(case["expected"][reduction])
        assert out.shape == expected.shape, reduction
        torch.testing.assert_close(out, expected, rtol=2e-5, atol=2e-5, msg=reduction)


def test_reduction_none_equals_none_string():
    y_true, y_pred = torch.tensor([[0.0, 1.0]]), torch.tensor([[0.3, 0.6]])
    a = losses.MeanSquaredError(reduction=None)(y_true, y_pred)
    b = losses.MeanSquaredError(reduction="none")(y_true, y_pred)
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(a, torch.tensor([(0.09 + 0.16) / 2]))


def test_keras_docstring_values():
    # The numbers printed in Keras's own docstrings.
    bce = losses.BinaryCrossentropy(from_logits=True)
    y_true, y_pred = torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[-18.6, 0.51], [2.94, -12.8]])
    assert math.isclose(bce(y_true, y_pred).item(), 0.8654, abs_tol=1e-3)
    assert math.isclose(bce(y_true, y_pred, sample_weight=[0.8, 0.2]).item(), 0.243, abs_tol=1e-3)
    y_pred = torch.tensor([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    scce = losses.SparseCategoricalCrossentropy(reduction=None)(torch.tensor([1, 2]), y_pred)
    torch.testing.assert_close(scce, torch.tensor([0.0513, 2.3026]), atol=1e-4, rtol=0)


def test_functions_return_per_sample_losses():
    y_true = torch.tensor([[0.0, 1.0], [0.0, 0.0]])
    y_pred = torch.tensor([[0.6, 0.4], [0.4, 0.6]])
    torch.testing.assert_close(
        losses.binary_crossentropy(y_true, y_pred), torch.tensor([0.9163, 0.7136]), atol=1e-4, rtol=0
    )
    torch.testing.assert_close(losses.mean_squared_error(y_true, y_pred), torch.tensor([0.36, 0.26]))
    torch.testing.assert_close(losses.mean_absolute_error(y_true, y_pred), torch.tensor([0.6, 0.5]))


def test_sparse_labels_int64_and_float_agree():
    y_pred = torch.randn(6, 4)
    labels = torch.tensor([0, 3, 1, 2, 2, 0])
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    expected = torch.nn.functional.cross_entropy(y_pred, labels)
    torch.testing.assert_close(loss(labels, y_pred), expected)
    torch.testing.assert_close(loss(labels.float().unsqueeze(1), y_pred), expected)


def test_gradients_flow():
    y_pred = torch.randn(5, 3, requires_grad=True)
    loss = losses.CategoricalCrossentropy(from_logits=True)(torch.eye(3)[[0, 1, 2, 0, 1]], y_pred)
    loss.backward()
    expected = (torch.softmax(y_pred.detach(), -1) - torch.eye(3)[[0, 1, 2, 0, 1]]) / 5
    torch.testing.assert_close(y_pred.grad, expected)


def test_get_resolves_like_keras():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MAE") is losses.mean_absolute_error
    assert losses.get("bce") is losses.binary_crossentropy
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    loss = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(loss, losses.CategoricalCrossentropy) and loss.from_logits
    instance = losses.MeanSquaredError()
    assert losses.get(instance) is instance
    assert isinstance(losses.get(losses.BinaryCrossentropy), losses.BinaryCrossentropy)
    assert losses.get(None) is None
    with pytest.raises(ValueError, match="Unknown loss: 'not_a_loss'"):
        losses.get("not_a_loss")


def test_serialize_round_trip_and_keras_configs():
    loss = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum", name="b")
    config = losses.serialize(loss)
    assert config == {
        "module": "keras.losses",
        "class_name": "BinaryCrossentropy",
        "config": {"name": "b", "reduction": "sum", "from_logits": True, "label_smoothing": 0.1, "axis": -1},
        "registered_name": None,
    }
    restored = losses.deserialize(config)
    assert isinstance(restored, losses.BinaryCrossentropy) and restored.get_config() == loss.get_config()
    # What Keras 3.15 writes for a loss function.
    keras_fn = {
        "module": "builtins",
        "class_name": "function",
        "config": "mean_squared_error",
        "registered_name": "function",
    }
    assert losses.deserialize(keras_fn) is losses.mean_squared_error
    assert losses.deserialize(losses.serialize(losses.mean_absolute_error)) is losses.mean_absolute_error


def test_loss_function_wrapper_config_round_trip():
    wrapper = losses.LossFunctionWrapper(losses.binary_crossentropy, name="w", from_logits=True)
    config = wrapper.get_config()
    assert config["from_logits"] is True and config["fn"]["config"] == "binary_crossentropy"
    restored = losses.LossFunctionWrapper.from_config(config)
    y_true, y_pred = torch.tensor([[1.0, 0.0]]), torch.tensor([[2.0, -1.0]])
    torch.testing.assert_close(restored(y_true, y_pred), wrapper(y_true, y_pred))


def test_custom_subclass_and_auto_name():
    class MyLoss(losses.Loss):
        def call(self, y_true, y_pred):
            assert y_true.dtype == torch.float32  # Loss casts y_true to its dtype, as Keras does
            return (y_pred - y_true).abs().sum(dim=-1)

    first, second = MyLoss(), MyLoss()
    assert first.name.startswith("my_loss") and first.name != second.name
    out = first(torch.tensor([[1, 2]]), torch.tensor([[0.0, 0.0]]), sample_weight=torch.tensor([2.0]))
    torch.testing.assert_close(out, torch.tensor(6.0))


def test_float64_dtype():
    loss = losses.MeanSquaredError(dtype="float64")
    out = loss(torch.tensor([[1.0]]), torch.tensor([[0.5]]))
    assert out.dtype == torch.float64 and loss.dtype == "float64"


def test_keras_mask_on_y_pred_averages_over_valid_entries():
    y_pred = torch.tensor([[1.0, 0.0], [3.0, 0.0], [5.0, 0.0]])
    y_pred._keras_mask = torch.tensor([True, False, True])
    out = losses.MeanAbsoluteError()(torch.zeros(3, 2), y_pred)
    torch.testing.assert_close(out, torch.tensor((0.5 + 2.5) / 2))


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="same shape"):
        losses.binary_crossentropy(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MeanSquaredError()(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), sample_weight=torch.ones(2))
    with pytest.raises(ValueError, match="target.shape"):
        losses.sparse_categorical_crossentropy(torch.zeros(3, dtype=torch.long), torch.zeros(2, 4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "loss, y_true, y_pred",
    [
        (losses.MeanSquaredError(), torch.ones(4, 3), torch.ones(4, 3)),
        (losses.BinaryCrossentropy(label_smoothing=0.1), torch.ones(4, 3), torch.ones(4, 3)),
        (losses.BinaryCrossentropy(from_logits=True), torch.ones(4, 3), torch.ones(4, 3)),
        (losses.CategoricalCrossentropy(label_smoothing=0.1), torch.ones(4, 3), torch.ones(4, 3)),
        (losses.SparseCategoricalCrossentropy(), torch.ones(4, dtype=torch.long), torch.ones(4, 3)),
        (losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0), torch.ones(4, 1), torch.ones(4, 3)),
    ],
)
def test_loss_never_reads_values_back(loss, y_true, y_pred, reduction):
    # Meta tensors have no data: any host read (.item(), bool(), .tolist()) would raise.
    loss.reduction = reduction
    out = loss(y_true.to("meta"), y_pred.to("meta"), sample_weight=torch.ones(4, device="meta"))
    assert out.device.type == "meta"
