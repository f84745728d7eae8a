"""Learning rate schedules against Keras 3's values."""

import pytest
import torch

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
        "initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5, "staircase": True, "name": "decay",
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
