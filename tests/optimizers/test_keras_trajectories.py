"""kerasish optimizers against real Keras 3: the same 5 steps from the same start give the same variables.

The fixture is written by tests/fixtures/optimizers/make_optimizer_fixtures.py (Keras 3.15, JAX backend); it
covers momentum, nesterov, amsgrad, centered, weight decay, the three clippings, schedules, Keras 2's
`lr`/`decay`, EMA, gradient accumulation, loss scaling and None gradients.
"""

import json
import pathlib

import numpy as np
import pytest
import torch

from kerasish import optimizers

FIXTURE = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "optimizers" / "optimizer_trajectories.json").read_text()
)


def _run(case):
    optimizer = optimizers.deserialize({"class_name": case["class_name"], "config": dict(case["kwargs"])})
    params = [torch.nn.Parameter(torch.tensor(v, dtype=torch.float32)) for v in FIXTURE["initial"]]
    scale = case["kwargs"].get("loss_scale_factor") or 1.0
    trajectory = []
    for step, grads in enumerate(FIXTURE["grads"]):
        grads = [torch.tensor(g, dtype=torch.float32) * scale for g in grads]
        if step in FIXTURE["none_steps"] and case["none_grad"]:
            grads[1] = None
        optimizer.apply(grads, params)
        trajectory.append([p.detach().numpy().copy() for p in params])
    return optimizer, trajectory


@pytest.mark.parametrize("name", sorted(FIXTURE["cases"]))
def test_trajectory_matches_keras(name):
    case = dict(FIXTURE["cases"][name], none_grad=name.endswith("none_grad"))
    optimizer, trajectory = _run(case)
    for step, (ours, keras_values) in enumerate(zip(trajectory, case["trajectory"])):
        for i, (value, expected) in enumerate(zip(ours, keras_values)):
            np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-7, err_msg=f"step {step}, variable {i}")
    # Same state, in the same order as Keras's `optimizer.variables` (what its checkpoints hold).
    ours = [v.numpy() for v in optimizer.variables]
    if "decay" in case["kwargs"]:
        # Keras 3 has no `decay`: its fixture ran an InverseTimeDecay schedule, which holds no learning_rate.
        assert ours.pop(1) == np.float32(case["kwargs"]["lr"])
    assert len(ours) == len(case["optimizer_variables"])
    for i, (value, expected) in enumerate(zip(ours, case["optimizer_variables"])):
        np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-7, err_msg=f"optimizer variable {i}")
