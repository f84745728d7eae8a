"""kerasish optimizers against real Keras 3: the same steps from the same start give the same variables.

The fixture is written by tests/fixtures/optimizers/make_optimizer_fixtures.py (Keras 3.15, JAX backend):
- `cases`: every optimizer stepped 5 times on fixed gradients for three variables (ranks 2, 1 and 3), covering
  momentum, nesterov, amsgrad, centered, weight decay, the three clippings, schedules, Keras 2's `lr`/`decay`,
  EMA, gradient accumulation, loss scaling and None gradients;
- `loss_scale`: a LossScaleOptimizer through finite, inf and NaN gradients;
- `fit`: `model.fit` of a small Dense model on one full batch for 5 epochs, per optimizer.
"""

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import optimizers

FIXTURE = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "optimizers" / "optimizer_trajectories.json").read_text()
)
# Variables are O(1): an absolute tolerance of a few float32 ulps of 1 covers elements that cancel to near zero.
RTOL, ATOL = 1e-6, 1e-6


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
            np.testing.assert_allclose(value, expected, rtol=RTOL, atol=ATOL, err_msg=f"step {step}, variable {i}")
    # Same state, in the same order as Keras's `optimizer.variables` (what its checkpoints hold).
    ours = [v.numpy() for v in optimizer.variables]
    if "decay" in case["kwargs"]:
        # Keras 3 has no `decay`: its fixture ran an InverseTimeDecay schedule, which holds no learning_rate.
        assert ours.pop(1) == np.float32(case["kwargs"]["lr"])
    assert len(ours) == len(case["optimizer_variables"])
    for i, (value, expected) in enumerate(zip(ours, case["optimizer_variables"])):
        np.testing.assert_allclose(value, expected, rtol=RTOL, atol=ATOL, err_msg=f"optimizer variable {i}")


def test_loss_scale_optimizer_matches_keras():
    expected = FIXTURE["loss_scale"]
    optimizer = optimizers.LossScaleOptimizer(
        optimizers.SGD(0.1, momentum=0.9), initial_scale=8.0, dynamic_growth_steps=2
    )
    params = [torch.nn.Parameter(torch.tensor(v, dtype=torch.float32)) for v in FIXTURE["initial"]]
    for step, want in enumerate(expected["steps"]):
        # Gradients of a loss multiplied by `scale_loss`: scaled by the current scale.
        grads = [
            optimizer.scale_loss(torch.tensor(g, dtype=torch.float32))
            for g in FIXTURE["grads"][step % len(FIXTURE["grads"])]
        ]
        if step == 2:
            grads[1][2] = float("inf")
        if step == 5:
            grads[0][1, 1] = float("nan")
        optimizer.apply(grads, params)
        for i, (value, keras_value) in enumerate(zip(params, want["variables"])):
            np.testing.assert_allclose(
                value.detach().numpy(), keras_value, rtol=RTOL, atol=ATOL, err_msg=f"step {step}, variable {i}"
            )
        assert int(optimizer.iterations) == want["iterations"]
        state = [v.numpy() for v in optimizer.variables]
        assert len(state) == len(want["optimizer_variables"])
        for i, (value, keras_value) in enumerate(zip(state, want["optimizer_variables"])):
            np.testing.assert_allclose(value, keras_value, rtol=RTOL, atol=ATOL, err_msg=f"step {step}, state {i}")
    assert optimizer.get_config()["initial_scale"] == expected["config"]["initial_scale"]
    assert optimizer.get_config()["dynamic_growth_steps"] == expected["config"]["dynamic_growth_steps"]


def _fit_model():
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(3, activation="tanh")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    model.set_weights([np.asarray(w, dtype="float32") for w in FIXTURE["fit"]["initial_weights"]])
    return model


@pytest.mark.parametrize("name", sorted(FIXTURE["fit"]["cases"]))
def test_fit_matches_keras(name):
    fit = FIXTURE["fit"]
    case = fit["cases"][name]
    model = _fit_model()
    optimizer = optimizers.deserialize({"class_name": case["class_name"], "config": dict(case["kwargs"])})
    model.compile(optimizer=optimizer, loss="mse")
    x, y = np.asarray(fit["x"], dtype="float32"), np.asarray(fit["y"], dtype="float32")
    model.fit(x, y, batch_size=16, epochs=fit["epochs"], shuffle=False, verbose=0)
    for i, (value, expected) in enumerate(zip(model.get_weights(), case["weights"], strict=True)):
        np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-5, err_msg=f"weight {i}")
