"""`keras.optimizers.experimental`: tf.keras 2.9-2.10's new optimizers, which became `keras.optimizers`.

Each is the current optimizer with tf.keras's `name` default and its `jit_compile` argument (accepted, ignored).
"""

from __future__ import annotations

from kerasish.optimizers import adadelta, adafactor, adagrad, adam, adamax, adamw, ftrl, nadam, rmsprop, sgd
from kerasish.optimizers.keras2_variants import keras2_variant
from kerasish.optimizers.optimizer import Optimizer

Adadelta = keras2_variant(adadelta.Adadelta, __name__, jit_compile=True)
Adafactor = keras2_variant(adafactor.Adafactor, __name__, jit_compile=True)
Adagrad = keras2_variant(adagrad.Adagrad, __name__, jit_compile=True)
Adam = keras2_variant(adam.Adam, __name__, jit_compile=True)
AdamW = keras2_variant(adamw.AdamW, __name__, jit_compile=True)
Adamax = keras2_variant(adamax.Adamax, __name__, jit_compile=True)
Ftrl = keras2_variant(ftrl.Ftrl, __name__, jit_compile=True)
Nadam = keras2_variant(nadam.Nadam, __name__, jit_compile=True)
RMSprop = keras2_variant(rmsprop.RMSprop, __name__, jit_compile=True)
SGD = keras2_variant(sgd.SGD, __name__, jit_compile=True)

__all__ = [
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "SGD",
]
