"""Learning rate schedules against Keras 3's values."""

import json
import pathlib

import pytest
import torch

from kerasish import optimizers
from kerasish.optimizers import schedules

# [float(ExponentialDecay(0.1, 3, 0.5, staircase=s)(i)) for i in range(7)] from Keras 3.15 (float32).
KERAS_SMOOTH = [0.1, 0.07937005162239075, 0.06299605220556259, 0.05, 0.039685025811195374, 0.031498026102781296, 0.025]
KERAS_STAIRCASE = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]


@pytest.mark.parametrize("staircase, expected", [(False, KERAS_SMOOTH), (True, KERAS_STAIRCASE)])
def test_exponential_decay_matches_keras(staircase, expected):
    schedule = schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5, staircase=staircase)
    assert [schedule(step) for step in range(7)] == pytest.approx(expected, rel=1e-7)
    # Integer tensors work too.
    values = schedule(torch.arange(7))
    assert values.tolist() == pytest.approx(expected, rel=1e-6)


def test_exponential_decay_config_round_trip():
    schedule = schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True, name="decay")
    config = schedules.serialize(schedule)
    assert config["class_name"] == "ExponentialDecay"
    assert config["config"] == {
        "initial_learning_rate": 0.1,
        "decay_steps": 3,
        "decay_rate": 0.5,
        "staircase": True,
        "name": "decay",
    }
    restored = schedules.deserialize(config)
    assert isinstance(restored, schedules.ExponentialDecay) and restored.get_config() == config["config"]
    # Keras 2 files write schedules without "module".
    assert schedules.deserialize({"class_name": "ExponentialDecay", "config": config["config"]})(3) == 0.05


def test_bad_schedules():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5)
    with pytest.raises(TypeError):
        schedules.LearningRateSchedule()
    with pytest.raises(ValueError, match="Unknown learning rate schedule"):
        schedules.deserialize({"class_name": "Nope", "config": {}})


# ------------------------------------------------------------------------------ the catalogue against Keras

_SCHEDULES = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "optimizers" / "optimizer_trajectories.json").read_text()
)["schedules"]  # written by tests/fixtures/optimizers/make_optimizer_fixtures.py from Keras 3.15


@pytest.mark.parametrize("name", sorted(_SCHEDULES))
def test_schedule_values_match_keras(name):
    case = _SCHEDULES[name]
    schedule = getattr(schedules, case["class_name"])(**case["config"])
    # Python int steps (what optimizers pass) give Python floats.
    values = [schedule(step) for step in case["steps"]]
    assert all(isinstance(v, float) for v in values)
    assert values == pytest.approx(case["values"], rel=1e-5, abs=1e-8)  # Keras computes in float32
    # Tensor steps give float32 tensors, elementwise.
    tensor_values = schedule(torch.tensor(case["steps"]))
    assert tensor_values.dtype == torch.float32
    assert tensor_values.tolist() == pytest.approx(case["values"], rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("name", sorted(_SCHEDULES))
def test_schedule_serializes_as_keras(name):
    case = _SCHEDULES[name]
    schedule = getattr(schedules, case["class_name"])(**case["config"])
    assert schedules.serialize(schedule) == case["serialized"]
    restored = schedules.deserialize(case["serialized"])
    assert type(restored) is type(schedule) and restored.get_config() == schedule.get_config()


def test_keras2_decay_is_inverse_time_decay():
    optimizer = optimizers.SGD(lr=0.1, decay=0.5)
    schedule = schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)
    params = [torch.nn.Parameter(torch.zeros(2))]
    for step in range(4):
        assert optimizer._current_learning_rate() == pytest.approx(schedule(step), rel=1e-7)
        optimizer.apply([torch.ones(2)], params)


def test_bad_catalogue_arguments():
    with pytest.raises(ValueError, match="boundaries should be 1 less"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    for make in (
        lambda: schedules.PolynomialDecay(0.1, 0),
        lambda: schedules.InverseTimeDecay(0.1, -1, 0.5),
        lambda: schedules.CosineDecay(0.1, 0),
        lambda: schedules.CosineDecayRestarts(0.1, 0),
    ):
        with pytest.raises(ValueError, match="must be > 0"):
            make()
