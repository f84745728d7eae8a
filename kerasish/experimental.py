"""`keras.experimental` (tf.keras 2): the premade models and the names tf.keras kept here after moving them.

A facade: `CosineDecay`/`CosineDecayRestarts` are `keras.optimizers.schedules`'s, `SequenceFeatures` is the
feature-column layer; `LinearModel` and `WideDeepModel` live in `kerasish/models/`.
"""

from __future__ import annotations

from kerasish.layers.preprocessing.dense_features import SequenceFeatures
from kerasish.models.linear_model import LinearModel
from kerasish.models.wide_deep_model import WideDeepModel
from kerasish.optimizers.schedules import CosineDecay, CosineDecayRestarts

__all__ = ["CosineDecay", "CosineDecayRestarts", "LinearModel", "SequenceFeatures", "WideDeepModel"]
