"""Optimizers (`keras.optimizers`): Keras 3's optimizers, stepping torch tensors in place."""

from __future__ import annotations

from kerasish.optimizers import experimental, legacy, schedules  # noqa: F401  (keras.optimizers.legacy, ...)
from kerasish.optimizers.adadelta import Adadelta
from kerasish.optimizers.adafactor import Adafactor
from kerasish.optimizers.adagrad import Adagrad
from kerasish.optimizers.adam import Adam
from kerasish.optimizers.adamax import Adamax
from kerasish.optimizers.adamw import AdamW
from kerasish.optimizers.ftrl import Ftrl
from kerasish.optimizers.lamb import Lamb
from kerasish.optimizers.lion import Lion
from kerasish.optimizers.loss_scale_optimizer import LossScaleOptimizer
from kerasish.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from kerasish.optimizers.muon import Muon
from kerasish.optimizers.nadam import Nadam
from kerasish.optimizers.optimizer import Optimizer
from kerasish.optimizers.rmsprop import RMSprop
from kerasish.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from kerasish.optimizers.serialization import deserialize, serialize  # noqa: F401  (keras.optimizers names)
from kerasish.optimizers.sgd import SGD
from kerasish.saving import object_registry
from kerasish.saving.object_registry import get_object

ALL_OBJECTS = (
    Optimizer,
    SGD,
    Adam,
    AdamW,
    RMSprop,
    Adagrad,
    Adadelta,
    Adamax,
    Nadam,
    Ftrl,
    Lion,
    Adafactor,
    LossScaleOptimizer,
    Lamb,
    Muon,
    ScheduleFreeAdamW,
    MultiOptimizer,
)
# Keras looks built-in optimizers up case-insensitively: "adam", "Adam" and "ADAM" all work.
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT["optimizermap"] = OptimizerMap  # not an optimizer, but MultiOptimizer's configs hold one
object_registry.register_builtins("optimizers", ALL_OBJECTS_DICT)


def get(identifier) -> Optimizer | None:
    """Returns an optimizer from a name (case-insensitive), a config dict, or an optimizer instance.

    Example:
        keras.optimizers.get("adam")  # Adam()
    """
    if identifier is None:
        return None
    return get_object(identifier, deserialize, "optimizer", accept=lambda obj: isinstance(obj, Optimizer))
