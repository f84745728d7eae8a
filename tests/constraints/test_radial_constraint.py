"""RadialConstraint against tf.keras 2.21 (tests/fixtures/constraints/make_radial_constraint_fixtures.py: kernels of
sizes 2 to 5, shape (size, size, 2, 3), through `tf_keras.constraints.RadialConstraint`)."""

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import constraints

FIXTURE = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "constraints" / "radial_constraint.json").read_text()
)


@pytest.mark.parametrize("size", sorted(FIXTURE))
def test_matches_tf_keras(size):
    case = FIXTURE[size]
    out = constraints.RadialConstraint()(torch.tensor(case["kernel"]))
    np.testing.assert_array_equal(out.numpy(), np.asarray(case["constrained"], dtype="float32"))


def test_docstring_example_and_api():
    kernel = torch.arange(16.0).reshape(4, 4, 1, 1)
    out = constraints.radial_constraint()(kernel)[..., 0, 0]
    v11, v33 = 5.0, 15.0  # tf.keras's code (not its docstring): the centre takes v11, the ring v33
    expected = torch.full((4, 4), v33)
    expected[1:3, 1:3] = v11
    torch.testing.assert_close(out, expected)
    assert constraints.get("radial_constraint").__class__ is constraints.RadialConstraint
    assert constraints.serialize(constraints.RadialConstraint())["class_name"] == "RadialConstraint"
    with pytest.raises(ValueError, match="rank 4"):
        constraints.RadialConstraint()(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="square"):
        constraints.RadialConstraint()(torch.zeros(3, 2, 1, 1))


def test_applied_after_each_step_in_training():
    layer = keras.layers.Conv2D(2, 4, kernel_constraint=constraints.RadialConstraint())
    model = keras.Sequential([keras.Input((5, 5, 1)), layer])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.random.rand(4, 5, 5, 1), np.random.rand(4, 2, 2, 2), verbose=0, epochs=1)
    # An even kernel is a fixed point of the projection, so the trained kernel is constant on its rings.
    kernel = torch.tensor(layer.get_weights()[0])
    torch.testing.assert_close(constraints.RadialConstraint()(kernel), kernel)
