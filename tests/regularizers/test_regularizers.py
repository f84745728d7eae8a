"""kerasish.regularizers against hand computation and Keras 3 (fixture made by
tests/fixtures/regularizers/make_regularizers_fixtures.py)."""

import json
import os

import pytest
import torch

from kerasish import regularizers

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "regularizers", "regularizers.json")
with open(FIXTURE) as f:
    KERAS = json.load(f)
X = torch.tensor(KERAS["x"])


def test_penalties_by_hand():
    x = torch.tensor([[1.0, -2.0], [0.5, 0.0]])
    assert regularizers.L1(0.1)(x).item() == pytest.approx(0.1 * 3.5)
    assert regularizers.L2(0.1)(x).item() == pytest.approx(0.1 * 5.25)
    assert regularizers.L1L2(l1=0.1, l2=0.01)(x).item() == pytest.approx(0.35 + 0.0525)
    assert regularizers.L1L2()(x).item() == 0.0
    # Rows [1, 0] and [1, 1]: one pair, normalized dot product 1/sqrt(2); penalty = factor * mean over pairs.
    rows = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    assert regularizers.OrthogonalRegularizer(factor=0.5)(rows).item() == pytest.approx(0.5 / 2**0.5)
    # Columns [1, 1] and [0, 1]: the same dot product.
    assert regularizers.OrthogonalRegularizer(1.0, mode="columns")(rows).item() == pytest.approx(1 / 2**0.5)
    # Three rows [1, 0], [0, 1], [1, 1]: pair dot products 0, 1/sqrt(2), 1/sqrt(2); mean sqrt(2) / 3.
    three = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert regularizers.OrthogonalRegularizer(factor=1.0)(three).item() == pytest.approx(2**0.5 / 3)
    assert regularizers.OrthogonalRegularizer(1.0)(torch.eye(3)).item() == 0.0


@pytest.mark.parametrize("name", sorted(KERAS["cases"]))
def test_matches_keras(name):
    case = KERAS["cases"][name]
    reg = regularizers.deserialize(case["serialized"])
    assert type(reg).__name__ == case["serialized"]["class_name"]
    penalty = reg(X)
    assert penalty.shape == () and penalty.dtype == torch.float32
    assert penalty.item() == pytest.approx(case["penalty"], rel=1e-5, abs=1e-7)
    assert regularizers.serialize(reg) == case["serialized"]
    assert type(reg).from_config(reg.get_config()).get_config() == reg.get_config()


def test_orthogonal_zero_row_matches_keras():
    case = KERAS["orthogonal_zero_row"]
    penalty = regularizers.OrthogonalRegularizer(1.0)(torch.tensor(case["x"]))
    assert penalty.item() == pytest.approx(case["penalty"], rel=1e-5)


def test_keeps_dtype_device_and_gradient():
    x = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    penalty = regularizers.L1L2(l1=0.5, l2=0.25)(x)
    assert penalty.dtype == torch.float64
    penalty.backward()
    torch.testing.assert_close(x.grad, torch.tensor([0.5 + 0.5, -0.5 - 1.0], dtype=torch.float64))


def test_defaults_and_none():
    assert regularizers.L1().l1 == 0.01 and regularizers.L1(None).l1 == 0.01
    assert regularizers.L2().l2 == 0.01 and regularizers.L2(None).l2 == 0.01
    assert regularizers.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.OrthogonalRegularizer().get_config() == {"factor": 0.01, "mode": "rows"}
    assert regularizers.Regularizer()(X).item() == 0.0


def test_bad_arguments():
    for build, word in [
        (lambda: regularizers.L1(-1.0), "l1"),
        (lambda: regularizers.L2(float("nan")), "l2"),
        (lambda: regularizers.L1L2(l2="big"), "l2"),
        (lambda: regularizers.OrthogonalRegularizer(mode="diagonal"), "diagonal"),
    ]:
        with pytest.raises(ValueError, match=word):
            build()
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 2, 2))


def test_get_and_aliases():
    assert set(KERAS["names"]) <= set(regularizers.ALL_OBJECTS_DICT)
    assert regularizers.l1_l2 is regularizers.L1L2 and regularizers.l2 is regularizers.L2
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert isinstance(regularizers.get("orthogonal_regularizer"), regularizers.OrthogonalRegularizer)
    assert regularizers.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5  # Keras 2 shape
    assert isinstance(regularizers.get(regularizers.L1), regularizers.L1)
    fn = lambda x: x.sum()  # noqa: E731
    assert regularizers.get(fn) is fn
    with pytest.raises(ValueError, match="l3"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="0.5"):
        regularizers.get(0.5)
