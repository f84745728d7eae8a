"""Learning rate schedules: callables from the optimizer's step count to a learning rate."""

from __future__ import annotations

import abc

from kerasish.saving.object_registry import deserialize_keras_object, serialize_keras_object


class LearningRateSchedule(abc.ABC):
    """The base class of learning rate schedules.

    A schedule maps the optimizer's step count (`optimizer.iterations`, passed as a Python int) to the learning
    rate for that step. Subclasses implement `__call__(step)` and, to be serializable, `get_config()`.

    Example:
        class InverseStep(keras.optimizers.schedules.LearningRateSchedule):
            def __init__(self, initial_learning_rate):
                self.initial_learning_rate = initial_learning_rate

            def __call__(self, step):
                return self.initial_learning_rate / (step + 1)

            def get_config(self):
                return {"initial_learning_rate": self.initial_learning_rate}

        optimizer = keras.optimizers.SGD(learning_rate=InverseStep(0.1))
    """

    @abc.abstractmethod
    def __call__(self, step):
        """Returns the learning rate at `step` (a Python int, or an integer tensor)."""

    def get_config(self) -> dict:
        """The arguments `__init__` takes to rebuild this schedule; none for the base class."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "LearningRateSchedule":
        """Builds a schedule from the output of `get_config()`."""
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    With `staircase=True` the exponent is `step // decay_steps`, so the rate drops in steps.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps over which the rate is multiplied by `decay_rate` once.
        decay_rate: the decay base.
        staircase: whether to decay at whole multiples of `decay_steps` only.
        name: a name for the schedule.

    Example:
        schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96)
        optimizer = keras.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ):
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        exponent = step // self.decay_steps if self.staircase else step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate**exponent

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


ALL_OBJECTS = (LearningRateSchedule, ExponentialDecay)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict:
    """Serializes a schedule to Keras 3's `{"module", "class_name", "config", "registered_name"}` dict."""
    return serialize_keras_object(learning_rate_schedule)


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """Builds a schedule from a dict written by `serialize` (Keras 2 or Keras 3 shape).

    Args:
        config: the serialized schedule.
        custom_objects: user schedules by name.
    """
    return deserialize_keras_object(
        config,
        module_objects=ALL_OBJECTS_DICT,
        custom_objects=custom_objects,
        printable_module_name="learning rate schedule",
    )
