"""Mixed precision, as `keras.mixed_precision`: dtype policies and loss scaling."""

from kerasish.mixed_precision.dtype_policy import (
    DTypePolicy,
    Policy,
    dtype_policy,
    get,
    global_policy,
    set_dtype_policy,
    set_global_policy,
)
from kerasish.optimizers.loss_scale_optimizer import LossScaleOptimizer

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "get",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]
