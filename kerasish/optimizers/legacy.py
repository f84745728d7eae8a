"""`keras.optimizers.legacy`: tf.keras 2's pre-2.11 optimizers, as kerasish's optimizers.

The legacy optimizers' update rules are those of the current ones here (Keras 3 removed this module; its classes
raise there). `Optimizer` is the current base class: a Keras 2 `OptimizerV2` subclass (`_resource_apply_dense`)
has no counterpart on torch.
"""

from __future__ import annotations

from kerasish.optimizers import adadelta, adagrad, adam, adamax, ftrl, nadam, rmsprop, sgd
from kerasish.optimizers.keras2_variants import keras2_variant
from kerasish.optimizers.optimizer import Optimizer

Adadelta = keras2_variant(adadelta.Adadelta, __name__, jit_compile=False)
Adagrad = keras2_variant(adagrad.Adagrad, __name__, jit_compile=False)
Adam = keras2_variant(adam.Adam, __name__, jit_compile=False)
Adamax = keras2_variant(adamax.Adamax, __name__, jit_compile=False)
Ftrl = keras2_variant(ftrl.Ftrl, __name__, jit_compile=False)
Nadam = keras2_variant(nadam.Nadam, __name__, jit_compile=False)
RMSprop = keras2_variant(rmsprop.RMSprop, __name__, jit_compile=False)
SGD = keras2_variant(sgd.SGD, __name__, jit_compile=False)

__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "Optimizer", "RMSprop", "SGD"]
