"""The optimizer base class: state, saving, None gradients, arguments, configs and lookups."""

import copy
import json
import re
import warnings

import numpy as np
import pytest
import torch

from kerasish import optimizers
from kerasish.optimizers.schedules import ExponentialDecay, LearningRateSchedule
from kerasish.saving.object_registry import CustomObjectScope


def _params(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.nn.Parameter(torch.randn(3, 2, generator=gen)),
        torch.nn.Parameter(torch.randn(4, generator=gen)),
    ]


def _grads(step):
    gen = torch.Generator().manual_seed(100 + step)
    return [torch.randn(3, 2, generator=gen), torch.randn(4, generator=gen)]


# ------------------------------------------------------------------------------------------ saving / state


@pytest.mark.parametrize(
    "make, count",
    [
        (lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True), 2 + 2),
        (lambda: optimizers.Adam(0.01, amsgrad=True, weight_decay=0.01), 2 + 6),
        (lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True, clipnorm=1.0), 2 + 6),
        (lambda: optimizers.Adam(ExponentialDecay(0.01, 2, 0.5), use_ema=True), 1 + 6),
        (lambda: optimizers.SGD(0.1, momentum=0.9, gradient_accumulation_steps=2), 2 + 4),
    ],
)
def test_save_and_restore_resume_exactly(make, count):
    params, optimizer = _params(), make()
    for step in range(3):
        optimizer.apply(_grads(step), params)
    store = {}
    optimizer.save_own_variables(store)
    assert sorted(store, key=int) == [str(i) for i in range(count)]
    assert store["0"] == 3 and store["0"].dtype == np.int64
    saved_params = [p.detach().clone() for p in params]
    for step in range(3, 6):
        optimizer.apply(_grads(step), params)

    restored_params = [torch.nn.Parameter(p.clone()) for p in saved_params]
    restored = make()
    restored.build(restored_params)
    restored.load_own_variables(copy.deepcopy(store))
    assert int(restored.variables[0]) == 3
    for step in range(3, 6):
        restored.apply(_grads(step), restored_params)
    for ours, expected in zip(restored_params, params):
        assert torch.equal(ours, expected)
    for ours, expected in zip(restored.variables, optimizer.variables):
        assert torch.equal(ours, expected)


def test_variables_order_matches_keras_slot_order():
    params = _params()
    optimizer = optimizers.Adam(0.01, amsgrad=True)
    optimizer.build(params)
    variables = optimizer.variables
    assert [tuple(v.shape) for v in variables] == [(), (), (3, 2), (3, 2), (4,), (4,), (3, 2), (4,)]
    # Keras interleaves momentum and velocity per variable, then adds the velocity hats.
    assert variables[2] is optimizer._momentums[0] and variables[3] is optimizer._velocities[0]
    assert variables[6] is optimizer._velocity_hats[0]
    assert variables[1].dtype == torch.float32 and float(variables[1]) == np.float32(0.01)


def test_load_into_unbuilt_optimizer_warns_and_skips():
    optimizer = optimizers.Adam()
    optimizer.apply(_grads(0), _params())
    store = {}
    optimizer.save_own_variables(store)
    fresh = optimizers.Adam()
    with pytest.warns(UserWarning, match="not been called/built"):
        fresh.load_own_variables(store)
    assert int(fresh.iterations) == 0


def test_slots_live_on_the_parameters_device_and_dtype_and_are_reused():
    params = [torch.nn.Parameter(torch.ones(3, dtype=torch.float64))]
    optimizer = optimizers.Adam(0.1)
    optimizer.apply([torch.ones(3, dtype=torch.float64)], params)
    pointers = [v.data_ptr() for v in optimizer.variables[2:]]
    optimizer.apply([torch.ones(3, dtype=torch.float64)], params)
    assert [v.data_ptr() for v in optimizer.variables[2:]] == pointers
    assert all(v.dtype == torch.float64 for v in optimizer.variables[2:])
    # Two steps of a constant gradient: Adam moves by ~lr per step.
    np.testing.assert_allclose(params[0].detach().numpy(), 1 - 0.2, rtol=1e-6)


# ------------------------------------------------------------------------------------------ the step


def test_none_gradients_are_skipped():
    params = _params()
    frozen_before = params[1].detach().clone()
    optimizer = optimizers.SGD(0.1, momentum=0.9)
    grads = _grads(0)
    optimizer.apply([grads[0], None], params)
    assert torch.equal(params[1], frozen_before)
    assert torch.equal(optimizer.momentums[1], torch.zeros(4))
    assert torch.allclose(optimizer.momentums[0], -0.1 * grads[0])
    assert int(optimizer.iterations) == 1
    with pytest.raises(ValueError, match="No gradients"):
        optimizer.apply([None, None], params)


def test_apply_without_variables_and_on_a_subset():
    params = _params()
    optimizer = optimizers.SGD(0.5)
    with pytest.raises(ValueError, match="must already be built"):
        optimizer.apply(_grads(0))
    optimizer.build(params)
    before = [p.detach().clone() for p in params]
    grads = _grads(0)
    optimizer.apply(grads)
    for p, b, g in zip(params, before, grads):
        torch.testing.assert_close(p.detach(), b - 0.5 * g)
    optimizer.apply([grads[1]], [params[1]])
    torch.testing.assert_close(params[1].detach(), before[1] - 1.0 * grads[1])
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply([grads[0]], [torch.nn.Parameter(torch.zeros(3, 2))])
    with pytest.raises(ValueError, match="one gradient per variable"):
        optimizer.apply([grads[0]])


def test_apply_gradients_pairs():
    params = _params()
    before = params[0].detach().clone()
    grads = _grads(0)
    iterations = optimizers.SGD(0.5).apply_gradients(zip(grads, params))
    assert int(iterations) == 1
    torch.testing.assert_close(params[0].detach(), before - 0.5 * grads[0])


def test_clipping_leaves_the_callers_gradients_alone():
    params = _params()
    grads = [g * 100 for g in _grads(0)]
    copies = [g.clone() for g in grads]
    for kwargs in ({"clipnorm": 1.0}, {"clipvalue": 0.1}, {"global_clipnorm": 1.0}):
        optimizers.SGD(0.1, **kwargs).apply(grads, params)
    assert all(torch.equal(g, c) for g, c in zip(grads, copies))


def test_global_clipnorm_is_nan_for_an_infinite_norm_as_keras():
    params = _params()
    grads = _grads(0)
    grads[0][0, 0] = float("inf")
    optimizers.SGD(0.1, global_clipnorm=1.0).apply(grads, params)
    assert torch.isnan(params[1]).all()


def test_weight_decay_exclusions():
    params = _params()
    before = [p.detach().clone() for p in params]
    optimizer = optimizers.SGD(0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[params[1]])
    optimizer.apply([torch.zeros(3, 2), torch.zeros(4)], params)
    torch.testing.assert_close(params[0].detach(), before[0] * (1 - 0.5 * 0.1))
    assert torch.equal(params[1], before[1])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["bias"])

    bias = torch.nn.Parameter(torch.ones(2))
    bias.path = "dense/bias"  # torch reserves `.name`; kerasish tags parameters with `.path`
    optimizer = optimizers.SGD(0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    optimizer.apply([torch.zeros(2)], [bias])
    assert torch.equal(bias, torch.ones(2))


def test_constraints_are_applied_after_the_update():
    param = torch.nn.Parameter(torch.tensor([0.05, 1.0]))
    param.constraint = lambda w: w.clamp(min=0.0)
    optimizers.SGD(0.1).apply([torch.tensor([1.0, 1.0])], [param])
    torch.testing.assert_close(param.detach(), torch.tensor([0.0, 0.9]))


def test_ema_finalize_overwrites_with_the_average():
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(3):
        optimizer.apply([torch.tensor([-1.0])], [param])  # param: 1, 2, 3
    # average: 1 (first step copies), then 0.5 * 1 + 0.5 * 2 = 1.5, then 0.5 * 1.5 + 0.5 * 3 = 2.25
    optimizer.finalize_variable_values([param])
    torch.testing.assert_close(param.detach(), torch.tensor([2.25]))


def test_loss_scale_factor():
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = optimizers.SGD(1.0, loss_scale_factor=8.0)
    assert float(optimizer.scale_loss(torch.tensor(2.0))) == 16.0
    optimizer.apply([torch.tensor([8.0])], [param])
    torch.testing.assert_close(param.detach(), torch.tensor([-1.0]))


def test_keras_style_per_variable_subclass():
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def build(self, variables):
            if self.built:
                return
            super().build(variables)
            self.steps = [self.add_variable_from_reference(v, "steps") for v in variables]

        def update_step(self, gradient, variable, learning_rate):
            self.assign_add(self.steps[self._get_variable_index(variable)], 1.0)
            self.assign_sub(variable, learning_rate * torch.sign(gradient))

    param = torch.nn.Parameter(torch.zeros(2))
    optimizer = SignSGD(0.25)
    optimizer.apply([torch.tensor([3.0, -0.1])], [param])
    torch.testing.assert_close(param.detach(), torch.tensor([-0.25, 0.25]))
    assert torch.equal(optimizer.variables[2], torch.ones(2))

    class NoUpdate(optimizers.Optimizer):
        pass

    with pytest.raises(TypeError, match="defines no update"):
        NoUpdate(0.1).build([param])


# ------------------------------------------------------------------------------------------ learning rate


def test_learning_rate_is_settable_and_readable_as_float():
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = optimizers.SGD(learning_rate=0.1)
    assert float(optimizer.learning_rate) == np.float32(0.1)
    optimizer.learning_rate = 0.5  # as ReduceLROnPlateau does
    assert float(optimizer.learning_rate) == 0.5 and float(optimizer.variables[1]) == 0.5
    optimizer.apply([torch.ones(1)], [param])
    torch.testing.assert_close(param.detach(), torch.tensor([-0.5]))
    optimizer.lr = 0.25  # Keras 2 name
    assert float(optimizer.lr) == 0.25
    with pytest.raises(ValueError, match="learning_rate"):
        optimizer.learning_rate = "fast"


def test_learning_rate_schedule_follows_iterations():
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = optimizers.SGD(ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5))
    assert len(optimizer.variables) == 1  # no learning_rate variable, as Keras
    for _ in range(3):
        optimizer.apply([torch.ones(1)], [param])
    torch.testing.assert_close(param.detach(), torch.tensor([-1.75]))
    assert float(optimizer.learning_rate) == 0.125
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.1


def test_replacing_a_float_learning_rate_by_a_schedule_or_callable():
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = optimizers.SGD(0.1)
    optimizer.learning_rate = lambda: 2.0
    assert len(optimizer.variables) == 1
    optimizer.apply([torch.ones(1)], [param])
    torch.testing.assert_close(param.detach(), torch.tensor([-2.0]))


def test_keras2_lr_and_decay():
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = optimizers.SGD(lr=1.0, decay=1.0)
    for _ in range(3):
        optimizer.apply([torch.ones(1)], [param])
    torch.testing.assert_close(param.detach(), torch.tensor([-(1 + 1 / 2 + 1 / 3)]))
    config = optimizer.get_config()
    assert config["learning_rate"] == 1.0 and config["decay"] == 1.0
    assert optimizers.SGD.from_config(config).decay == 1.0
    assert "decay" not in optimizers.SGD().get_config()


# ------------------------------------------------------------------------------------------ arguments


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: optimizers.Adam(learnig_rate=0.1), "learnig_rate"),
        (lambda: optimizers.SGD(clipnorm=1.0, clipvalue=1.0), "Only one of"),
        (lambda: optimizers.Adam(gradient_accumulation_steps=1), "gradient_accumulation_steps"),
        (lambda: optimizers.Adam(use_ema=True, ema_momentum=1.5), "ema_momentum"),
        (lambda: optimizers.Adam(use_ema=True, ema_overwrite_frequency=0), "ema_overwrite_frequency"),
        (lambda: optimizers.SGD(momentum=1.5), "momentum"),
        (lambda: optimizers.SGD(learning_rate="0.1"), "learning_rate"),
        (lambda: optimizers.SGD(decay=-1.0), "decay"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# ------------------------------------------------------------------------------------------ configs


# keras.optimizers.serialize(...) from Keras 3.15:
#   Adam(learning_rate=ExponentialDecay(0.01, 100, 0.9), amsgrad=True)
#   RMSprop(learning_rate=0.002, centered=True, clipnorm=1.0)
KERAS_ADAM = json.loads(
    '{"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam", "learning_rate": {"module": '
    '"keras.optimizers.schedules", "class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.01, '
    '"decay_steps": 100, "decay_rate": 0.9, "staircase": false, "name": "ExponentialDecay"}, "registered_name": '
    'null}, "weight_decay": null, "clipnorm": null, "global_clipnorm": null, "clipvalue": null, "use_ema": false, '
    '"ema_momentum": 0.99, "ema_overwrite_frequency": null, "loss_scale_factor": null, '
    '"gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": true}, '
    '"registered_name": null}'
)
KERAS_RMSPROP = json.loads(
    '{"module": "keras.optimizers", "class_name": "RMSprop", "config": {"name": "rm_sprop", "learning_rate": '
    '0.0020000000949949026, "weight_decay": null, "clipnorm": 1.0, "global_clipnorm": null, "clipvalue": null, '
    '"use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null, "loss_scale_factor": null, '
    '"gradient_accumulation_steps": null, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": true}, '
    '"registered_name": null}'
)


def test_serialize_matches_keras():
    # Names as Keras gives the first optimizer of each kind in a session (later ones are numbered).
    ours = optimizers.serialize(optimizers.RMSprop(learning_rate=0.002, centered=True, clipnorm=1.0, name="rm_sprop"))
    assert ours == KERAS_RMSPROP
    ours = optimizers.serialize(
        optimizers.Adam(learning_rate=ExponentialDecay(0.01, 100, 0.9), amsgrad=True, name="adam")
    )
    assert ours == KERAS_ADAM


def test_deserialize_keras_configs():
    adam = optimizers.deserialize(KERAS_ADAM)
    assert isinstance(adam, optimizers.Adam) and adam.amsgrad
    assert isinstance(adam._learning_rate, ExponentialDecay) and adam._learning_rate.decay_steps == 100
    rmsprop = optimizers.get(KERAS_RMSPROP)
    assert isinstance(rmsprop, optimizers.RMSprop) and rmsprop.centered and rmsprop.clipnorm == 1.0
    # tf.keras 2 configs: the old optimizers (with `decay`) and 2.11+'s (with jit_compile / is_legacy_optimizer).
    legacy = optimizers.deserialize(
        {
            "class_name": "SGD",
            "config": {"name": "SGD", "learning_rate": 0.01, "decay": 0.0, "momentum": 0.9, "nesterov": True},
        }
    )
    assert isinstance(legacy, optimizers.SGD) and legacy.nesterov and legacy.decay == 0.0
    newer = optimizers.deserialize(
        {
            "class_name": "Adam",
            "config": {
                "name": "Adam",
                "learning_rate": 0.001,
                "jit_compile": True,
                "is_legacy_optimizer": False,
                "use_ema": False,
                "amsgrad": False,
            },
        }
    )
    assert isinstance(newer, optimizers.Adam)


def test_get_by_name_dict_and_instance():
    assert type(optimizers.get("adam")) is optimizers.Adam
    assert type(optimizers.get("ADAM")) is optimizers.Adam
    assert type(optimizers.get("RMSprop")) is optimizers.RMSprop
    assert type(optimizers.get("sgd")) is optimizers.SGD
    assert optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5}}).get_config()["learning_rate"] == 0.5
    instance = optimizers.Adam()
    assert optimizers.get(instance) is instance
    assert optimizers.get(None) is None
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        optimizers.get(42)


def test_config_round_trip_with_a_custom_schedule():
    class Halving(LearningRateSchedule):
        def __init__(self, start):
            self.start = start

        def __call__(self, step):
            return self.start / 2**step

        def get_config(self):
            return {"start": self.start}

    optimizer = optimizers.SGD(Halving(0.8), momentum=0.5, global_clipnorm=2.0)
    config = optimizers.serialize(optimizer)
    with pytest.raises(ValueError, match="Halving"):
        optimizers.deserialize(config)
    restored = optimizers.deserialize(config, custom_objects={"Halving": Halving})
    assert restored.get_config() == optimizer.get_config()
    with CustomObjectScope({"Halving": Halving}):
        assert float(optimizers.deserialize(json.loads(json.dumps(config))).learning_rate) == np.float32(0.8)


def test_default_names_follow_keras():
    names = [optimizers.SGD().name, optimizers.Adam().name, optimizers.RMSprop().name]
    assert [re.sub(r"_\d+$", "", n) for n in names] == ["sgd", "adam", "rm_sprop"]
    first, second = optimizers.Adam().name, optimizers.Adam().name  # numbered like layers: adam, adam_1, ...
    assert second == f"adam_{int(first.rsplit('_', 1)[1]) + 1 if '_' in first else 1}"
    assert optimizers.Adam(name="opt").get_config()["name"] == "opt"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.Adam.from_config(optimizers.Adam(clipvalue=0.5).get_config())


def test_add_variables_initializers():
    optimizer = optimizers.SGD()
    params = _params()
    optimizer.build(params)
    accumulators = optimizer.add_optimizer_variables(params, "accumulator", initializer=0.1)
    assert torch.equal(accumulators[1], torch.full((4,), 0.1))
    assert torch.equal(optimizer.add_variable((2,), initializer="ones"), torch.ones(2))
    from_callable = optimizer.add_variable_from_reference(params[0], initializer=lambda shape, dtype: np.ones(shape))
    assert from_callable.dtype == torch.float32 and torch.equal(from_callable, torch.ones(3, 2))
    assert len(optimizer.variables) == 2 + 2 + 1 + 1
    with pytest.raises(ValueError, match="initializer"):
        optimizer.add_variable((2,), initializer="glorot")
    with pytest.raises(ValueError, match="already"):
        optimizer.add_optimizer_variables(params, "accumulator")
