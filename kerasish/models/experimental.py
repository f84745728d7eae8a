"""`keras.models.experimental` (tf.keras 2): `SharpnessAwareMinimization`."""

from __future__ import annotations

from kerasish.models.sharpness_aware_minimization import SharpnessAwareMinimization

__all__ = ["SharpnessAwareMinimization"]
