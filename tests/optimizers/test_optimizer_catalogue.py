"""The optimizer catalogue beyond Keras's trajectories: exact resume, LossScaleOptimizer, configs and lookups."""

import copy

import pytest
import torch

from kerasish import optimizers
from kerasish.optimizers.schedules import CosineDecay


def _params(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.nn.Parameter(torch.randn(3, 2, generator=gen)),
        torch.nn.Parameter(torch.randn(4, generator=gen)),
        torch.nn.Parameter(torch.randn(2, 3, 2, generator=gen)),
    ]


def _grads(step):
    gen = torch.Generator().manual_seed(100 + step)
    return [torch.randn(3, 2, generator=gen), torch.randn(4, generator=gen), torch.randn(2, 3, 2, generator=gen)]


MAKERS = {
    "adamw": lambda: optimizers.AdamW(0.01, amsgrad=True),
    "adagrad": lambda: optimizers.Adagrad(0.1, clipvalue=0.5),
    "adadelta": lambda: optimizers.Adadelta(1.0, use_ema=True),
    "adamax": lambda: optimizers.Adamax(0.01, global_clipnorm=1.0),
    "nadam": lambda: optimizers.Nadam(0.01),
    "nadam_accumulation": lambda: optimizers.Nadam(0.01, gradient_accumulation_steps=2),
    "ftrl": lambda: optimizers.Ftrl(0.1, l1_regularization_strength=0.01, l2_shrinkage_regularization_strength=0.1),
    "lion": lambda: optimizers.Lion(CosineDecay(0.01, 10), weight_decay=0.1),
    "adafactor": lambda: optimizers.Adafactor(0.1),
    "loss_scale": lambda: optimizers.LossScaleOptimizer(
        optimizers.Nadam(0.01), initial_scale=4.0, dynamic_growth_steps=2
    ),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_save_and_restore_resume_exactly(name):
    """Train 3 steps, save into a dict, load into a fresh optimizer: 3 more steps give identical weights."""
    make = MAKERS[name]
    params, optimizer = _params(), make()
    for step in range(3):
        optimizer.apply(_grads(step), params)
    store = {}
    optimizer.save_own_variables(store)
    assert sorted(store, key=int) == [str(i) for i in range(len(optimizer.variables))]
    saved_params = [p.detach().clone() for p in params]
    for step in range(3, 6):
        optimizer.apply(_grads(step), params)

    restored_params = [torch.nn.Parameter(p.clone()) for p in saved_params]
    restored = make()
    restored.build(restored_params)
    restored.load_own_variables(copy.deepcopy(store))
    for step in range(3, 6):
        restored.apply(_grads(step), restored_params)
    for ours, expected in zip(restored_params, params):
        assert torch.equal(ours, expected)
    for ours, expected in zip(restored.variables, optimizer.variables):
        assert torch.equal(ours, expected)
    assert int(restored.iterations) == int(optimizer.iterations)


# ---------------------------------------------------------------------------------------- LossScaleOptimizer


def test_loss_scale_optimizer_skips_non_finite_steps_and_adjusts_the_scale():
    params = _params()
    inner = optimizers.Adam(0.01)
    optimizer = optimizers.LossScaleOptimizer(inner, initial_scale=16.0, dynamic_growth_steps=3)
    assert float(optimizer.scale_loss(torch.tensor(2.0))) == 32.0  # before building: the initial scale

    optimizer.apply([g * 16 for g in _grads(0)], params)
    assert int(optimizer.iterations) == 1 and float(optimizer.dynamic_scale) == 16.0
    assert int(optimizer.step_counter) == 1

    before = [p.detach().clone() for p in params]
    state_before = [v.clone() for v in inner.variables]
    grads = [g * 16 for g in _grads(1)]
    grads[2][0, 0, 0] = float("inf")
    optimizer.apply(grads, params)
    # Skipped: no variable or slot moved, the step is not counted, the scale halved, the counter reset.
    assert all(torch.equal(p, b) for p, b in zip(params, before))
    assert all(torch.equal(v, b) for v, b in zip(inner.variables, state_before))
    assert int(optimizer.iterations) == 1
    assert float(optimizer.dynamic_scale) == 8.0 and int(optimizer.step_counter) == 0
    assert float(optimizer.scale_loss(torch.tensor(1.0))) == 8.0

    # The gradients are unscaled: the same step as the plain optimizer on the unscaled gradients.
    reference_params, reference = _params(), optimizers.Adam(0.01)
    reference.apply(_grads(0), reference_params)
    for step in (2, 3, 4):
        optimizer.apply([g * float(optimizer.dynamic_scale) for g in _grads(step)], params)
        reference.apply(_grads(step), reference_params)
    # Three finite steps in a row double the scale.
    assert float(optimizer.dynamic_scale) == 16.0 and int(optimizer.step_counter) == 0
    for ours, expected in zip(params, reference_params):
        torch.testing.assert_close(ours, expected, rtol=1e-6, atol=1e-7)

    grads = _grads(5)
    grads[0][0, 0] = float("nan")
    optimizer.apply(grads, params)
    assert float(optimizer.dynamic_scale) == 8.0 and int(optimizer.iterations) == 4


def test_loss_scale_optimizer_leaves_the_callers_gradients_alone():
    params, grads = _params(), [g * 4 for g in _grads(0)]
    copies = [g.clone() for g in grads]
    optimizers.LossScaleOptimizer(optimizers.SGD(), initial_scale=4.0).apply(grads, params)
    assert all(torch.equal(g, c) for g, c in zip(grads, copies))


def test_loss_scale_optimizer_proxies_and_config():
    inner = optimizers.SGD(0.1, momentum=0.9, loss_scale_factor=8.0)
    optimizer = optimizers.LossScaleOptimizer(inner, dynamic_growth_steps=10)
    assert inner.loss_scale_factor is None  # else the gradients would be unscaled twice
    assert float(optimizer.dynamic_scale) == 2.0**15
    optimizer.learning_rate = 0.5
    assert float(inner.learning_rate) == 0.5 and float(optimizer.learning_rate) == 0.5
    config = optimizers.serialize(optimizer)
    assert config["class_name"] == "LossScaleOptimizer"
    assert config["config"]["inner_optimizer"]["class_name"] == "SGD"
    assert config["config"]["initial_scale"] == 2.0**15 and config["config"]["dynamic_growth_steps"] == 10
    restored = optimizers.deserialize(config)
    assert isinstance(restored.inner_optimizer, optimizers.SGD) and restored.inner_optimizer.momentum == 0.9
    assert restored.dynamic_growth_steps == 10
    # Older configs carry the common arguments at their defaults; anything else is refused.
    optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=None, use_ema=False)
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)


# -------------------------------------------------------------------------------------- configs and lookups


KERAS_DEFAULTS = {  # the class's own arguments and defaults in Keras 3.15
    "AdamW": {
        "learning_rate": 0.001,
        "weight_decay": 0.004,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
        "amsgrad": False,
    },
    "Adagrad": {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "Adadelta": {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
    "Adamax": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Nadam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Ftrl": {
        "learning_rate": 0.001,
        "learning_rate_power": -0.5,
        "initial_accumulator_value": 0.1,
        "l1_regularization_strength": 0.0,
        "l2_regularization_strength": 0.0,
        "l2_shrinkage_regularization_strength": 0.0,
        "beta": 0.0,
    },
    "Lion": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99},
    "Adafactor": {
        "learning_rate": 0.001,
        "beta_2_decay": -0.8,
        "epsilon_1": 1e-30,
        "epsilon_2": 1e-3,
        "clip_threshold": 1.0,
        "relative_step": True,
    },
}


@pytest.mark.parametrize("class_name", sorted(KERAS_DEFAULTS))
def test_defaults_config_round_trip_and_lookup(class_name):
    optimizer = optimizers.get(class_name.lower())
    assert type(optimizer).__name__ == class_name
    config = optimizer.get_config()
    for key, value in KERAS_DEFAULTS[class_name].items():
        assert config[key] == pytest.approx(value), key
    restored = type(optimizer).from_config(config)
    assert restored.get_config() == config
    # Keras 2's `lr` spelling.
    assert float(getattr(optimizers, class_name)(lr=0.25).learning_rate) == 0.25


def test_adamw_needs_a_weight_decay():
    with pytest.raises(ValueError, match="weight_decay=None"):
        optimizers.AdamW(weight_decay=None)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: optimizers.Ftrl(learning_rate_power=0.5), "learning_rate_power"),
        (lambda: optimizers.Ftrl(l1_regularization_strength=-1.0), "l1_regularization_strength"),
        (lambda: optimizers.Adagrad(initial_accumulator_value=-0.1), "initial_accumulator_value"),
        (lambda: optimizers.Lion(beta_1=0.0), "beta_1"),
        (lambda: optimizers.LossScaleOptimizer("adam"), "inner_optimizer"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_nadam_u_product_is_saved_last():
    params, optimizer = _params(), optimizers.Nadam()
    optimizer.apply(_grads(0), params)
    # beta_1 * (1 - 0.5 * 0.96) after one step, as Keras's float32 variable.
    assert optimizer.variables[-1].item() == pytest.approx(0.9 * (1 - 0.5 * 0.96), rel=1e-6)
    assert len(optimizer.variables) == 2 + 2 * len(params) + 1


def test_adafactor_slots_follow_keras_layout():
    params, optimizer = _params(), optimizers.Adafactor()
    optimizer.build(params)
    shapes = [tuple(v.shape) for v in optimizer.variables]
    # iterations, learning_rate; (3, 2): r, c, v; (4,): two scalar placeholders, v; (2, 3, 2): r, c, v.
    assert shapes == [(), (), (3,), (2,), (3, 2), (), (), (4,), (2, 3), (2, 2), (2, 3, 2)]
