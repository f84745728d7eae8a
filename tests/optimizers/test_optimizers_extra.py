"""Lamb, Muon, ScheduleFreeAdamW and MultiOptimizer/OptimizerMap against real Keras 3.15.

The fixture is written by tests/fixtures/optimizers/make_optimizer_extra_fixtures.py (Keras 3.15, TensorFlow
backend): five named variables (paths `dense/kernel`, `dense/bias`, `embedding/embeddings`, `head/kernel`,
`conv/kernel`) stepped 5 times on fixed gradients; the variables after every step, `optimizer.variables` at the end
and the optimizer's config.
"""

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import optimizers
from kerasish.backend.common.variable import Variable

FIXTURE = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "optimizers" / "optimizer_extra_trajectories.json").read_text()
)
RTOL, ATOL = 1e-5, 1e-6


def _variables():
    return [
        Variable(torch.tensor(v, dtype=torch.float32), path=name)
        for v, name in zip(FIXTURE["initial"], FIXTURE["names"])
    ]


def _step_through(optimizer, variables):
    trajectory = []
    for grads in FIXTURE["grads"]:
        optimizer.apply([torch.tensor(g, dtype=torch.float32) for g in grads], variables)
        trajectory.append([v.detach().numpy().copy() for v in variables])
    return trajectory


def _assert_trajectory(trajectory, expected):
    for step, (ours, theirs) in enumerate(zip(trajectory, expected)):
        for i, (value, reference) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(value, reference, rtol=RTOL, atol=ATOL, err_msg=f"step {step}, variable {i}")


@pytest.mark.parametrize("name", sorted(FIXTURE["cases"]))
def test_trajectory_matches_keras(name):
    case = FIXTURE["cases"][name]
    optimizer = getattr(optimizers, case["class_name"])(**case["kwargs"])
    variables = _variables()
    _assert_trajectory(_step_through(optimizer, variables), case["trajectory"])
    ours = optimizer.variables
    assert [list(v.shape) for v in ours] == case["optimizer_variable_shapes"]
    for i, (value, expected) in enumerate(zip(ours, case["optimizer_variables"])):
        np.testing.assert_allclose(value.numpy(), expected, rtol=RTOL, atol=ATOL, err_msg=f"optimizer variable {i}")
    # Same config keys and values as Keras (names differ only by the auto-naming counter).
    config = optimizer.get_config()
    expected_config = dict(case["config"])
    assert set(config) == set(expected_config)
    for key, value in expected_config.items():
        if key == "name":
            assert config[key].split("_")[0] == value.split("_")[0]
        elif isinstance(value, float):
            assert config[key] == pytest.approx(value, rel=1e-6)
        else:
            assert config[key] == value, key
    # Round trip through the config, then a saved state restores the same next step.
    clone = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(clone) is type(optimizer) and clone.get_config() == config


def test_optimizer_state_round_trips_through_set_weights():
    case = FIXTURE["cases"]["schedule_free_adamw_warmup"]
    first = optimizers.ScheduleFreeAdamW(**case["kwargs"])
    variables = _variables()
    grads = [torch.tensor(g, dtype=torch.float32) for g in FIXTURE["grads"][0]]
    first.apply(grads, variables)
    second_vars = [Variable(v.detach().clone(), path=v.path) for v in variables]
    second = optimizers.ScheduleFreeAdamW(**case["kwargs"])
    second.build(second_vars)
    second.set_weights([v.numpy() for v in first.variables])
    first.apply(grads, variables)
    second.apply(grads, second_vars)
    for a, b in zip(variables, second_vars):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_multi_optimizer_matches_keras():
    expected = FIXTURE["multi_optimizer"]
    optimizer_map = optimizers.OptimizerMap(
        default_optimizer=optimizers.SGD(learning_rate=0.1, momentum=0.9),
        optimizer_map={"dense/.*": optimizers.Adam(learning_rate=0.01), "head/kernel": optimizers.Lion()},
    )
    optimizer = optimizers.MultiOptimizer(optimizer_map, name="multi")
    variables = _variables()
    _assert_trajectory(_step_through(optimizer, variables), expected["trajectory"])
    ours = optimizer.variables
    assert [list(v.shape) for v in ours] == expected["optimizer_variable_shapes"]
    for i, (value, reference) in enumerate(zip(ours, expected["optimizer_variables"])):
        np.testing.assert_allclose(value.numpy(), reference, rtol=RTOL, atol=ATOL, err_msg=f"optimizer variable {i}")
    assert [int(o.iterations) for o in optimizer.optimizers] == expected["iterations"]
    assert int(optimizer.iterations) == 5

    # Keras's config shape, and a rebuilt MultiOptimizer dispatches the same way.
    config = optimizers.serialize(optimizer)
    assert config["class_name"] == "MultiOptimizer"
    assert config["config"]["optimizer_map"]["class_name"] == "OptimizerMap"
    assert set(config["config"]["optimizer_map"]["config"]["optimizer_map"]) == {"dense/.*", "head/kernel"}
    assert config["config"]["name"] == expected["config"]["config"]["name"] == "multi"
    clone = optimizers.deserialize(json.loads(json.dumps(config)))
    assert [type(o).__name__ for o in clone.optimizers] == ["Adam", "Lion", "SGD"]
    clone_vars = _variables()
    _assert_trajectory(_step_through(clone, clone_vars), expected["trajectory"])

    # Saved state restores into a rebuilt optimizer.
    restored = optimizers.deserialize(config)
    restored.build(_variables())
    restored.set_weights([v.numpy() for v in optimizer.variables])
    assert int(restored.iterations) == 5
    assert [int(o.iterations) for o in restored.optimizers] == [5, 5, 5]


def test_multi_optimizer_has_no_single_learning_rate():
    optimizer = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()))
    with pytest.raises(AttributeError, match="sub-optimizers"):
        optimizer.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="sub-optimizers"):
        optimizer.learning_rate = 0.1
    optimizer.loss_scale_factor = 4.0
    assert optimizer.optimizers[0].loss_scale_factor == 4.0


def test_optimizer_map_lookup_rules():
    sgd, adam, rms = optimizers.SGD(), optimizers.Adam(), optimizers.RMSprop()
    optimizer_map = optimizers.OptimizerMap(default_optimizer=rms)
    optimizer_map["encoder/layer_0/dense"] = adam
    optimizer_map["encoder/.*"] = sgd
    optimizer_map["decoder"] = adam
    assert optimizer_map["decoder"] is adam
    assert optimizer_map["encoder/layer_0/dense"] is adam  # the exact key wins over the pattern
    assert optimizer_map["encoder/layer_0/attention/query"] is sgd
    assert optimizer_map["decoder/layer_0/dense"] is rms  # "decoder" matches only itself
    assert len(optimizer_map) == 3
    with pytest.raises(ValueError, match="already exists"):
        optimizer_map["decoder"] = sgd
    with pytest.raises(ValueError, match="LossScaleOptimizer"):
        optimizer_map["x"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    optimizer_map["enc.*"] = adam
    with pytest.raises(ValueError, match="Multiple optimizers"):
        optimizer_map["encoder/other"]
    with pytest.raises(TypeError, match="default_optimizer"):
        optimizers.OptimizerMap("sgd")


def test_multi_optimizer_with_callable_trains_a_model():
    """Dense kernels with Adam, the rest with SGD, through model.fit: each variable moves as its optimizer says."""
    torch.manual_seed(0)
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    reference = keras.models.clone_model(model)
    reference.set_weights(model.get_weights())
    adam, sgd = optimizers.Adam(0.05), optimizers.SGD(0.05)
    model.compile(optimizer=optimizers.MultiOptimizer(lambda v: adam if v.path.endswith("kernel") else sgd), loss="mse")
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    assert int(adam.iterations) == int(sgd.iterations) == 3
    # The same run by hand: the kernel stepped by Adam, the bias by SGD.
    kernel, bias = (torch.nn.Parameter(torch.tensor(w)) for w in reference.get_weights())
    ref_adam, ref_sgd = optimizers.Adam(0.05), optimizers.SGD(0.05)
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(3):
        loss = ((xt @ kernel + bias - yt) ** 2).mean()
        kernel.grad, bias.grad = torch.autograd.grad(loss, [kernel, bias])
        ref_adam.apply([kernel.grad], [kernel])
        ref_sgd.apply([bias.grad], [bias])
    np.testing.assert_allclose(model.get_weights()[0], kernel.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], bias.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_muon_newton_schulz_orthogonalises():
    g = torch.randn(6, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x = optimizers.muon.zeropower_via_newtonschulz5(g, 5, 3.4445, -4.7750, 2.0315)
    singular = torch.linalg.svdvals(x)
    assert x.shape == g.shape
    assert torch.all((singular > 0.6) & (singular < 1.25))  # Keras's quintic pushes them near 1, not onto it


def test_bad_arguments():
    with pytest.raises(ValueError, match="warmup_steps"):
        optimizers.ScheduleFreeAdamW(warmup_steps=-1)
    with pytest.raises(ValueError, match="ns_steps"):
        optimizers.Muon(ns_steps=1.5)
    with pytest.raises(ValueError, match="exclude_layers"):
        optimizers.Muon(exclude_layers="head")
    with pytest.raises(ValueError, match="path"):
        optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD())).build([torch.zeros(2)])
    assert optimizers.get("lamb").__class__ is optimizers.Lamb
    assert optimizers.get("ScheduleFreeAdamW").__class__ is optimizers.ScheduleFreeAdamW
