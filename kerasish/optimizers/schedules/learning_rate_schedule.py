"""Learning rate schedules: callables from the optimizer's step count to a learning rate.

Optimizers pass the step as a Python int, and get a Python float back: computing the learning rate costs no
tensor op and no device sync. Called with a tensor step, a schedule computes in float32 torch ops, as Keras.
"""

from __future__ import annotations

import abc
import bisect
import math
from collections.abc import Sequence

import torch

from kerasish import config as kconfig
from kerasish.saving.object_registry import deserialize_keras_object, serialize_keras_object
from kerasish.utils import legacy as legacy_serialization

Tensor = torch.Tensor


def _float_step(step):
    if isinstance(step, Tensor):
        return step.to(kconfig.standardize_dtype(None))
    return float(step)


def _floor(x):
    return torch.floor(x) if isinstance(x, Tensor) else float(math.floor(x))


def _ceil(x):
    return torch.ceil(x) if isinstance(x, Tensor) else float(math.ceil(x))


def _cos(x):
    return torch.cos(x) if isinstance(x, Tensor) else math.cos(x)


def _log(x):
    return torch.log(x) if isinstance(x, Tensor) else math.log(x)


def _minimum(x, limit: float):
    return torch.clamp(x, max=limit) if isinstance(x, Tensor) else min(x, limit)


def _where(condition, if_true, if_false):
    if isinstance(condition, Tensor):
        return torch.where(condition, if_true, if_false)
    return if_true if condition else if_false


def _check_positive(name: str, value) -> None:
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


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
    def from_config(cls, config: dict) -> LearningRateSchedule:
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
        _check_positive("decay_steps", decay_steps)
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


class PiecewiseConstantDecay(LearningRateSchedule):
    """A piecewise constant learning rate: `values[i]` for steps in `(boundaries[i - 1], boundaries[i]]`.

    That is `values[0]` while `step <= boundaries[0]`, ..., and `values[-1]` once `step > boundaries[-1]`.

    Args:
        boundaries: strictly increasing step numbers.
        values: the learning rates; one more than `boundaries`.
        name: a name for the schedule.

    Example:
        # 1.0 for the first 100001 steps, 0.5 for the next 10000, then 0.1.
        schedule = keras.optimizers.schedules.PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1])
    """

    def __init__(self, boundaries: Sequence[int], values: Sequence[float], name: str = "PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        if isinstance(step, Tensor):
            index = torch.bucketize(step, torch.as_tensor(self.boundaries, device=step.device, dtype=step.dtype))
            values = torch.as_tensor(self.values, dtype=kconfig.standardize_dtype(None), device=step.device)
            return values[index]
        # The number of boundaries strictly below the step.
        return self.values[bisect.bisect_left(self.boundaries, step)]

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Decays from `initial_learning_rate` to `end_learning_rate` along a polynomial over `decay_steps`.

        rate(step) = (initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end

    With `cycle=True` the decay restarts: `decay_steps` becomes the first multiple of it at or above `step`.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps to decay over.
        end_learning_rate: the final learning rate.
        power: the polynomial's power; 1.0 is linear.
        cycle: whether to restart the decay after `decay_steps`.
        name: a name for the schedule.

    Example:
        schedule = keras.optimizers.schedules.PolynomialDecay(0.1, 10000, end_learning_rate=0.01, power=0.5)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _float_step(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            # Step 0 is in the first cycle, not a degenerate zeroth one.
            decay_steps = decay_steps * _where(step == 0, 1.0, _ceil(step / decay_steps))
        else:
            step = _minimum(step, decay_steps)
        remaining = 1 - step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * remaining**self.power + self.end_learning_rate

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    With `staircase=True` the fraction is `floor(step / decay_steps)`. `InverseTimeDecay(lr, 1, decay)` is
    Keras 2's `decay` argument.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per unit of decay.
        decay_rate: the decay rate.
        staircase: whether to decay at whole multiples of `decay_steps` only.
        name: a name for the schedule.

    Example:
        schedule = keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        fraction = _float_step(step) / self.decay_steps
        if self.staircase:
            fraction = _floor(fraction)
        return self.initial_learning_rate / (1 + self.decay_rate * fraction)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


def _cosine_decay(step, decay_steps, decay_from, alpha: float):
    cosine = 0.5 * (1.0 + _cos(math.pi * step / decay_steps))
    return decay_from * ((1 - alpha) * cosine + alpha)


class CosineDecay(LearningRateSchedule):
    """Cosine decay (Loshchilov and Hutter's SGDR without restarts), with an optional linear warmup.

    Without `warmup_target`, the rate falls from `initial_learning_rate` to `initial_learning_rate * alpha` over
    `decay_steps`. With it, the rate first rises linearly from `initial_learning_rate` to `warmup_target` over
    `warmup_steps`, then falls from `warmup_target` to `warmup_target * alpha` over `decay_steps`:

        decayed(s) = peak * ((1 - alpha) * 0.5 * (1 + cos(pi * min(s, decay_steps) / decay_steps)) + alpha)

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps to decay over.
        alpha: the final learning rate as a fraction of the peak.
        name: a name for the schedule.
        warmup_target: the learning rate the warmup reaches; None for no warmup.
        warmup_steps: the number of warmup steps.

    Example:
        schedule = keras.optimizers.schedules.CosineDecay(0.0, 1000, warmup_target=0.1, warmup_steps=100)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        step = _float_step(step)
        if self.warmup_target is None:
            step = _minimum(step, float(self.decay_steps))
            return _cosine_decay(step, self.decay_steps, self.initial_learning_rate, self.alpha)
        step = _minimum(step, float(self.decay_steps + self.warmup_steps))
        decayed = _cosine_decay(step - self.warmup_steps, self.decay_steps, self.warmup_target, self.alpha)
        if not isinstance(step, Tensor) and step >= self.warmup_steps:
            return decayed
        # A tensor step computes both branches; the warmup one, unused when warmup_steps is 0, must not divide by 0.
        warmup_fraction = step / max(self.warmup_steps, 1)
        warmup = (self.warmup_target - self.initial_learning_rate) * warmup_fraction + self.initial_learning_rate
        return _where(step < self.warmup_steps, warmup, decayed)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov and Hutter, 2016).

    The first period decays from `initial_learning_rate` to `initial_learning_rate * alpha` over
    `first_decay_steps`; each restart then runs `t_mul` times longer and starts from `m_mul` times the previous
    period's peak.

    Args:
        initial_learning_rate: the learning rate at step 0.
        first_decay_steps: positive number of steps in the first period.
        t_mul: the length of each period relative to the previous one.
        m_mul: the peak of each period relative to the previous one.
        alpha: the minimum learning rate as a fraction of the period's peak.
        name: a name for the schedule.

    Example:
        schedule = keras.optimizers.schedules.CosineDecayRestarts(0.1, first_decay_steps=1000)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: int,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ):
        _check_positive("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _float_step(step) / self.first_decay_steps
        t_mul = self._t_mul
        if t_mul == 1.0:
            restarts = _floor(fraction)
            fraction = fraction - restarts
        else:
            # Periods last 1, t, t**2, ... (in units of first_decay_steps): the i-th restart begins at
            # (1 - t**i) / (1 - t).
            restarts = _floor(_log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            elapsed = (1.0 - t_mul**restarts) / (1.0 - t_mul)
            fraction = (fraction - elapsed) / t_mul**restarts
        peak = self._m_mul**restarts
        cosine = 0.5 * peak * (1.0 + _cos(math.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


ALL_OBJECTS = (
    LearningRateSchedule,
    ExponentialDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
    InverseTimeDecay,
    CosineDecay,
    CosineDecayRestarts,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}


def serialize(learning_rate_schedule: LearningRateSchedule, use_legacy_format: bool = False) -> dict:
    """Serializes a schedule to Keras 3's `{"module", "class_name", "config", "registered_name"}` dict."""
    if use_legacy_format:  # tf.keras 2's switch: Keras 2's {"class_name", "config"} shape
        return legacy_serialization.serialize_keras_object(learning_rate_schedule)
    return serialize_keras_object(learning_rate_schedule)


def deserialize(
    config: dict, custom_objects: dict | None = None, use_legacy_format: bool = False
) -> LearningRateSchedule:
    """Builds a schedule from a dict written by `serialize` (Keras 2 or Keras 3 shape).

    Args:
        config: the serialized schedule.
        custom_objects: user schedules by name.
    """
    del use_legacy_format  # tf.keras 2's switch: Keras 2's and Keras 3's shapes are both read
    return deserialize_keras_object(
        config,
        module_objects=ALL_OBJECTS_DICT,
        custom_objects=custom_objects,
        printable_module_name="learning rate schedule",
    )
