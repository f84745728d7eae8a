"""kerasish.constraints against hand computation and Keras 3 (fixture made by
tests/fixtures/constraints/make_constraints_fixtures.py)."""

import json
import os

import pytest
import torch

from kerasish import constraints

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "constraints", "constraints.json")
with open(FIXTURE) as f:
    KERAS = json.load(f)
W = torch.tensor(KERAS["w"])


def test_by_hand():
    w = torch.tensor([[3.0, 0.3], [4.0, 0.4]])  # column norms 5 and 0.5
    eps = 1e-7
    torch.testing.assert_close(constraints.MaxNorm(1.0)(w), w * torch.tensor([1 / (5 + eps), 0.5 / (0.5 + eps)]))
    torch.testing.assert_close(constraints.UnitNorm()(w), w / torch.tensor([5.0, 0.5]))
    torch.testing.assert_close(constraints.MinMaxNorm(1.0, 2.0)(w), w * torch.tensor([2 / 5, 1 / 0.5]))
    # rate 0.5: new norms 0.5 * 2 + 0.5 * 5 = 3.5 and 0.5 * 1 + 0.5 * 0.5 = 0.75.
    torch.testing.assert_close(constraints.MinMaxNorm(1.0, 2.0, rate=0.5)(w), w * torch.tensor([3.5 / 5, 0.75 / 0.5]))
    torch.testing.assert_close(constraints.NonNeg()(torch.tensor([-1.0, 0.0, 2.0])), torch.tensor([0.0, 0.0, 2.0]))
    torch.testing.assert_close(constraints.Constraint()(w), w)


@pytest.mark.parametrize("name", sorted(KERAS["cases"]))
def test_matches_keras(name):
    case = KERAS["cases"][name]
    constraint = constraints.deserialize(case["serialized"])
    assert type(constraint).__name__ == case["serialized"]["class_name"]
    torch.testing.assert_close(constraint(W), torch.tensor(case["y"]), rtol=1e-5, atol=1e-6)
    assert constraints.serialize(constraint) == case["serialized"]
    assert type(constraint).from_config(constraint.get_config()).get_config() == constraint.get_config()


def test_keeps_dtype():
    w = torch.randn(3, 4, dtype=torch.float64)
    for c in [constraints.MaxNorm(), constraints.NonNeg(), constraints.UnitNorm(), constraints.MinMaxNorm()]:
        assert c(w).dtype == torch.float64 and c(w).shape == w.shape


def test_get_and_aliases():
    assert sorted(constraints.ALL_OBJECTS_DICT) == KERAS["names"]
    assert constraints.max_norm is constraints.MaxNorm and constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm and constraints.min_max_norm is constraints.MinMaxNorm
    assert constraints.get(None) is None
    assert constraints.get("max_norm").get_config() == {"max_value": 2, "axis": 0}
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    assert constraints.get({"class_name": "UnitNorm", "config": {"axis": 1}}).axis == 1  # Keras 2 shape
    assert isinstance(constraints.get(constraints.MinMaxNorm), constraints.MinMaxNorm)
    fn = lambda w: w.clamp(-1, 1)  # noqa: E731
    assert constraints.get(fn) is fn
    with pytest.raises(ValueError, match="maxnorm"):
        constraints.get("maxnorm")
    with pytest.raises(ValueError, match="3"):
        constraints.get(3)
