"""`keras.metrics.experimental` (tf.keras 2): `PyMetric`."""

from __future__ import annotations

from kerasish.metrics.py_metric import PyMetric

__all__ = ["PyMetric"]
