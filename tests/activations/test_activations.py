"""kerasish.activations against Keras 3 (fixture made by tests/fixtures/activations/make_activations_fixtures.py)."""

import json
import math
import os

import pytest
import torch

from kerasish import activations
from kerasish.saving.object_registry import CustomObjectScope, register_keras_serializable

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "activations", "activations.json")
with open(FIXTURE) as f:
    KERAS = json.load(f)
X = torch.tensor(KERAS["x"])
X2 = torch.tensor(KERAS["x2"])


@pytest.mark.parametrize("case", sorted(KERAS["elementwise"]))
def test_elementwise_matches_keras(case):
    expected = KERAS["elementwise"][case]
    fn = getattr(activations, case.split("/")[0])
    y = fn(X, **expected["kwargs"])
    assert y.dtype == torch.float32 and y.shape == X.shape
    torch.testing.assert_close(y, torch.tensor(expected["y"]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(KERAS["axis"]))
def test_axis_functions_match_keras(case):
    expected = KERAS["axis"][case]
    fn = getattr(activations, case.split("/")[0])
    torch.testing.assert_close(fn(X2, **expected["kwargs"]), torch.tensor(expected["y"]), rtol=1e-5, atol=1e-6)


def test_every_keras_name_is_known():
    assert sorted(activations.ALL_OBJECTS_DICT) == KERAS["names"]
    for name in KERAS["names"]:
        assert getattr(activations, name) is activations.ALL_OBJECTS_DICT[name]


def test_keras_defaults():
    assert activations.leaky_relu(torch.tensor([-1.0])).item() == pytest.approx(-0.2)
    # Keras's activations.gelu is exact (erf) by default.
    assert activations.gelu(torch.tensor([1.0])).item() == pytest.approx(0.5 * (1 + math.erf(1 / math.sqrt(2))))
    assert activations.swish is activations.silu and activations.hard_swish is activations.hard_silu


def test_accepts_lists_and_keeps_dtype_and_gradients():
    torch.testing.assert_close(
        activations.relu([-10.0, -5.0, 0.0, 5.0, 10.0], max_value=5.0), torch.tensor([0.0, 0.0, 0.0, 5.0, 5.0])
    )
    x = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    y = activations.relu(x, negative_slope=0.1, max_value=1.0)
    assert y.dtype == torch.float64
    y.sum().backward()
    torch.testing.assert_close(x.grad, torch.tensor([0.1, 1.0, 0.0], dtype=torch.float64))


def test_softmax_and_sigmoid_keep_logits():
    logits = torch.tensor([[1.0, 2.0]])
    assert activations.softmax(logits)._keras_logits is logits
    assert activations.sigmoid(logits)._keras_logits is logits


@pytest.mark.parametrize("case", sorted(KERAS["sparsemax"]))
def test_sparsemax_matches_keras_on_single_element_supports(case):
    expected = KERAS["sparsemax"][case]
    y = activations.sparsemax(torch.tensor(KERAS["sparsemax_x"]), **expected["kwargs"])
    torch.testing.assert_close(y, torch.tensor(expected["y"]), rtol=1e-5, atol=1e-6)


def test_sparsemax_projects_onto_the_simplex():
    # By hand: for [0.5, 0.4, 0.45, -1] the support is the first three, tau = (1.35 - 1) / 3.
    x = torch.tensor([[0.5, 0.4, 0.45, -1.0], [3.0, 1.0, 0.2, 0.0]])
    tau = 0.35 / 3
    expected = torch.tensor([[0.5 - tau, 0.4 - tau, 0.45 - tau, 0.0], [1.0, 0.0, 0.0, 0.0]])
    torch.testing.assert_close(activations.sparsemax(x), expected)
    torch.testing.assert_close(activations.sparsemax(x.T, axis=0), expected.T)
    y = activations.sparsemax(X2, axis=1)
    torch.testing.assert_close(y.sum(1), torch.ones(2, 4))


def test_get():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert (
        activations.get(
            {"module": "keras.activations", "class_name": "function", "config": "tanh", "registered_name": None}
        )
        is activations.tanh
    )
    fn = lambda x: 2 * x  # noqa: E731
    assert activations.get(fn) is fn
    with pytest.raises(ValueError, match="relux"):
        activations.get("relux")
    with pytest.raises(ValueError, match="42"):
        activations.get(42)


def test_serialize_round_trip():
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(activations.swish) == "silu"
    for name in KERAS["names"]:
        fn = activations.get(name)
        assert activations.deserialize(activations.serialize(fn)) is fn


def test_serialize_custom_function():
    @register_keras_serializable(package="TestActivations")
    def doubled(x):
        return 2 * x

    config = activations.serialize(doubled)
    assert config["class_name"] == "function"
    assert config["config"] == config["registered_name"] == "TestActivations>doubled"
    assert activations.deserialize(config) is doubled

    def tripled(x):
        return 3 * x

    with CustomObjectScope({"tripled": tripled}):
        assert activations.get("tripled") is tripled
