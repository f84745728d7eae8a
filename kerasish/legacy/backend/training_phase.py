"""Keras 2's global learning phase: `K.learning_phase()`, `K.set_learning_phase(0|1)`, `K.learning_phase_scope`.

A phase set here is the `training` value of top-level layer calls made without `training=` (calls that pass it,
like `fit`'s and `predict`'s, keep theirs), as in tf.keras. Unset, layers follow their own mode flag
(`model.train()`/`model.eval()`), and `learning_phase()` is 0.
"""

from __future__ import annotations

import contextlib
import warnings

from kerasish.layers import layer as _layer

__all__ = ["learning_phase", "learning_phase_scope", "set_learning_phase"]


def _check(value) -> bool:
    if value not in (0, 1):
        raise ValueError(f"Expected learning phase to be 0 or 1. Received: {value!r}")
    return bool(value)


def learning_phase() -> int:
    """The global learning phase: 1 (training) or 0 (inference, also when none was set)."""
    return int(bool(_layer.get_default_learning_phase()))


def set_learning_phase(value) -> None:
    """Sets the global learning phase to 0 (inference) or 1 (training); deprecated in tf.keras: pass `training=`."""
    phase = _check(value)
    warnings.warn(
        "`tf.keras.backend.set_learning_phase` is deprecated and will be removed after 2020-10-11. To update it, "
        "simply pass a True/False value to the `training` argument of the `__call__` method of your layer or model.",
        stacklevel=2,
    )
    _layer.set_default_learning_phase(phase)


@contextlib.contextmanager
def learning_phase_scope(value):
    """Within the `with` block the learning phase is `value` (0 or 1); the previous one comes back after it."""
    phase = _check(value)
    warnings.warn(
        "`tf.keras.backend.learning_phase_scope` is deprecated and will be removed after 2020-10-11. To update it, "
        "simply pass a True/False value to the `training` argument of the `__call__` method of your layer or model.",
        stacklevel=3,
    )
    previous = _layer.get_default_learning_phase()
    _layer.set_default_learning_phase(phase)
    try:
        yield value
    finally:
        _layer.set_default_learning_phase(previous)
