"""Learning rate schedules (`keras.optimizers.schedules`)."""

from kerasish.optimizers.schedules.learning_rate_schedule import (
    ExponentialDecay,
    LearningRateSchedule,
    deserialize,
    serialize,
)

__all__ = ["ExponentialDecay", "LearningRateSchedule", "deserialize", "serialize"]
